"""What machine a step ran on, and how much memory it took: the figures that vary by hardware.

Quality must not depend on these (the training budget is counted in steps, seeds are fixed); wall
time and speed do, so every report that shows them also says where they were measured.
"""

from __future__ import annotations

import os
import platform
import threading
from pathlib import Path


def hardware_name() -> str:
    """E.g. '2 vCPU AMD EPYC': the CPU model as /proc/cpuinfo names it, with the CPU count."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} vCPU {model}"


class PeakMemory:
    """Samples this process's resident memory in a thread while a block runs.

    `peak_mb` is the peak above the start (what one system or step added), `peak_rss_mb` the
    absolute peak. The process-wide ru_maxrss cannot separate steps that run one after another in
    one `model-build run`, so each block is sampled on its own.
    """

    def __init__(self, every_seconds: float = 0.01) -> None:
        import psutil

        self._process = psutil.Process()
        self._every = every_seconds
        self._stop = threading.Event()
        self.start_rss = self.peak_rss = self._process.memory_info().rss
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(self._every):
            self.peak_rss = max(self.peak_rss, self._process.memory_info().rss)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_rss = max(self.peak_rss, self._process.memory_info().rss)

    @property
    def peak_mb(self) -> float:
        return float(round((self.peak_rss - self.start_rss) / 2**20, 1))

    @property
    def peak_rss_mb(self) -> float:
        return float(round(self.peak_rss / 2**20, 1))
