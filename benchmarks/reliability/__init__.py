"""Reliability suite (issue 11): one module per check, run by ``python -m benchmarks.reliability``.

Each check module has a ``NAME`` and ``async def run(ctx) -> list[Row]``; results and the
command are in docs/reliability.md.
"""
