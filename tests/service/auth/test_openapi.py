"""With API keys on, /openapi.json says how each route takes its key and what the check answers,
so a generated client knows the 401/403, 429 and 456 it can get."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from service.app import build_app
from service.settings import ServiceSettings


def openapi(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, keys: bool) -> dict[str, Any]:
    monkeypatch.setenv("MT_AUTH_ENABLED", "true" if keys else "false")
    monkeypatch.setenv("MT_AUTH_FILE", str(tmp_path / "keys.sqlite3"))
    document: dict[str, Any] = build_app(ServiceSettings()).openapi()
    return document


def statuses(document: dict[str, Any], path: str, method: str = "post") -> set[str]:
    return set(document["paths"][path][method]["responses"])


def test_keyed_routes_declare_their_scheme_and_the_key_checks_answers(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    document = openapi(monkeypatch, tmp_path, keys=True)
    assert set(document["components"]["securitySchemes"]) == {"bearer", "deeplAuthKey"}
    v2 = document["paths"]["/v2/translate"]["post"]
    assert v2["security"] == [{"deeplAuthKey": []}]
    assert {"403", "429", "456"} <= statuses(document, "/v2/translate")
    assert "401" not in statuses(document, "/v2/translate")  # DeepL's 403 instead
    assert v2["responses"]["456"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "DeepLErrorResponse"
    )
    assert document["paths"]["/v1/translate"]["post"]["security"] == [{"bearer": []}]
    assert {"401", "429"} <= statuses(document, "/v1/translate")
    assert "456" not in statuses(document, "/v2/languages", "get")  # translates nothing
    assert "403" in statuses(document, "/v2/languages", "get")
    assert "security" not in document["paths"]["/healthz"]["get"]


def test_without_keys_no_route_declares_them(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    document = openapi(monkeypatch, tmp_path, keys=False)
    assert "securitySchemes" not in document.get("components", {})
    assert "403" not in statuses(document, "/v2/translate")
    assert "401" not in statuses(document, "/v1/translate")
