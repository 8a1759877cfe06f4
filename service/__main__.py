"""``python -m service`` / ``mt-service``: configure logging, check the models, run uvicorn.

Host and port come from ``MT_HOST``/``MT_PORT`` or ``--host``/``--port``; every other
setting from its ``MT_`` variable (see `service.settings`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
import time
from types import FrameType
from typing import Any

import uvicorn
from pydantic import ValidationError

from service.memory import limit_malloc_arenas, release_free_memory
from service.settings import ServiceSettings, invalid_settings_message

logger = logging.getLogger("service")


class DrainingServer(uvicorn.Server):
    """uvicorn that, on the first SIGTERM/SIGINT, turns readiness off and keeps serving for
    ``drain_seconds`` (so load balancers stop sending) before its graceful shutdown."""

    def __init__(
        self, config: uvicorn.Config, drain_seconds: float, trim_every_s: float = 0.0
    ) -> None:
        super().__init__(config)
        self.drain_seconds = drain_seconds
        self._drain_until: float | None = None
        self.stop_signal: int | None = None
        self._trim_every_s = trim_every_s
        self._next_trim = time.monotonic() + trim_every_s

    def _lifecycle(self) -> Any:
        return getattr(getattr(self.config.app, "state", None), "lifecycle", None)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self.stop_signal is None:
            self.stop_signal = sig
        lifecycle = self._lifecycle()
        if lifecycle is not None:
            lifecycle.begin_draining()
        if self._drain_until is None and self.drain_seconds > 0 and not self.should_exit:
            logger.info("draining for %.1f s before shutting down", self.drain_seconds)
            self._drain_until = time.monotonic() + self.drain_seconds
            self._captured_signals.append(sig)
            return
        super().handle_exit(sig, frame)

    @property
    def models_failed(self) -> bool:
        """Loading the models failed in the background: exit instead of serving nothing."""
        lifecycle = self._lifecycle()
        return bool(lifecycle is not None and lifecycle.failed)

    async def on_tick(self, counter: int) -> bool:
        if self._drain_until is not None and time.monotonic() >= self._drain_until:
            self.should_exit = True
        if self.models_failed:
            self.should_exit = True
        if self._trim_every_s > 0 and time.monotonic() >= self._next_trim:
            self._next_trim = time.monotonic() + self._trim_every_s
            await asyncio.to_thread(release_free_memory)
        return await super().on_tick(counter)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="mt-service", description=__doc__)
    parser.add_argument("--host", help="interface to bind (default: MT_HOST or 127.0.0.1)")
    parser.add_argument("--port", type=int, help="TCP port (default: MT_PORT or 8000)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    overrides = {k: v for k, v in {"host": args.host, "port": args.port}.items() if v is not None}
    try:
        settings = ServiceSettings(**overrides)
    except ValidationError as error:
        logging.basicConfig(level=logging.INFO)
        logger.error("invalid MT_ settings: %s", invalid_settings_message(error))
        sys.exit(2)
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    limit_malloc_arenas(settings.malloc_arenas)  # before any worker thread exists

    from service.app import build_app
    from service.cost import PriceConfigError, load_cost_settings
    from service.engine.registry import find_bundles
    from service.errors import ModelsUnavailableError
    from service.routing.settings import RoutingConfigError

    try:
        bundles = find_bundles(settings.models_dir)
    except ModelsUnavailableError as error:
        logger.error("cannot serve: %s", error)
        sys.exit(2)
    logger.info("verified %d bundle(s) in %s", len(bundles), settings.models_dir)
    try:
        app = build_app(settings, load_cost_settings())
    except PriceConfigError as error:  # a bad MT_COST_ value, from the settings or the prices
        logger.error("invalid MT_COST_ settings: %s", error)
        sys.exit(2)
    except RoutingConfigError as error:  # a bad MT_ROUTING_ value (the message names it)
        logger.error("invalid MT_ROUTING_ settings: %s", error)
        sys.exit(2)
    except ValidationError as error:  # a bad value of another part's settings (MT_AUTH_, ...)
        logger.error("invalid settings: %s", invalid_settings_message(error))
        sys.exit(2)

    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=settings.access_log,
        timeout_graceful_shutdown=30,
    )
    server = DrainingServer(config, settings.drain_seconds, settings.memory_trim_seconds)
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises Ctrl-C once shut down
        server.run()
    if server.stop_signal is not None:  # said from what was caught, not from the re-raise
        logger.info("stopped by %s", signal.Signals(server.stop_signal).name)
    if not server.started or server.models_failed:
        sys.exit(3)


if __name__ == "__main__":
    main()
