"""Giving memory back to the OS after large requests (glibc's allocator keeps it otherwise).

After pathological inputs the process stayed at 405 MB (107 MB idle before): CPython and
CTranslate2 had freed the memory, but glibc kept it in per-thread arenas (one per thread that
ever allocated: the replicas, the thread pools) and at the top of the heaps. Two remedies, both
no-ops where glibc is not the allocator:

- fewer arenas (``mallopt(M_ARENA_MAX)``), set at start-up before the worker threads exist;
- ``malloc_trim(0)`` now and then, which returns the free pages of every arena.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
from functools import lru_cache

logger = logging.getLogger(__name__)

_M_ARENA_MAX = -8  # from glibc's malloc.h


@lru_cache(maxsize=1)
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
        libc.mallopt  # noqa: B018 - glibc only: musl and others have no mallopt/malloc_trim
        libc.malloc_trim  # noqa: B018
    except (OSError, AttributeError):
        return None
    return libc


def limit_malloc_arenas(arenas: int) -> bool:
    """Cap glibc's malloc arenas (0: leave glibc's default of 8 per core); True if applied."""
    libc = _libc()
    if libc is None or arenas <= 0:
        return False
    applied = bool(libc.mallopt(_M_ARENA_MAX, arenas))
    logger.debug("malloc arenas capped at %d: %s", arenas, applied)
    return applied


def release_free_memory() -> bool:
    """Return free heap pages to the OS; True when some memory was released."""
    libc = _libc()
    return bool(libc is not None and libc.malloc_trim(0))
