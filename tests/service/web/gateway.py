"""A gateway on loopback that asks for an API key before the API, as one in front of the
service would: the page and its assets pass, everything else needs ``Bearer <key>``."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

OPEN_PATHS = ("/", "/ui/static/")
PASSED_HEADERS = ("content-type", "content-disposition", "content-security-policy")


def _handler(upstream: str, key: str) -> type[BaseHTTPRequestHandler]:
    class Gateway(BaseHTTPRequestHandler):
        def _forward(self) -> None:
            path = self.path.split("?", 1)[0]
            is_open = path == "/" or path.startswith(OPEN_PATHS[1])
            if not is_open and self.headers.get("Authorization") != f"Bearer {key}":
                body = {"error": {"code": "unauthorized", "message": "An API key is needed."}}
                self._answer(401, {"content-type": "application/json"}, json.dumps(body).encode())
                return
            length = int(self.headers.get("Content-Length") or 0)
            answer = httpx.request(
                self.command,
                f"{upstream}{self.path}",
                content=self.rfile.read(length) if length else None,
                headers={"content-type": self.headers.get("Content-Type", "")},
                timeout=60,
            )
            headers = {h: answer.headers[h] for h in PASSED_HEADERS if h in answer.headers}
            self._answer(answer.status_code, headers, answer.content)

        def _answer(self, status: int, headers: dict[str, str], body: bytes) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            self._forward()

        def do_POST(self) -> None:
            self._forward()

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the test reads answers, not logs."""

    return Gateway


@contextmanager
def gateway(upstream: str, key: str) -> Iterator[str]:
    """The gateway's base URL while it runs."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(upstream, key))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
