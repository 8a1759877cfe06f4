"""The manifests agree with each other, with the service's settings and with the build CLI."""

from __future__ import annotations

import copy
import re
import subprocess
from pathlib import Path
from typing import Any

import yaml

from service.settings import ServiceSettings
from tests.deploy.manifests import K8S, ROOT, crd_problems, find, load, manifest_files

SERVER_LABELS = {"app.kubernetes.io/name": "distilled-mt", "app.kubernetes.io/component": "server"}


def _deployment() -> dict[str, Any]:
    return find("Deployment", "distilled-mt")


def _server() -> dict[str, Any]:
    container: dict[str, Any] = _deployment()["spec"]["template"]["spec"]["containers"][0]
    return container


def _config() -> dict[str, str]:
    data: dict[str, str] = find("ConfigMap", "distilled-mt")["data"]
    return data


def _pod_specs() -> list[tuple[str, dict[str, Any]]]:
    """Every pod template in k8s/ (the Deployment and every build Job)."""
    return [
        (f"{p.relative_to(K8S)}:{doc['metadata']['name']}", doc["spec"]["template"]["spec"])
        for p in manifest_files()
        for doc in load(p)
        if doc["kind"] in ("Deployment", "Job")
    ]


def test_validate_deploy_script_passes_on_the_repository() -> None:
    result = subprocess.run(
        [str(ROOT / "scripts" / "validate-deploy")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_each_kustomization_lists_every_manifest_beside_it() -> None:
    for folder in (K8S, K8S / "build"):
        kustomization = yaml.safe_load((folder / "kustomization.yaml").read_text("utf-8"))
        beside = {p.name for p in folder.glob("*.yaml") if p.name != "kustomization.yaml"}
        assert set(kustomization["resources"]) == beside, folder


def test_build_kustomization_creates_the_same_namespace_as_the_serving_one() -> None:
    assert (K8S / "build" / "namespace.yaml").read_text("utf-8") == (
        K8S / "namespace.yaml"
    ).read_text("utf-8")


def test_every_resource_lives_in_the_project_namespace() -> None:
    for path in manifest_files():
        if "examples" in path.parts:
            continue
        for doc in load(path):
            if doc["kind"] != "Namespace":
                assert doc["metadata"].get("namespace") == "distilled-mt", path


def test_cpu_request_and_limit_equal_the_ctranslate2_threads() -> None:
    threads = int(_config()["MT_INTER_THREADS"]) * int(_config()["MT_INTRA_THREADS"])
    resources = _server()["resources"]
    assert resources["requests"]["cpu"] == resources["limits"]["cpu"] == str(threads)


def test_serving_pods_get_guaranteed_qos() -> None:
    resources = _server()["resources"]
    assert resources["requests"] == resources["limits"]


def test_configmap_sets_only_settings_the_service_knows() -> None:
    known = {f"MT_{name.upper()}" for name in ServiceSettings.model_fields}
    assert set(_config()) <= known, set(_config()) - known
    ServiceSettings.model_validate({k[3:].lower(): v for k, v in _config().items()})


def test_probes_liveness_on_healthz_readiness_on_readyz_and_a_startup_probe() -> None:
    server = _server()
    assert server["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert server["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert server["startupProbe"]["httpGet"]["path"] == "/healthz"
    startup = server["startupProbe"]
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 60


def test_grace_period_covers_prestop_drain_and_uvicorn_graceful_shutdown() -> None:
    main = (ROOT / "service" / "__main__.py").read_text("utf-8")
    (uvicorn_timeout,) = re.findall(r"timeout_graceful_shutdown=(\d+)", main)
    pre_stop = _server()["lifecycle"]["preStop"]["exec"]["command"]
    assert pre_stop[0] == "sleep"
    needed = float(pre_stop[1]) + float(_config()["MT_DRAIN_SECONDS"]) + int(uvicorn_timeout)
    assert _deployment()["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] >= needed


def test_rolling_update_adds_a_pod_before_removing_one() -> None:
    spec = _deployment()["spec"]
    assert spec["strategy"]["rollingUpdate"] == {"maxSurge": 1, "maxUnavailable": 0}
    assert "replicas" not in spec, "the HPA owns the replica count"


def test_every_pod_is_non_root_read_only_and_unprivileged() -> None:
    for where, pod in _pod_specs():
        assert pod["securityContext"]["runAsNonRoot"] is True, where
        assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault", where
        tmp = {v["name"] for v in pod["volumes"] if "emptyDir" in v}
        for container in pod["containers"]:
            context = container["securityContext"]
            assert context["readOnlyRootFilesystem"] is True, where
            assert context["allowPrivilegeEscalation"] is False, where
            assert context["capabilities"]["drop"] == ["ALL"], where
            mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
            assert mounts.get("/tmp") in tmp, f"{where}: no writable /tmp"


def test_service_pdb_policy_and_monitor_select_the_serving_pods() -> None:
    assert find("Service")["spec"]["selector"] == SERVER_LABELS
    assert find("PodDisruptionBudget")["spec"]["selector"]["matchLabels"] == SERVER_LABELS
    assert find("NetworkPolicy")["spec"]["podSelector"]["matchLabels"] == SERVER_LABELS
    assert _deployment()["spec"]["template"]["metadata"]["labels"] == SERVER_LABELS
    monitor = find("ServiceMonitor")["spec"]
    assert (
        monitor["selector"]["matchLabels"].items() <= find("Service")["metadata"]["labels"].items()
    )
    assert monitor["endpoints"][0]["port"] == find("Service")["spec"]["ports"][0]["name"]
    assert find("HorizontalPodAutoscaler")["spec"]["scaleTargetRef"]["name"] == "distilled-mt"


def test_named_ports_resolve_to_the_container_port() -> None:
    names = {p["name"] for p in _server()["ports"]}
    assert find("Service")["spec"]["ports"][0]["targetPort"] in names
    assert find("NetworkPolicy")["spec"]["ingress"][0]["ports"][0]["port"] in names
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert _server()[probe]["httpGet"]["port"] in names


def test_distill_job_has_one_shard_per_completion_index() -> None:
    job = find("Job", "mt-build-distill", K8S / "build" / "sharded" / "distill.yaml")
    container = job["spec"]["template"]["spec"]["containers"][0]
    args = container["args"]
    assert args[0] == "distill"
    shard = args[args.index("--shard") + 1]
    assert shard == f"$(SHARD_INDEX)/{job['spec']['completions']}"
    assert job["spec"]["completionMode"] == "Indexed"
    (index_env,) = [e for e in container["env"] if e["name"] == "SHARD_INDEX"]
    assert "job-completion-index" in index_env["valueFrom"]["fieldRef"]["fieldPath"]


def test_build_jobs_share_one_volume_and_one_config() -> None:
    jobs = [(w, p) for w, p in _pod_specs() if "build" in w]
    assert len(jobs) == 4
    for where, pod in jobs:
        claims = {
            v["persistentVolumeClaim"]["claimName"]
            for v in pod["volumes"]
            if "persistentVolumeClaim" in v
        }
        assert claims == {"mt-build-work"}, where
        assert pod["containers"][0]["args"][1] == "/etc/model-build/build.yaml", where


def test_build_config_in_the_configmap_is_a_valid_build_config(tmp_path: Path) -> None:
    from model_build.config import load_config

    text = find("ConfigMap", "mt-build-config")["data"]["build.yaml"]
    (tmp_path / "build.yaml").write_text(text, encoding="utf-8")
    config = load_config(tmp_path / "build.yaml")
    assert config.work_path.is_relative_to("/work")
    assert config.output_path.is_relative_to("/work/bundles")


def test_queue_alert_fires_before_the_queue_is_full() -> None:
    rules = find("PrometheusRule")["spec"]["groups"]
    (alert,) = [r for g in rules for r in g["rules"] if r.get("alert") == "MTQueueSaturated"]
    threshold = float(alert["expr"].rsplit(">", 1)[1])
    assert threshold < int(_config()["MT_QUEUE_SIZE"])


def test_prometheus_operator_resources_match_their_crd_schemas() -> None:
    for kind in ("ServiceMonitor", "PrometheusRule"):
        assert crd_problems(find(kind)) == [], kind


def test_crd_check_rejects_a_rule_that_is_both_alert_and_record_or_bad_promql() -> None:
    rule = copy.deepcopy(find("PrometheusRule"))
    first = rule["spec"]["groups"][1]["rules"][0]
    first["record"] = "job:broken:rate5m"
    assert crd_problems(rule)
    rule = copy.deepcopy(find("PrometheusRule"))
    rule["spec"]["groups"][0]["rules"][0]["expr"] = "sum(rate(mt_http_requests_total[5m])"
    assert any("PromQL" in p for p in crd_problems(rule))


def test_build_jobs_call_model_build_commands_that_exist() -> None:
    import typer.main

    from model_build.cli import app

    command = typer.main.get_command(app)
    assert isinstance(command, typer.main.TyperGroup)
    for where, pod in _pod_specs():
        if "build" not in where:
            continue
        args = pod["containers"][0]["args"]
        sub = command.commands.get(args[0])
        assert sub is not None, f"{where}: no command {args[0]}"
        options = {opt for param in sub.params for opt in param.opts}
        assert {a for a in args if a.startswith("--")} <= options, where
