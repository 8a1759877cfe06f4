"""The page, its assets and its JSON over HTTP from a real service on loopback."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from service.web.serving import CONTENT_SECURITY_POLICY
from tests.service.server import RunningService, running_service

STATIC = Path(__file__).resolve().parents[3] / "service" / "web" / "static"


def get(service: RunningService, path: str) -> httpx.Response:
    return httpx.get(f"{service.url}{path}", timeout=30)


def assert_secured(response: httpx.Response) -> None:
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["x-content-type-options"] == "nosniff"


def test_the_page_is_served_at_root_with_a_content_security_policy(
    web_service: RunningService,
) -> None:
    response = get(web_service, "/")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert_secured(response)
    assert "script-src 'self';" in CONTENT_SECURITY_POLICY  # no inline script, no other origin
    assert '<html lang="en">' in response.text
    assert '<meta name="mt-debounce-ms" content="300">' in response.text


def test_every_asset_the_page_links_is_served_by_the_service_itself(
    web_service: RunningService,
) -> None:
    page = get(web_service, "/").text
    linked = re.findall(r'(?:src|href)="([^"#]+)"', page)

    assert sorted(linked) == ["/ui/static/app.css", "/ui/static/app.js"]
    for path, media_type in zip(sorted(linked), ("text/css", "text/javascript"), strict=True):
        response = get(web_service, path)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(media_type)
        assert_secured(response)


def test_no_asset_refers_to_another_origin() -> None:
    """Offline nodes: nothing may come from a CDN (inline scripts are refused by the policy)."""
    for asset in STATIC.iterdir():
        text = asset.read_text(encoding="utf-8")
        assert not re.search(r"https?://|//[a-z0-9-]+\.[a-z]", text, re.IGNORECASE), asset.name
        assert "<script>" not in text and "style=" not in text, asset.name


def test_a_file_that_is_not_one_of_the_assets_is_not_served(web_service: RunningService) -> None:
    for path in ("/ui/static/index.html", "/ui/static/..%2Fapi_router.py", "/ui/static/x.js"):
        response = get(web_service, path)
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "not_found"


def test_the_file_input_accepts_and_names_every_document_format(
    web_service: RunningService,
) -> None:
    page = get(web_service, "/").text
    accept = re.search(r'accept="([^"]+)"', page)

    assert accept is not None
    extensions = accept.group(1).split(",")
    for extension in (".docx", ".pptx", ".xlsx", ".html", ".md", ".txt", ".srt", ".vtt", ".po"):
        assert extension in extensions
    assert f"Accepted: {', '.join(extensions)}." in page


def test_cost_totals_grow_by_exactly_what_a_translation_cost(
    web_service: RunningService,
) -> None:
    before = get(web_service, "/ui/costs").json()
    text = "A dog is running in the park."

    answer = httpx.post(
        f"{web_service.url}/v1/translate",
        json={"text": text, "source": "en", "target": "de"},
        timeout=30,
    ).json()
    after = get(web_service, "/ui/costs").json()

    usage = answer["usage"]
    assert after["requests"] == before["requests"] + 1
    assert after["characters"] == before["characters"] + len(text)
    assert after["student_cost_usd"] == pytest.approx(
        before["student_cost_usd"] + usage["student_cost_usd"]
    )
    assert usage["teacher_equivalent_cost_usd"], "the default price list prices teachers"
    for teacher, cost in usage["teacher_equivalent_cost_usd"].items():
        total = after["teacher_equivalent_cost_usd"][teacher]
        assert total == pytest.approx(before["teacher_equivalent_cost_usd"].get(teacher, 0) + cost)
        assert after["savings_usd"][teacher] == pytest.approx(total - after["blended_cost_usd"])


def test_models_summarise_each_bundle_with_its_quality_and_report(
    web_service: RunningService,
) -> None:
    models = get(web_service, "/ui/models").json()["models"]

    assert [m["direction"] for m in models] == ["de-en", "en-de"]
    en_de = models[1]
    assert en_de["teacher"] == "tests/tiny-teacher"
    assert en_de["report_url"] == "/ui/models/en-de/report"
    for quality in en_de["quality"]:
        if quality["teacher_bleu"]:
            kept = 100 * quality["student_bleu"] / quality["teacher_bleu"]
            assert quality["bleu_kept_percent"] == pytest.approx(kept, abs=0.05)


def test_the_report_is_html_in_which_raw_html_stays_text(web_service: RunningService) -> None:
    response = get(web_service, "/ui/models/en-de/report")

    assert response.status_code == 200
    assert_secured(response)
    body = response.text
    assert "&lt;script&gt;alert('report')&lt;/script&gt;" in body
    assert "<script" not in body and "<img src=x" not in body
    assert 'href="javascript:' not in body
    assert '<img src="quality_speed.png"' in body
    assert "<table>" in body


def test_only_images_the_bundle_lists_are_served_beside_the_report(
    web_service: RunningService,
) -> None:
    image = get(web_service, "/ui/models/en-de/quality_speed.png")
    assert image.status_code == 200
    assert image.headers["content-type"] == "image/png"
    assert image.content.startswith(b"\x89PNG")

    for name in ("bundle.json", "source.spm", "report.md", "model%2Fmodel.bin", "nothing.png"):
        response = get(web_service, f"/ui/models/en-de/{name}")
        assert response.status_code == 404, name
        assert response.json()["error"]["code"] == "not_found"


def test_the_report_of_a_direction_not_served_is_a_404(web_service: RunningService) -> None:
    response = get(web_service, "/ui/models/en-fr/report")

    assert response.status_code == 404
    assert "en-fr" in response.json()["error"]["message"]


def test_with_the_ui_off_nothing_is_served_at_root_and_the_api_is_unchanged(
    web_models_dir: Path, tmp_path: Path
) -> None:
    with running_service(web_models_dir, tmp_path / "service.log", MT_UI="false") as service:
        for path in ("/", "/ui/static/app.js", "/ui/costs", "/ui/models"):
            response = get(service, path)
            assert response.status_code == 404, path
            assert response.json()["error"]["code"] == "not_found"
        translated = httpx.post(
            f"{service.url}/v1/translate",
            json={"text": "A dog.", "source": "en", "target": "de"},
            timeout=30,
        )
        assert translated.status_code == 200
