"""/openapi.json is a contract a generated client can trust: schemathesis, every operation.

The real server on loopback, fuzzed from its own schema (valid and invalid requests): no 5xx,
only declared statuses, answers that match their schemas, and schema-valid requests accepted,
except for what no JSON Schema can say (listed in POSITIVE_REFUSALS).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.service.server import RunningService, running_service

pytestmark = pytest.mark.slow

LIMITS = {"MT_MAX_CHARS_PER_REQUEST": "300", "MT_MAX_TEXTS_PER_REQUEST": "5"}
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "response_schema_conformance",
        "positive_data_acceptance",
    ]
)
ACCEPTED = ["2XX", "404", "409", "429"]
# Schema-valid requests the service may still refuse, because JSON Schema cannot say why:
# 400: a well-formed language code no bundle serves; 413: the characters of all texts together,
# or the body's bytes; documents: 415/422 for file content that is not a (safe) document.
POSITIVE_REFUSALS = ["400", "413"]
DOCUMENT_REFUSALS = ["415", "422"]
CONFIG = f"""
[generation]
max-examples = 8

[checks.positive_data_acceptance]
expected-statuses = {json.dumps(ACCEPTED + POSITIVE_REFUSALS)}

[[operations]]
include-tag = "documents"
checks.positive_data_acceptance.expected-statuses = {
    json.dumps(ACCEPTED + POSITIVE_REFUSALS + DOCUMENT_REFUSALS)
}
"""


@pytest.fixture(scope="module")
def service(models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningService]:
    log = tmp_path_factory.mktemp("openapi") / "service.log"
    with running_service(models_dir, log, **LIMITS) as running:
        yield running


@pytest.fixture(scope="module")
def document(service: RunningService) -> dict[str, Any]:
    answer: dict[str, Any] = httpx.get(f"{service.url}/openapi.json", timeout=10).json()
    return answer


def test_every_operation_answers_as_its_schema_says(
    service: RunningService, document: dict[str, Any], tmp_path: Path
) -> None:
    """Examples, boundary values and fuzzing of every operation, valid and invalid, < 60 s."""
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG, encoding="utf-8")
    command = [sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "--no-color"]
    run = [
        f"{service.url}/openapi.json",
        "--checks",
        CHECKS,
        "--seed",
        "11",
        "--phases",
        "examples,coverage,fuzzing",
        "--request-timeout",
        "20",
    ]
    result = subprocess.run(
        [*command, "run", *run], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    operations = sum(len(methods) for methods in document["paths"].values())
    assert f"Selected: {operations}/{operations}" in result.stdout
    assert "Traceback" not in service.logs()


def test_the_schema_states_the_configured_limits(document: dict[str, Any]) -> None:
    text = document["components"]["schemas"]["TranslateRequest"]["properties"]["text"]
    one, many = text["anyOf"]
    assert (one["minLength"], one["maxLength"]) == (1, 300)
    assert (many["minItems"], many["maxItems"]) == (1, 5)
    assert "x-limit" not in str(document)


def _error_schemas(document: dict[str, Any], surface: str) -> dict[str, dict[str, Any]]:
    """``METHOD path status`` -> the schema of each declared 4xx/5xx under ``surface``."""
    return {
        f"{method} {path} {status}": response["content"]["application/json"]["schema"]
        for path, operations in document["paths"].items()
        if path.startswith(surface)
        for method, operation in operations.items()
        for status, response in operation["responses"].items()
        if status.startswith(("4", "5"))
    }


def test_every_error_outside_the_deepl_surface_is_declared_in_the_one_envelope(
    document: dict[str, Any],
) -> None:
    envelope = {"$ref": "#/components/schemas/ErrorResponse"}
    errors = _error_schemas(document, "/")
    ours = {where: schema for where, schema in errors.items() if " /v2/" not in where}
    assert ours and all(schema == envelope for schema in ours.values()), ours
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_every_deepl_error_is_declared_in_deepls_shape_and_statuses(
    document: dict[str, Any],
) -> None:
    errors = _error_schemas(document, "/v2/")
    assert {where.split()[1] for where in errors} == {
        "/v2/translate",
        "/v2/languages",
        "/v2/usage",
        "/v2/document",
        "/v2/document/{document_id}",
        "/v2/document/{document_id}/result",
        "/v2/glossaries",
        "/v2/glossaries/{glossary_id}",
        "/v2/glossaries/{glossary_id}/entries",
        "/v2/glossary-language-pairs",
    }
    deepl_ref = {"$ref": "#/components/schemas/DeepLErrorResponse"}
    assert all(schema == deepl_ref for schema in errors.values()), errors
    statuses = {where.split()[2] for where in errors}
    assert statuses <= {"400", "403", "404", "413", "429", "456", "503"}, statuses
    deepl_error = document["components"]["schemas"]["DeepLErrorResponse"]
    assert deepl_error["required"] == ["message", "code"]
