"""Benchmarks run by hand (``python -m benchmarks.<name>``); results go to docs/."""
