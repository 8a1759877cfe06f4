"""A newcomer's first hour on a fresh machine: `make test` brings what its tests need, a server
that cannot be had costs one clear line (never a traceback), and CI never skips."""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.service.server import RunningService, free_port, wait_ready

REPO = Path(__file__).resolve().parents[1]
MAKE = shutil.which("make")
# One test per server, each stopping at the server before anything heavy starts.
SERVER_TESTS = {
    "promtool": "tests/service/cost/test_monitoring.py::test_rules_file_passes_promtool_check",
    "prometheus": "tests/service/cost/test_prometheus_e2e.py::"
    "test_prometheus_reads_back_the_savings_rule_of_the_scraped_service",
    "redis-server": "tests/service/documents/test_jobs.py::test_redis_results_expire",
}

needs_make = pytest.mark.skipif(MAKE is None, reason="make is not installed")


def _script(folder: Path, name: str, body: str) -> None:
    path = folder / name
    path.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


@pytest.fixture
def bare_path(tmp_path: Path) -> Iterator[Path]:
    """A PATH folder with none of the servers; `id` and `apt-get` are scripts that say root or
    not and record what apt-get was asked to install (a test must not install packages)."""
    folder = tmp_path / "bin"
    folder.mkdir()
    _script(folder, "apt-get", f'echo "$@" >> {tmp_path / "apt-get.log"}')
    yield folder


def _make(target: str, path: Path, uid: int, *flags: str) -> subprocess.CompletedProcess[str]:
    _script(path, "id", f"echo {uid}")
    env = {"PATH": str(path), "HOME": os.environ.get("HOME", "/tmp")}
    return subprocess.run(
        [str(MAKE), "--no-print-directory", *flags, target],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@needs_make
def test_as_root_make_test_installs_the_missing_servers(bare_path: Path) -> None:
    done = _make("test-servers", bare_path, uid=0)
    assert done.returncode == 0, done.stderr
    log = (bare_path.parent / "apt-get.log").read_text(encoding="utf-8").splitlines()
    assert log[0] == "update -q"
    assert log[1].split()[-2:] == ["redis-server", "prometheus"]


@needs_make
def test_make_test_brings_the_servers_before_lint_and_pytest(bare_path: Path) -> None:
    planned = _make("test", bare_path, 0, "--dry-run").stdout.splitlines()
    install = next(i for i, line in enumerate(planned) if "apt-get install" in line)
    pytest_run = next(i for i, line in enumerate(planned) if "bin/pytest" in line)
    ruff = next(i for i, line in enumerate(planned) if "ruff check" in line)
    assert install < ruff < pytest_run


@needs_make
def test_without_root_make_test_says_in_one_line_what_to_install(bare_path: Path) -> None:
    done = _make("test-servers", bare_path, uid=1000)
    assert done.returncode == 0
    assert not (bare_path.parent / "apt-get.log").exists()
    [line] = done.stderr.splitlines()
    assert "redis-server prometheus promtool not installed" in line
    assert "sudo make system-deps" in line


def _pytest_without_servers(ci: bool) -> subprocess.CompletedProcess[str]:
    """The server tests run by a pytest whose PATH holds only the venv's own programs."""
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["PATH"] = str(Path(sys.executable).parent)
    if ci:
        env["CI"] = "true"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", *SERVER_TESTS.values()],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def _lines_naming(output: str, server: str) -> list[str]:
    return [line for line in output.splitlines() if f"{server} is not installed" in line]


def test_a_missing_server_skips_its_tests_with_one_line_saying_what_to_install() -> None:
    done = _pytest_without_servers(ci=False)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "3 skipped" in output
    for server in SERVER_TESTS:
        [line] = _lines_naming(output, server)
        assert "sudo make system-deps" in line
    assert "Traceback" not in output
    assert "Error" not in output


def test_in_ci_a_missing_server_fails_its_tests_without_a_traceback() -> None:
    done = _pytest_without_servers(ci=True)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "skipped" not in output
    for server in SERVER_TESTS:
        assert _lines_naming(output, server), output
    assert "Traceback" not in output
    assert "FileNotFoundError" not in output


# --- the example config for a hub teacher and one's own text (docs/build.md) --------------

BUILD_DOC = REPO / "docs" / "build.md"
HUB_SECTION = "## A student of your own: a hub teacher and your own text"


def hub_example() -> str:
    """The YAML block of docs/build.md's hub-teacher section, as a reader would copy it."""
    section = BUILD_DOC.read_text(encoding="utf-8").split(HUB_SECTION, 1)[1]
    return section.split("```yaml\n", 1)[1].split("```", 1)[0]


@pytest.fixture
def hub_example_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example config in a folder that has the files it names (a user's own text)."""
    captions = [f"A dog number {i} runs across the green field." for i in range(40)]
    for name in ("data/my-text/part-1.en.txt", "data/dev.en", "data/test.en"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("\n".join(captions) + "\n", encoding="utf-8")
    for name in ("data/dev.de", "data/test.de"):
        (tmp_path / name).write_text("Ein Hund läuft.\n" * 40, encoding="utf-8")
    (tmp_path / "my-en-de.yaml").write_text(hub_example(), encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # the config's paths are relative to where model-build runs
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # no hub here: fail fast instead of retrying
    return tmp_path


def test_the_hub_example_config_distils_a_hub_teacher_on_monolingual_text(
    hub_example_folder: Path,
) -> None:
    from model_build.config import load_config

    config = load_config(hub_example_folder / "my-en-de.yaml")
    assert (config.teacher.family, config.teacher.model) == ("marian", "Helsinki-NLP/opus-mt-en-de")
    assert [files.target for files in config.prepare.sources] == [None]
    assert config.prepare.dev is not None and config.prepare.dev.target == "data/dev.de"
    assert config.output_path == Path("work/my-en-de/bundles/en-de")


def test_the_hub_example_config_validates_with_a_local_copy_of_the_teacher(
    hub_example_folder: Path, tiny_teacher: Path
) -> None:
    from typer.testing import CliRunner

    from model_build.cli import app

    result = CliRunner().invoke(
        app, ["validate", "my-en-de.yaml", "--set", f"teacher.model={tiny_teacher}"]
    )
    assert result.exit_code == 0, result.output


def test_offline_the_hub_example_config_has_no_problem_but_the_unreachable_hub(
    hub_example_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import huggingface_hub.constants

    from model_build.config import load_config
    from model_build.validation import validate

    # Offline as this machine is, without waiting for the hub's connection timeouts.
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    problems = validate(load_config(hub_example_folder / "my-en-de.yaml"))
    assert all("Helsinki-NLP/opus-mt-en-de" in problem for problem in problems), problems


# --- the console scripts after `pip install .` (no build extra) ----------------------------


def console_script(name: str) -> str:
    """The `module:function` pyproject.toml installs as `name`."""
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    target: str = pyproject["project"]["scripts"][name]
    return target


def _run_console_script(
    name: str, args: list[str], path: Path, *hidden: str
) -> subprocess.CompletedProcess[str]:
    """Call the script's function the way its installed wrapper does, with `hidden` modules
    unimportable (a sitecustomize sets them to None in sys.modules): no build extra."""
    (path / "sitecustomize.py").write_text(
        "import sys\n" + "".join(f"sys.modules[{module!r}] = None\n" for module in hidden),
        encoding="utf-8",
    )
    module, function = console_script(name).split(":")
    code = f"import sys; sys.argv[0] = {name!r}; from {module} import {function}; {function}()"
    env = {**os.environ, "PYTHONPATH": f"{path}{os.pathsep}{REPO}"}
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("hidden", ["typer", "yaml"])
def test_model_build_without_the_build_extra_says_in_one_line_to_install_it(
    tmp_path: Path, hidden: str
) -> None:
    done = _run_console_script("model-build", ["validate", "x.yaml"], tmp_path, hidden)
    assert done.returncode == 2
    assert done.stdout == ""
    [line] = done.stderr.splitlines()
    assert line == (
        f"model-build: the build extra is not installed (no module {hidden!r}): "
        "pip install '.[build]'"
    )


def test_model_build_with_the_build_extra_is_the_cli(tmp_path: Path) -> None:
    done = _run_console_script("model-build", ["--help"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "validate" in done.stdout


def test_mt_service_is_the_server_and_needs_no_build_extra(tmp_path: Path) -> None:
    done = _run_console_script("mt-service", ["--help"], tmp_path, "typer", "torch", "transformers")
    assert done.returncode == 0, done.stderr
    assert "--port" in done.stdout


# --- no noise: packaging warnings, Ctrl-C on `make serve` ---------------------------------


def test_the_package_and_its_editable_install_build_without_a_single_warning(
    tmp_path: Path,
) -> None:
    """What `pip install .` and `make serve`'s `pip install -e .` run, warnings as errors."""
    for hook in ("prepare_metadata_for_build_wheel", "build_editable"):
        (tmp_path / hook).mkdir()
        call = f"import sys, setuptools.build_meta as b; b.{hook}(sys.argv[1])"
        done = subprocess.run(
            [sys.executable, "-W", "error", "-c", call, str(tmp_path / hook)],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stdout + done.stderr
    [info] = (tmp_path / "prepare_metadata_for_build_wheel").glob("*.dist-info/METADATA")
    assert "License-Expression: Apache-2.0" in info.read_text(encoding="utf-8")
    assert list((tmp_path / "build_editable").glob("*.editable-*.whl"))


@needs_make
@pytest.mark.slow
def test_ctrl_c_ends_make_serve_without_make_or_python_noise(tmp_path: Path) -> None:
    port = free_port()
    # As a newcomer types it: no MT_ settings, no flags of a make that runs this test.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MT_", "MAKE", "MFLAGS"))}
    log = tmp_path / "serve.log"
    with log.open("w", encoding="utf-8") as sink:
        process = subprocess.Popen(
            [str(MAKE), "--no-print-directory", "serve"],
            cwd=REPO,
            env={**env, "MT_PORT": str(port)},
            stdout=sink,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own group, as a terminal's foreground job
        )
    try:
        wait_ready(RunningService(process, f"http://127.0.0.1:{port}", log), timeout=300)
        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C sends: the whole group
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    output = log.read_text(encoding="utf-8")
    assert process.returncode in (0, -signal.SIGINT), output  # make got the Ctrl-C too
    assert "stopped by SIGINT" in output, output
    assert "make: ***" not in output, output
    assert "Traceback" not in output, output
