"""Start-up refuses bad model folders; SIGTERM drains; a full queue answers 429 at once."""

from __future__ import annotations

import asyncio
import json
import shutil
import signal
import time
from pathlib import Path

import httpx

from tests.factories import caption_pairs
from tests.service.server import running_service, start_and_fail


def test_a_models_folder_without_bundles_stops_start_up(tmp_path: Path) -> None:
    result = start_and_fail(tmp_path)
    assert result.returncode != 0
    assert "holds no bundle folders" in result.stderr


def test_a_tampered_bundle_stops_start_up_naming_the_damage(
    tmp_path: Path, tiny_bundle: Path
) -> None:
    bundle = Path(shutil.copytree(tiny_bundle, tmp_path / "models" / "en-de"))
    with (bundle / "target.spm").open("ab") as stream:
        stream.write(b"\0")
    result = start_and_fail(tmp_path / "models")
    assert result.returncode != 0
    assert "checksum mismatch for target.spm" in result.stderr


def test_sigterm_turns_readiness_off_at_once_and_finishes_in_flight_work(
    models_dir: Path, tmp_path: Path
) -> None:
    with running_service(models_dir, tmp_path / "log", MT_DRAIN_SECONDS="2") as service:
        service.process.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        ready = httpx.get(f"{service.url}/readyz")
        assert ready.status_code == 503
        assert ready.json()["error"]["code"] == "not_ready"
        translated = httpx.post(
            f"{service.url}/v1/translate",
            json={"text": "A dog is running.", "source": "en", "target": "de"},
        )
        assert translated.status_code == 200
        service.process.wait(20)
        assert "draining" in service.logs()


def test_a_full_queue_answers_429_with_retry_after_at_once(
    models_dir: Path, tmp_path: Path
) -> None:
    settings = {
        "MT_QUEUE_SIZE": "1",
        "MT_BATCHING": "false",
        "MT_CACHE_SIZE": "0",
        "MT_RETRY_AFTER_SECONDS": "2",
    }
    texts = [" ".join(en for en, _ in caption_pairs(6, seed=n)) for n in range(8)]

    async def burst(url: str) -> list[httpx.Response]:
        async with httpx.AsyncClient(limits=httpx.Limits(max_connections=24)) as http:
            return await asyncio.gather(
                *(
                    http.post(
                        f"{url}/v1/translate",
                        json={"text": texts, "source": "en", "target": "de"},
                        timeout=60,
                    )
                    for _ in range(24)
                )
            )

    with running_service(models_dir, tmp_path / "log", **settings) as service:
        responses = asyncio.run(burst(service.url))
    statuses = sorted({r.status_code for r in responses})
    assert 429 in statuses, statuses
    assert set(statuses) <= {200, 429}
    refused = next(r for r in responses if r.status_code == 429)
    assert refused.headers["retry-after"] == "2"
    assert refused.json()["error"]["code"] == "queue_full"
    assert json.loads(refused.text)["error"]["message"]


def test_queued_work_of_a_client_that_disconnected_is_never_translated(
    models_dir: Path, tmp_path: Path
) -> None:
    # One worker, kept busy by a long request, so the second request waits in the queue.
    settings = {"MT_BATCHING": "false", "MT_CACHE_SIZE": "0", "MT_INTER_THREADS": "1"}
    long_texts = [" ".join(en for en, _ in caption_pairs(8, seed=n)) for n in range(40)]

    def batches(url: str) -> float:
        for line in httpx.get(f"{url}/metrics").text.splitlines():
            if line.startswith('mt_batch_size_sentences_count{direction="en-de"}'):
                return float(line.split()[-1])
        return 0.0

    async def scenario(url: str) -> None:
        async with httpx.AsyncClient(timeout=60) as http:
            busy = asyncio.ensure_future(
                http.post(
                    f"{url}/v1/translate",
                    json={"text": long_texts, "source": "en", "target": "de"},
                )
            )
            await asyncio.sleep(0.05)
            host, port = url.removeprefix("http://").split(":")
            _, writer = await asyncio.open_connection(host, int(port))
            body = json.dumps({"text": "A dog is running.", "source": "en", "target": "de"})
            writer.write(
                b"POST /v1/translate HTTP/1.1\r\nHost: test\r\nContent-Type: application/json"
                b"\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body.encode())
            )
            await writer.drain()
            await asyncio.sleep(0.02)
            writer.close()  # gone while the worker is still busy with the long request
            assert (await busy).status_code == 200
            await asyncio.sleep(0.3)

    with running_service(models_dir, tmp_path / "log", **settings) as service:
        before = batches(service.url)
        asyncio.run(scenario(service.url))
        assert batches(service.url) == before + 1  # the long request only
