"""/docs and /redoc work on an offline node, and Swagger's "Try it out" can upload a document.

The pages' scripts and stylesheets come from the service itself (fastapi-offline's copies of
Swagger UI and ReDoc), never from a CDN; the document uploads are declared as the multipart
forms their handlers read, while the handlers keep reading the body themselves (counting
bytes as they arrive, see service/documents) instead of FastAPI parsing it first.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
import pytest
from fastapi.routing import APIRoute

from service.documents.api_router import router as documents_router
from tests.service.server import RunningService

CONTENT_TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}


class _Assets(HTMLParser):
    """Every URL a page loads by itself: script sources and linked stylesheets and icons."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = {"script": "src", "link": "href"}.get(tag)
        self.urls += [value for name, value in attrs if name == wanted and value]


def assets_of(html: str) -> list[str]:
    parser = _Assets()
    parser.feed(html)
    return parser.urls


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_every_asset_of_the_page_is_served_by_the_service(
    service: RunningService, page: str
) -> None:
    html = httpx.get(f"{service.url}{page}").text
    urls = assets_of(html)
    assert any(url.endswith(".js") for url in urls), urls
    assert not re.search(r"https?://", html), "the page names another host"
    for url in urls:
        assert not urlsplit(url).netloc, url
        answer = httpx.get(urljoin(f"{service.url}{page}", url))
        assert answer.status_code == 200, url
        expected = CONTENT_TYPES[url[url.rindex(".") :]]
        assert answer.headers["content-type"].startswith(expected), url


def test_swagger_ui_reads_our_schema_and_asks_no_online_validator(
    service: RunningService,
) -> None:
    html = httpx.get(f"{service.url}/docs").text
    assert "url: '/openapi.json'" in html
    assert '"validatorUrl": null' in html  # else it loads a badge from validator.swagger.io


def test_the_served_swagger_ui_renders_openapi_3_1(service: RunningService) -> None:
    """Swagger UI 4 shows a blank page for an OpenAPI 3.1 document (what FastAPI writes)."""
    schema_version = httpx.get(f"{service.url}/openapi.json").json()["openapi"]
    bundle = httpx.get(f"{service.url}/docs/assets/swagger-ui-bundle.js").text
    version = re.search(r'PACKAGE_VERSION:"(\d+)\.(\d+)\.', bundle)
    assert schema_version.startswith("3.1") and version is not None
    assert int(version.group(1)) >= 5, version.group(0)


def _upload_schema(document: dict[str, Any], path: str) -> dict[str, Any]:
    schema: dict[str, Any] = document["paths"][path]["post"]["requestBody"]["content"][
        "multipart/form-data"
    ]["schema"]
    return schema


@pytest.mark.parametrize(
    ("path", "languages"),
    [("/v1/documents", ("source", "target")), ("/v2/document", ("source_lang", "target_lang"))],
)
def test_a_document_upload_is_declared_as_the_multipart_form_its_handler_reads(
    service: RunningService, path: str, languages: tuple[str, str]
) -> None:
    """What "Try it out" sends from the declared form is accepted as it is."""
    document = httpx.get(f"{service.url}/openapi.json").json()
    schema = _upload_schema(document, path)
    source, target = languages
    # What Swagger UI 5 shows as a file input (its isFileUploadIntended for OpenAPI 3.1).
    assert schema["properties"]["file"] == {"type": "string", "format": "binary"}
    assert {"file", source, target} <= schema["properties"].keys()
    assert set(schema["required"]) == {"file", target}
    answer = httpx.post(
        f"{service.url}{path}",
        files={"file": ("note.txt", b"A dog is running in the park.", "text/plain")},
        data={source: "en", target: "de"},
    )
    assert answer.status_code == 200, answer.text


def test_fastapi_does_not_parse_an_upload_before_its_handler_counts_the_bytes() -> None:
    """No body parameters: FastAPI would read (and spool) the whole form before the handler,
    whose own reader stops at the size limit as the bytes arrive."""
    uploads = [
        route
        for route in documents_router.routes
        if isinstance(route, APIRoute) and route.path in ("/v1/documents", "/v2/document")
    ]
    assert len(uploads) == 2
    assert all(not route.dependant.body_params for route in uploads)
