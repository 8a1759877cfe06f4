"""Settings come from MT_ variables when built, and the command line overrides host and port."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.__main__ import parse_args
from service.settings import EMBEDDED_BUNDLES, ServiceSettings, available_cpus
from tests.service.server import start_and_fail


def test_defaults_serve_the_embedded_bundles_on_loopback() -> None:
    settings = ServiceSettings()
    assert settings.models_dir == EMBEDDED_BUNDLES
    assert settings.host == "127.0.0.1"
    assert settings.batching is True


def test_variables_with_the_mt_prefix_are_read_when_settings_are_built(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("MT_MODELS_DIR", str(tmp_path))
    monkeypatch.setenv("MT_BATCHING", "false")
    monkeypatch.setenv("MT_QUEUE_SIZE", "7")
    settings = ServiceSettings()
    assert (settings.models_dir, settings.batching, settings.queue_size) == (tmp_path, False, 7)


def test_command_line_host_and_port_are_parsed() -> None:
    args = parse_args(["--host", "0.0.0.0", "--port", "9000"])
    assert (args.host, args.port) == ("0.0.0.0", 9000)


def test_automatic_replicas_use_the_available_cpus() -> None:
    assert ServiceSettings(inter_threads=0).resolved_inter_threads() == available_cpus()
    assert ServiceSettings(inter_threads=3).resolved_inter_threads() == 3


@pytest.mark.parametrize(
    ("variable", "value"),
    [("MT_QUEUE_SIZE", "lots"), ("MT_UI", "maybe"), ("MT_AUTH_ENABLED", "perhaps")],
)
def test_a_bad_value_stops_start_up_in_one_line_naming_the_variable_not_its_value(
    variable: str, value: str
) -> None:
    done = start_and_fail(EMBEDDED_BUNDLES, **{variable: value})

    assert done.returncode == 2
    errors = [line for line in done.stderr.splitlines() if "ERROR" in line]
    assert len(errors) == 1 and f"{variable}: Input should be" in errors[0], done.stderr
    assert value not in done.stderr and "Traceback" not in done.stderr
