"""API keys against the real service: the official `deepl` client and v1 with keys, quotas
and rates as the clients expect them, per-key usage and cost, replicas sharing Redis, and
nothing of a key in logs or metrics."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import deepl
import httpx
import pytest

from service.auth.keys import KeyRecord, hash_key, new_key
from service.auth.store import KeyStore, RedisKeyStore, SqliteKeyStore
from tests.service.documents.test_jobs import redis_url
from tests.service.server import RunningService, free_port, running_service, start_and_fail

__all__ = ["redis_url"]  # the real redis-server fixture

ADMIN_KEY = "admin-" + "x" * 40
CAPTION = "A dog is running in the park."  # 29 characters
# name -> (requests a minute, characters a month); "gone" is revoked before the start.
KEYS = {"team-a": (0, 0), "small": (0, 40), "slow": (2, 0), "docs": (0, 100), "gone": (0, 0)}


def add_key(store: KeyStore, name: str, per_minute: int = 0, characters: int = 0) -> str:
    key = new_key()
    created = datetime.now(UTC).isoformat()
    store.add(KeyRecord(name=name, key_hash=hash_key(key), per_minute=per_minute,
                        characters=characters, created=created))  # fmt: skip
    return key


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    file = tmp_path_factory.mktemp("auth") / "keys.sqlite3"
    store = SqliteKeyStore(file)
    made = {name: add_key(store, name, *limits) for name, limits in KEYS.items()}
    store.revoke("gone")
    store.close()
    return file, made


@pytest.fixture(scope="module")
def keyed(
    models_dir: Path, tmp_path_factory: pytest.TempPathFactory, keys: tuple[Path, dict[str, str]]
) -> Iterator[RunningService]:
    log = tmp_path_factory.mktemp("logs") / "keyed.log"
    env = {
        "MT_AUTH_ENABLED": "true",
        "MT_AUTH_FILE": str(keys[0]),
        "MT_AUTH_ADMIN_KEY": ADMIN_KEY,
        "MT_AUTH_TRUSTED_PROXIES": "127.0.0.1",
        "MT_AUTH_BAD_KEYS_PER_MINUTE": "20",
        "MT_LOG_LEVEL": "debug",
        "MT_ACCESS_LOG": "true",
    }
    with running_service(models_dir, log, 60.0, **env) as running:
        yield running


@pytest.fixture(scope="module")
def key(keys: tuple[Path, dict[str, str]]) -> dict[str, str]:
    return keys[1]


def deepl_client(service: RunningService, key: str) -> deepl.Translator:
    return deepl.Translator(key, server_url=service.url)


def v1(
    service: RunningService, key: str | None, text: str = CAPTION, **headers: str
) -> httpx.Response:
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    body = {"text": [text], "source": "en", "target": "de"}
    return httpx.post(f"{service.url}/v1/translate", json=body, headers=headers)


def test_a_key_translates_with_the_deepl_client_and_on_v1(
    keyed: RunningService, key: dict[str, str]
) -> None:
    result = deepl_client(keyed, key["team-a"]).translate_text(CAPTION, target_lang="DE")
    assert isinstance(result, deepl.TextResult) and "Park" in result.text
    answer = v1(keyed, key["team-a"])
    assert answer.status_code == 200 and "Park" in answer.json()["translations"][0]


def test_unknown_revoked_and_missing_keys_get_one_answer(
    keyed: RunningService, key: dict[str, str]
) -> None:
    messages = []
    for presented in (new_key(), key["gone"]):
        with pytest.raises(deepl.AuthorizationException) as refused:
            deepl_client(keyed, presented).translate_text(CAPTION, target_lang="DE")
        messages.append(str(refused.value))
    assert messages[0] == messages[1]
    answers = [v1(keyed, None), v1(keyed, key["gone"]), v1(keyed, new_key())]
    assert {a.status_code for a in answers} == {401}
    assert len({a.text for a in answers}) == 1  # byte for byte the same
    assert answers[0].json()["error"] == {
        "code": "invalid_api_key",
        "message": "a valid API key is needed (missing, unknown or revoked)",
    }


def test_the_key_of_one_surface_is_not_taken_in_the_others_scheme(
    keyed: RunningService, key: dict[str, str]
) -> None:
    deepl_scheme = {"Authorization": f"DeepL-Auth-Key {key['team-a']}"}
    assert v1(keyed, None, **deepl_scheme).status_code == 401


def test_documents_need_a_key_and_health_metrics_docs_and_the_page_do_not(
    keyed: RunningService,
) -> None:
    upload = httpx.post(
        f"{keyed.url}/v1/documents",
        files={"file": ("a.txt", b"A dog.", "text/plain")},
        data={"source": "en", "target": "de"},
    )
    assert upload.status_code == 401
    for path in ("/healthz", "/readyz", "/metrics", "/", "/ui/models", "/docs"):
        assert httpx.get(f"{keyed.url}{path}").status_code == 200


def test_a_key_over_its_quota_gets_quota_exceeded_and_its_own_usage(
    keyed: RunningService, key: dict[str, str]
) -> None:
    translator = deepl_client(keyed, key["small"])
    translator.translate_text(CAPTION, target_lang="DE")  # 29 of 40
    with pytest.raises(deepl.QuotaExceededException, match="quota of this key"):
        translator.translate_text(CAPTION, target_lang="DE")  # 58 would pass 40
    usage = translator.get_usage()
    assert (usage.character.count, usage.character.limit) == (29, 40)
    assert not usage.character.limit_reached
    over = v1(keyed, key["small"])
    assert over.status_code == 429 and over.json()["error"]["code"] == "quota_exceeded"
    assert v1(keyed, key["small"], "A dog.").status_code == 200  # 35 of 40: still fits


def test_a_documents_characters_are_charged_and_a_spent_quota_fails_it(
    keyed: RunningService, key: dict[str, str]
) -> None:
    translator = deepl_client(keyed, key["docs"])
    document = b"A dog is running in the park.\n\nA man is sleeping on a bench."
    translated = io.BytesIO()
    translator.translate_document(
        io.BytesIO(document), translated, target_lang="DE", filename="a.txt"
    )
    spent = translator.get_usage().character.count or 0
    assert 40 <= spent <= len(document)  # the segments' characters, not the blank lines
    with pytest.raises(deepl.DocumentTranslationException, match="quota of this key"):
        translator.translate_document(
            io.BytesIO(document), io.BytesIO(), target_lang="DE", filename="b.txt"
        )
    assert (translator.get_usage().character.count or 0) <= 100


def test_a_key_over_its_requests_a_minute_gets_429_with_retry_after(
    keyed: RunningService, key: dict[str, str]
) -> None:
    # 2 a minute: 5 requests in a row see a 429 even if a minute starts between them.
    answers = [v1(keyed, key["slow"], "A dog.") for _ in range(5)]
    refused = [a for a in answers if a.status_code == 429]
    assert refused and {a.status_code for a in answers} == {200, 429}
    assert refused[0].json()["error"]["code"] == "rate_limited"
    assert 1 <= int(refused[0].headers["Retry-After"]) <= 60


def test_a_burst_of_bad_keys_is_limited_per_client_address(
    keyed: RunningService, key: dict[str, str]
) -> None:
    # The service trusts 127.0.0.1 as a proxy here, so X-Forwarded-For names the client.
    statuses: list[int] = []
    while 429 not in statuses and len(statuses) < 45:
        statuses.append(v1(keyed, new_key(), **{"X-Forwarded-For": "203.0.113.7"}).status_code)
    assert statuses[-1] == 429 and len(statuses) <= 41  # 20 a minute, at most two minutes
    retry = v1(keyed, new_key(), **{"X-Forwarded-For": "203.0.113.7"})
    assert retry.status_code == 429 and "Retry-After" in retry.headers
    other = v1(keyed, key["team-a"], **{"X-Forwarded-For": "203.0.113.8"})
    assert other.status_code == 200


def test_the_admin_route_reports_usage_and_cost_per_key_name(
    keyed: RunningService, key: dict[str, str]
) -> None:
    v1(keyed, key["team-a"], "Two girls play with a ball on the beach.")  # not cached: CPU
    answer = httpx.get(
        f"{keyed.url}/v1/admin/usage", headers={"Authorization": f"Bearer {ADMIN_KEY}"}
    )
    assert answer.status_code == 200
    by_name = {entry["name"]: entry for entry in answer.json()["keys"]}
    assert set(by_name) == set(KEYS)
    team = by_name["team-a"]
    assert team["requests"] >= 1 and team["characters"] >= len(CAPTION)
    assert team["student_cost_usd"] > 0 and team["teacher_cost_usd"]["deepl"] > 0
    assert by_name["gone"]["revoked"] and by_name["small"]["character_limit"] == 40
    for wrong in (key["team-a"], "nope", None):
        headers = {"Authorization": f"Bearer {wrong}"} if wrong else {}
        refused = httpx.get(f"{keyed.url}/v1/admin/usage", headers=headers)
        assert refused.status_code == 401


def test_metrics_count_requests_characters_and_cost_by_key_name(
    keyed: RunningService, key: dict[str, str]
) -> None:
    v1(keyed, key["team-a"])
    text = httpx.get(f"{keyed.url}/metrics").text
    for series in ("mt_key_requests_total", "mt_key_characters_total",
                   "mt_key_student_cost_usd_total"):  # fmt: skip
        assert f'{series}{{key="team-a"}}' in text
    assert 'mt_key_teacher_cost_usd_total{key="team-a",teacher="deepl"}' in text
    assert 'mt_auth_refused_total{reason="bad_key"}' in text


def test_zz_no_key_or_hash_appears_in_logs_or_metrics(
    keyed: RunningService, key: dict[str, str]
) -> None:
    """Runs last in this module: after every request above, with debug and access logs on."""
    seen = keyed.logs() + httpx.get(f"{keyed.url}/metrics").text
    assert "team-a" in httpx.get(f"{keyed.url}/metrics").text
    for secret in [*key.values(), ADMIN_KEY]:
        assert secret not in seen
        assert hash_key(secret) not in seen and hash_key(secret)[:16] not in seen


def test_two_instances_sharing_redis_share_keys_and_quotas(
    models_dir: Path, tmp_path: Path, redis_url: str
) -> None:
    env = {"MT_AUTH_ENABLED": "true", "MT_AUTH_REDIS_URL": redis_url,
           "MT_AUTH_REDIS_PREFIX": "e2e-keys:"}  # fmt: skip
    store = RedisKeyStore(redis_url, "e2e-keys:")
    with (
        running_service(models_dir, tmp_path / "a.log", 60.0, **env) as first,
        running_service(models_dir, tmp_path / "b.log", 60.0, **env) as second,
    ):
        shared = add_key(store, "shared", characters=40)  # made after both started
        deepl_client(first, shared).translate_text(CAPTION, target_lang="DE")
        with pytest.raises(deepl.QuotaExceededException):
            deepl_client(second, shared).translate_text(CAPTION, target_lang="DE")
        assert deepl_client(second, shared).get_usage().character.count == 29
        store.revoke("shared")
        for instance in (first, second):
            with pytest.raises(deepl.AuthorizationException):
                deepl_client(instance, shared).get_usage()
    store.close()


def test_an_unreachable_key_store_refuses_with_503_never_lets_in(
    models_dir: Path, tmp_path: Path
) -> None:
    nowhere = f"redis://127.0.0.1:{free_port()}/0"
    env = {"MT_AUTH_ENABLED": "true", "MT_AUTH_REDIS_URL": nowhere}
    with running_service(models_dir, tmp_path / "s.log", 60.0, **env) as service:
        v2 = httpx.post(
            f"{service.url}/v2/translate",
            data={"text": "A dog.", "target_lang": "DE"},
            headers={"Authorization": "DeepL-Auth-Key mt_whatever"},
        )
        assert v2.status_code == 503
        assert v2.json() == {
            "message": "the key store is unavailable; retry later",
            "code": "key_store_unavailable",
        }
        assert v1(service, "mt_whatever").status_code == 503
        assert "key store unavailable: ConnectionError" in service.logs()
        assert "Traceback" not in service.logs()


def test_a_bad_trusted_proxy_stops_start_up_with_one_line(models_dir: Path) -> None:
    env = {"MT_AUTH_ENABLED": "true", "MT_AUTH_TRUSTED_PROXIES": "10.0.0.0/8, not-an-ip"}
    stopped = start_and_fail(models_dir, **env)
    assert stopped.returncode == 2
    assert "MT_AUTH_TRUSTED_PROXIES: 'not-an-ip' is not an address or CIDR range" in stopped.stderr
    assert "Traceback" not in stopped.stderr
