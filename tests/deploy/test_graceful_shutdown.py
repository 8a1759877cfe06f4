"""SIGTERM under load: what a rolling update does to a pod, proven on the real server.

The server runs with the Deployment's own MT_ settings (k8s/configmap.yaml), so the drain it
shows is the one the cluster gets. Kubernetes sends SIGTERM after the preStop pause and SIGKILL
`terminationGracePeriodSeconds` after the pod started terminating; the process must be gone
within what is left of that budget.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.deploy.manifests import find
from tests.deploy.server import ServerProcess, copy_bundle
from tests.factories import caption_pairs

pytestmark = pytest.mark.slow

CLIENTS = 8
TEXTS_PER_REQUEST = 24


@dataclass(frozen=True)
class Outcome:
    started: float
    ended: float
    result: str  # an HTTP status code, "refused" or "disconnected" (no response), or an error


def deployment_budget() -> tuple[dict[str, str], float]:
    """The ConfigMap's MT_ settings and the seconds between SIGTERM and SIGKILL in the pod."""
    config: dict[str, str] = find("ConfigMap", "distilled-mt")["data"]
    pod = find("Deployment", "distilled-mt")["spec"]["template"]["spec"]
    pre_stop = pod["containers"][0]["lifecycle"]["preStop"]["exec"]["command"]
    assert pre_stop[0] == "sleep"
    return config, float(pod["terminationGracePeriodSeconds"]) - float(pre_stop[1])


def _client_loop(url: str, texts: list[str], stop: threading.Event, out: list[Outcome]) -> None:
    body = {"text": texts, "source": "en", "target": "de"}
    with httpx.Client(base_url=url, timeout=60) as client:
        while not stop.is_set():
            started = time.monotonic()
            try:
                result = str(client.post("/v1/translate", json=body).status_code)
            except httpx.ConnectError:
                result = "refused"
            except httpx.RemoteProtocolError as exc:
                no_answer = "without sending" in str(exc) or "disconnected" in str(exc)
                result = "disconnected" if no_answer else f"error: {exc!r}"
            except httpx.HTTPError as exc:
                result = f"error: {exc!r}"
            out.append(Outcome(started, time.monotonic(), result))
            if result in ("refused", "disconnected"):
                time.sleep(0.02)


def _readiness_loop(url: str, stop: threading.Event, out: list[Outcome]) -> None:
    while not stop.is_set():
        started = time.monotonic()
        try:
            result = str(httpx.get(f"{url}/readyz", timeout=2).status_code)
        except httpx.TransportError:
            result = "refused"
        out.append(Outcome(started, time.monotonic(), result))
        time.sleep(0.01)


@pytest.fixture
def server(tmp_path: Path, tiny_bundle: Path) -> ServerProcess:
    config, _ = deployment_budget()
    env = {
        **config,
        "MT_MODELS_DIR": str(copy_bundle(tiny_bundle, tmp_path / "models")),
        # Every request does real CTranslate2 work (no cache hits), so requests are in flight.
        "MT_CACHE_SIZE": "0",
        "MT_ACCESS_LOG": "false",
        # The load is deliberately heavy; admission by expected wait is not what is tested.
        "MT_MAX_QUEUE_WAIT_MS": "0",
    }
    process = ServerProcess(env)
    try:
        process.wait_ready()
        yield process
    finally:
        process.stop()


def test_sigterm_under_load_drains_without_dropping_a_request(server: ServerProcess) -> None:
    config, budget = deployment_budget()
    drain = float(config["MT_DRAIN_SECONDS"])
    sentences = [en for en, _ in caption_pairs()]
    stop = threading.Event()
    requests: list[Outcome] = []
    probes: list[Outcome] = []
    threads = [
        threading.Thread(
            target=_client_loop,
            args=(
                server.url,
                sentences[i * TEXTS_PER_REQUEST :][:TEXTS_PER_REQUEST],
                stop,
                requests,
            ),
        )
        for i in range(CLIENTS)
    ]
    for thread in threads:
        thread.start()
    time.sleep(1.0)  # load established: every client has a request in flight or queued
    assert any(o.result == "200" for o in requests), requests[:5]

    sigterm_at = time.monotonic()
    os.kill(server.proc.pid, signal.SIGTERM)
    prober = threading.Thread(target=_readiness_loop, args=(server.url, stop, probes))
    prober.start()
    try:
        exit_code = server.proc.wait(timeout=budget)
    finally:
        exited_at = time.monotonic()
        # Keep knocking until well past the drain window, so new connections meet the closed port.
        time.sleep(max(0.2, sigterm_at + drain + 1.0 - exited_at))
        stop.set()
        for thread in [*threads, prober]:
            thread.join(timeout=30)

    in_flight = [o for o in requests if o.started < sigterm_at < o.ended]
    after = [o for o in requests if o.started >= sigterm_at]
    answered_probes = [o for o in probes if o.result != "refused"]
    log = "\n".join(server.lines[-20:])

    # Readiness is 503 from the first probe after SIGTERM, and never 200 again.
    assert answered_probes, "no /readyz answer during the drain window"
    assert answered_probes[0].started - sigterm_at < 0.5
    assert {o.result for o in answered_probes} == {"503"}, answered_probes
    # Every request in flight at SIGTERM was answered, and answered 200.
    assert len(in_flight) >= CLIENTS // 2, f"only {len(in_flight)} requests in flight"
    assert {o.result for o in in_flight} == {"200"}, in_flight
    # Requests sent after SIGTERM: served during the drain window, refused once it is over.
    assert {o.result for o in after} <= {"200", "503", "refused", "disconnected"}, after
    late = [o for o in [*after, *probes] if o.started > sigterm_at + drain + 0.5]
    assert late and {o.result for o in late} <= {"503", "refused", "disconnected"}, late
    # The process stopped by itself, cleanly, well inside the pod's grace period. uvicorn ends
    # by re-raising the signal it caught, so a clean stop reads as "terminated by SIGTERM".
    assert exit_code in (0, -signal.SIGTERM), log
    assert "Application shutdown complete" in log, log
    assert exited_at - sigterm_at < min(budget, drain + 10), log
