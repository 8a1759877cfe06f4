"""The image installs and starts the project exactly as the Makefile (and so CI) does."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.deploy.dockerfile import exec_form, stage, stages
from tests.deploy.manifests import ROOT, find

MAKEFILE = (ROOT / "Makefile").read_text(encoding="utf-8")


def _make_recipe(target: str) -> list[str]:
    match = re.search(rf"^{target}:.*\n((?:\t.*\n)+)", MAKEFILE, flags=re.MULTILINE)
    assert match, f"no target {target} in the Makefile"
    return [line.strip() for line in match.group(1).splitlines()]


def _pip_targets(command: str) -> list[str]:
    """What a `pip install` command installs, quotes and options stripped."""
    words = [w.strip("\"'") for w in command.split()]
    return [w for w in words[words.index("install") + 1 :] if not w.startswith("-")]


def test_default_target_is_the_serving_image() -> None:
    assert stages()[-1].name == "serve"


def test_serve_image_installs_the_project_as_setup_serve_does_without_extras() -> None:
    serve_install = re.escape("$(SERVE_INSTALLED)")  # the target setup-serve depends on
    (make_install,) = [c for c in _make_recipe(serve_install) if "pip install" in c]
    (run,) = stage("serve-install").args("RUN")
    assert _pip_targets(run.split("&&")[0]) == _pip_targets(make_install) == ["."]


def test_serve_image_copies_only_the_installed_environment_not_model_build() -> None:
    copies = stage("serve").args("COPY")
    assert copies == ["--from=serve-install /opt/venv /opt/venv"]
    assert not any("model_build" in c for c in stage("serve-install").args("COPY"))


def test_build_image_installs_the_makefile_torch_then_the_build_extra() -> None:
    (make_torch,) = re.findall(r"^TORCH_SPEC \?= (\S+)$", MAKEFILE, flags=re.MULTILINE)
    (arg,) = stage("build").args("ARG")
    assert arg == f"TORCH_SPEC={make_torch}"
    (run,) = stage("build").args("RUN")
    torch_install, project_install, _ = run.split("&&")
    assert _pip_targets(torch_install) == ["${TORCH_SPEC}"]
    (make_setup,) = [c for c in _make_recipe("setup") if ".[build" in c]
    assert _pip_targets(project_install) == [".[build]"]
    assert "build" in _pip_targets(make_setup)[0].strip(".[]").split(",")


def test_serve_image_starts_with_the_makefile_serve_command() -> None:
    (make_serve,) = _make_recipe("serve")
    (cmd,) = stage("serve").args("CMD")
    assert exec_form(cmd) == ["python", "-m", "service"]
    assert make_serve == "exec $(BIN)/python -m service"


def test_images_run_as_the_unprivileged_user_the_pods_require() -> None:
    pod = find("Deployment", "distilled-mt")["spec"]["template"]["spec"]["securityContext"]
    for name in ("serve", "build"):
        assert stage(name).args("USER")[-1] == f"{pod['runAsUser']}:{pod['runAsGroup']}"


def test_serve_image_listens_on_the_port_the_deployment_probes() -> None:
    config = find("ConfigMap", "distilled-mt")["data"]
    container = find("Deployment", "distilled-mt")["spec"]["template"]["spec"]["containers"][0]
    env = " ".join(stage("serve").args("ENV"))
    assert f"MT_PORT={config['MT_PORT']}" in env
    assert stage("serve").args("EXPOSE") == [config["MT_PORT"]]
    assert container["ports"][0]["containerPort"] == int(config["MT_PORT"])


def test_serve_healthcheck_uses_python_stdlib_against_healthz() -> None:
    (check,) = stage("serve").args("HEALTHCHECK")
    command = exec_form(check.partition(" CMD ")[2])
    assert command[:2] == ["python", "-c"]
    assert "/healthz" in command[2] and "urllib.request" in command[2]


def test_dockerignore_lets_in_exactly_what_the_dockerfile_copies() -> None:
    lines = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    allowed = {line[1:].rstrip("/") for line in lines if line.startswith("!")}
    copied = {
        source.rstrip("/")
        for s in stages()
        for copy in s.args("COPY")
        if not copy.startswith("--from")
        for source in copy.split()[:-1]
    }
    assert "*" in lines
    assert copied == allowed


def test_serving_code_starts_without_torch_or_transformers() -> None:
    """The serving image has neither; importing and building the app must not need them."""
    code = (
        "import sys\n"
        "for name in ('torch', 'transformers', 'model_build'):\n"
        "    sys.modules[name] = None\n"
        "import service.__main__\n"
        "from service.app import build_app\n"
        "from service.settings import ServiceSettings\n"
        "build_app(ServiceSettings())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
