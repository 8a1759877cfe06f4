"""Run the reliability checks against a running server, or one started here; print the table.

python -m benchmarks.reliability --url http://127.0.0.1:8000 --pid 1234
python -m benchmarks.reliability --start --quick --out docs/reliability-run
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import asdict
from pathlib import Path
from types import ModuleType
from urllib.parse import urlsplit

import httpx

from benchmarks.reliability import (
    body_limits,
    capacity,
    disconnects,
    hostile_documents,
    liveness,
    overload,
    pathological_text,
    schema_fuzz,
    server,
    sigterm,
    soak,
    steady,
)
from benchmarks.reliability.common import (
    CAPTIONS,
    REPO,
    Context,
    Row,
    load_captions,
    log_tracebacks,
    server_5xx,
)

logger = logging.getLogger("reliability")
#: In run order: load first (capacity sizes the rest), soak late, SIGTERM (own server) last.
CHECKS: tuple[ModuleType, ...] = (
    capacity,
    steady,
    overload,
    liveness,
    body_limits,
    pathological_text,
    hostile_documents,
    disconnects,
    schema_fuzz,
    soak,
    sigterm,
)
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.reliability", description=__doc__)
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--url", help="base URL of a running server (loopback only)")
    where.add_argument("--start", action="store_true", help="start `python -m service` here")
    parser.add_argument("--pid", type=int, help="the server's pid, for RSS (with --url)")
    parser.add_argument("--quick", action="store_true", help="short phases (~3 min in all)")
    parser.add_argument("--soak-seconds", type=float, help="soak length (600; --quick: 45)")
    parser.add_argument(
        "--checks",
        help="comma-separated subset of: " + ", ".join(c.NAME for c in CHECKS),
    )
    parser.add_argument("--out", type=Path, help="write the table to OUT.md and OUT.json")
    parser.add_argument("--captions", type=Path, default=CAPTIONS, help="gzipped captions")
    parser.add_argument("--sentences-per-request", type=int, default=4)
    parser.add_argument(
        "--server-tmp", type=Path, help="the server's temp folder (default /tmp; --start: its own)"
    )
    return parser.parse_args(argv)


def selected(names: str | None) -> list[ModuleType]:
    if not names:
        return list(CHECKS)
    wanted = {n.strip() for n in names.split(",")}
    unknown = wanted - {c.NAME for c in CHECKS}
    if unknown:
        raise SystemExit(f"unknown checks: {', '.join(sorted(unknown))}")
    return [c for c in CHECKS if c.NAME in wanted]


def direction(url: str) -> tuple[str, str]:
    served = httpx.get(f"{url}/v1/languages", timeout=10).json()["directions"][0]
    return str(served["source"]), str(served["target"])


def git_commit() -> str:
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True)
        return done.stdout.strip()

    dirty = " (with uncommitted changes)" if git("status", "--porcelain", "--", "service") else ""
    return (git("rev-parse", "--short", "HEAD") or "unknown") + dirty


async def run_checks(ctx: Context, checks: list[ModuleType]) -> list[Row]:
    """Every check in turn; one that raises becomes a failed row, the others still run."""
    rows: list[Row] = []
    before = await server_5xx(ctx.url)
    for check in checks:
        logger.info("running %s", check.NAME)
        start = time.monotonic()
        try:
            rows += await check.run(ctx)
        except Exception as error:
            logger.error("%s crashed:\n%s", check.NAME, traceback.format_exc())
            rows.append(Row(check.NAME, f"check crashed: {type(error).__name__}", "", False))
        logger.info("%s done in %.0f s", check.NAME, time.monotonic() - start)
    after, traces = await server_5xx(ctx.url), log_tracebacks(ctx)
    total = None if before is None or after is None else after - before
    rows.append(
        Row(
            "whole run: 5xx counted by the server",
            f"{total}; tracebacks in its log: {'n/a' if traces is None else traces}",
            "0",
            total == 0 and not traces,
            "the SIGTERM check's own server not included" if ctx.start else "",
        )
    )
    return rows


def table(rows: list[Row]) -> str:
    lines = ["| check | measured | target | result | detail |", "|---|---|---|---|---|"]
    for row in rows:
        cells = (row.check, row.measured, row.target, row.verdict, row.detail)
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)


def header(
    args: argparse.Namespace, ctx: Context, seconds: float, load: tuple[float, float]
) -> str:
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    command = "python -m benchmarks.reliability " + " ".join(sys.argv[1:])
    return (
        f"`{command}` on {now}, commit {git_commit()}; {os.cpu_count()} CPUs shared by the "
        f"server and this client, load average {load[0]:.1f} before / {load[1]:.1f} after; "
        f"{seconds / 60:.1f} min."
    )


def context(
    args: argparse.Namespace, url: str, pid: int | None, tmp: Path, log: Path | None
) -> Context:
    source, target = direction(url)
    return Context(
        url=url,
        pid=pid,
        quick=args.quick,
        soak_seconds=args.soak_seconds or (45.0 if args.quick else 600.0),
        source=source,
        target=target,
        captions=load_captions(args.captions),
        sentences_per_request=args.sentences_per_request,
        server_tmp=args.server_tmp or tmp,
        start=args.start,
        log=log,
    )


async def main_async(
    args: argparse.Namespace, checks: list[ModuleType]
) -> tuple[Context, list[Row]]:
    if args.start:
        workdir = Path(tempfile.mkdtemp(prefix="reliability-"))
        logger.info("starting the service; logs and its TMPDIR in %s", workdir)
        started = await asyncio.to_thread(server.launch, workdir, "server")
        try:
            ctx = context(args, started.url, started.process.pid, started.tmp, started.log)
            return ctx, await run_checks(ctx, checks)
        finally:
            code = await asyncio.to_thread(server.stop, started)
            logger.info("service stopped, exit code %s", code)
    url = args.url.rstrip("/")
    if urlsplit(url).hostname not in _LOOPBACK:
        raise SystemExit("--url must be a loopback address (127.0.0.1, localhost, ::1)")
    ctx = context(args, url, args.pid, Path("/tmp"), None)
    return ctx, await run_checks(ctx, checks)


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    args = parse_args(argv)
    checks = selected(args.checks)
    start, load_before = time.monotonic(), os.getloadavg()[0]
    ctx, rows = asyncio.run(main_async(args, checks))
    about = header(args, ctx, time.monotonic() - start, (load_before, os.getloadavg()[0]))
    text = f"{about}\n\n{table(rows)}\n"
    sys.stdout.write(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.with_suffix(".md").write_text(text, encoding="utf-8")
        results = {"about": about, "rows": [asdict(r) | {"verdict": r.verdict} for r in rows]}
        args.out.with_suffix(".json").write_text(json.dumps(results, indent=2) + "\n")
    sys.exit(0 if all(r.passed is not False for r in rows) else 1)


if __name__ == "__main__":
    main()
