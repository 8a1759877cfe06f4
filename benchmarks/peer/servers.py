"""The servers under test: this service and LibreTranslate, on loopback, asked the same way.

LibreTranslate runs from its own venv, offline, with the bundle installed as an Argos package
into a throw-away Argos home:

- ``ARGOS_CHUNK_TYPE=SPACY``: the package's blank spaCy pipeline splits sentences (the default
  splitter, MiniSBD, downloads an ONNX model on first use);
- an unreachable proxy: its start-up and spaCy's import look for online indexes and fail at once;
- an empty local package index: without one Argos retries the download recursively;
- ``--load-only SRC,TGT``: with fewer than two packages installed, start-up would otherwise
  download a MiniSBD model for every language, ten retries each, minutes of back-off.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from benchmarks.peer.argos_package import ArgosPackage, build_package
from benchmarks.service_bench import Connection, Server, free_port
from bundle import Manifest

UNREACHABLE_PROXY = "http://127.0.0.1:9"
PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")
INSTALL_PACKAGE = (
    "import sys; from argostranslate import package; package.install_from_path(sys.argv[1])"
)
REQUEST_TIMEOUT_S = 600.0
START_TIMEOUT_S = 300.0


class PeerError(RuntimeError):
    """A server answered something other than one translation per text."""


@dataclass(frozen=True)
class Peer:
    """One server under test and how it is asked to translate."""

    name: str
    server: Server
    path: str
    texts_field: str
    answer_field: str
    direction: tuple[str, str]
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def pid(self) -> int:
        return self.server.process.pid

    def payload(self, texts: list[str]) -> dict[str, object]:
        source, target = self.direction
        return {self.texts_field: texts, "source": source, "target": target, **self.extra}

    async def translate(self, connection: Connection, texts: list[str]) -> list[str]:
        post = connection.post(self.path, self.payload(texts))
        try:
            status, body = await asyncio.wait_for(post, REQUEST_TIMEOUT_S)
        except (OSError, IndexError, ValueError, asyncio.IncompleteReadError) as error:
            exit_code = self.server.process.poll()
            raise PeerError(f"{self.name}: no answer (exit code {exit_code}): {error!r}") from error
        if status != 200:
            raise PeerError(f"{self.name}: HTTP {status}: {body[:200]!r}")
        answer = json.loads(body)[self.answer_field]
        if not isinstance(answer, list) or len(answer) != len(texts):
            raise PeerError(f"{self.name}: {len(texts)} texts sent, answer {body[:200]!r}")
        return [str(text) for text in answer]


def ours(server: Server, manifest: Manifest) -> Peer:
    direction = (manifest.source_lang, manifest.target_lang)
    return Peer("ours", server, "/v1/translate", "text", "translations", direction)


def libretranslate(name: str, server: Server, manifest: Manifest) -> Peer:
    direction = (manifest.source_lang, manifest.target_lang)
    return Peer(name, server, "/translate", "q", "translatedText", direction, {"format": "text"})


def libretranslate_env(home: Path, threads: dict[str, str]) -> dict[str, str]:
    """LibreTranslate's environment: its own Argos home, offline, the given thread layout."""
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("ARGOS_", "LT_", "MT_")) and name.lower() not in PROXY_VARIABLES
    }
    return {
        **inherited,
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "ARGOS_CHUNK_TYPE": "SPACY",
        "http_proxy": UNREACHABLE_PROXY,
        "https_proxy": UNREACHABLE_PROXY,
        "HTTP_PROXY": UNREACHABLE_PROXY,
        "HTTPS_PROXY": UNREACHABLE_PROXY,
        **threads,
    }


def prepare_argos_home(bundle: Path, venv: Path, home: Path) -> ArgosPackage:
    """The bundle as an Argos package, installed by Argos itself into `home`'s package dir,
    next to an empty package index."""
    python = venv / "bin" / "python"
    package = build_package(bundle, home / "build", spacy_python=python)
    index = home / "data" / "argos-translate" / "index.json"
    index.parent.mkdir(parents=True, exist_ok=True)
    index.write_text("[]\n", encoding="utf-8")
    subprocess.run(
        [str(python), "-c", INSTALL_PACKAGE, str(package.archive)],
        env=libretranslate_env(home, {}),
        check=True,
        capture_output=True,
    )
    return package


def wait_until_serving(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while process.poll() is None and time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    tail = log.read_text(encoding="utf-8", errors="replace")[-2000:]
    raise RuntimeError(f"LibreTranslate did not start ({url}); its log ends:\n{tail}")


@contextmanager
def serve_libretranslate(
    venv: Path, home: Path, manifest: Manifest, name: str, threads: dict[str, str]
) -> Iterator[Server]:
    """LibreTranslate on loopback. Its log holds request text (Argos logs every sentence at
    INFO), so it stays in `home` and goes with it."""
    port = free_port()
    log = home / f"{name}.log"
    command = [str(venv / "bin" / "libretranslate"), "--host", "127.0.0.1", "--port", str(port)]
    languages = f"{manifest.source_lang},{manifest.target_lang}"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [*command, "--load-only", languages],
            env=libretranslate_env(home, threads),
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_serving(process, f"http://127.0.0.1:{port}/languages", log)
        yield Server(process, "127.0.0.1", port)
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
