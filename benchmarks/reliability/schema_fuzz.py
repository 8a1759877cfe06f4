"""Schema fuzzing: schemathesis (``st run URL/openapi.json --checks all``) over every
operation, bounded by ``--max-examples`` per operation and a wall-clock limit; 0 5xx (from the
server's /metrics, so nothing st sends is missed) and the count of responses that do not
conform to the schema the service publishes (st's unique failures, by check)."""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.reliability.common import Context, Row, delta, server_5xx

NAME = "schema_fuzz"


def st_command() -> str | None:
    beside = Path(sys.executable).parent / "st"
    return str(beside) if beside.exists() else shutil.which("st")


async def fuzz(ctx: Context, report: Path, workdir: Path) -> tuple[int | None, str]:
    """Run st; its exit code (None: killed at the time limit) and the tail of its output."""
    command = st_command()
    assert command is not None
    examples, limit = (5, 120) if ctx.quick else (25, 300)
    process = await asyncio.create_subprocess_exec(
        command, "run", f"{ctx.url}/openapi.json", "--checks", "all",
        "--max-examples", str(examples), "--workers", "2", "--seed", "11", "--no-color",
        "--generation-database", "none", "--request-timeout", "30",
        "--report", "json", "--report-json-path", str(report),
        cwd=workdir, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    try:
        output, _ = await asyncio.wait_for(process.communicate(), limit)
    except TimeoutError:
        process.kill()
        await process.wait()
        return None, f"killed after {limit} s"
    return process.returncode, output.decode(errors="replace")[-2000:]


def summary(report: dict[str, Any]) -> tuple[int, str]:
    """Test cases with failures, and the unique failures by check code."""
    cases = report.get("test_cases", {})
    failures = report.get("failures", [])
    by_code = ", ".join(f"{f['code']} {f['title']}: {f['count']}" for f in failures)
    generated = cases.get("generated", 0)
    with_failures = int(cases.get("with_failures", 0))
    return with_failures, f"{generated} test cases; unique failures: {by_code or 'none'}"


async def run(ctx: Context) -> list[Row]:
    if st_command() is None:
        return [Row("schema fuzzing", "not run", "0 5xx", None, "schemathesis (st) not installed")]
    before = await server_5xx(ctx.url)
    with tempfile.TemporaryDirectory(prefix="reliability-st-") as work:
        report_path = Path(work) / "st.json"
        code, tail = await fuzz(ctx, report_path, Path(work))
        report = json.loads(report_path.read_text()) if report_path.exists() else {}
    counted = delta(before, await server_5xx(ctx.url))
    if not report:
        return [Row("schema fuzzing", f"no report (exit {code})", "0 5xx", False, tail[-300:])]
    failing, detail = summary(report)
    return [
        Row(
            "schema fuzzing: no 5xx",
            f"5xx in /metrics {counted}",
            "0 5xx",
            counted == 0,
            f"st exit {code}, {report.get('running_time', 0):.0f} s",
        ),
        Row(
            "schema fuzzing: conformance",
            f"{failing} test cases with non-conforming responses",
            "0 (report)",
            failing == 0,
            detail,
        ),
    ]
