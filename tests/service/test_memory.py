"""Memory freed by worker threads goes back to the OS (service.memory)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

CHILD = textwrap.dedent(
    """
    import threading
    from service.memory import release_free_memory

    def rss_mb():
        for line in open("/proc/self/status"):
            if line.startswith("VmRSS"):
                return int(line.split()[1]) // 1024

    def churn():
        blocks = [bytearray(2000) for _ in range(50_000)]  # 100 MB in small blocks
        keep.append(blocks[-1])  # one survivor per thread pins the top of its heap
        del blocks

    keep = []
    before = rss_mb()
    threads = [threading.Thread(target=churn) for _ in range(4)]
    for t in threads: t.start()
    for t in threads: t.join()
    held = rss_mb()
    release_free_memory()
    print(before, held, rss_mb())
    """
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc and /proc only")
def test_trimming_returns_what_worker_threads_freed() -> None:
    result = subprocess.run(
        [sys.executable, "-c", CHILD], capture_output=True, text=True, check=True, timeout=60
    )
    before, held, trimmed = map(int, result.stdout.split())
    assert held - before > 100  # glibc kept what the threads freed
    assert trimmed - before < 50
