"""A hub teacher that can be neither read from the local cache nor downloaded, said at once.

Offline, transformers retries the hub with back-off for about a minute before it gives up;
`model-build validate` looks first (the cache, then one request to the hub) and says which of
the two a newcomer can fix.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

_PROBE_SECONDS = 5.0


def unreachable_hub_problem(model: str, revision: str | None = None) -> str | None:
    """None when `model` is a folder, is cached, or the hub answers; else what to do."""
    if Path(model).exists():
        return None
    from huggingface_hub import constants, try_to_load_from_cache

    if isinstance(try_to_load_from_cache(model, "config.json", revision=revision), str):
        return None
    missing = f"{model} is not in the Hugging Face cache ({constants.HF_HUB_CACHE})"
    if constants.HF_HUB_OFFLINE:
        return f"{missing} and HF_HUB_OFFLINE is set: unset it, or give a local folder"
    if _answers(constants.ENDPOINT):
        return None
    return (
        f"{missing} and {constants.ENDPOINT} cannot be reached: run once where it can (the "
        "download is cached), set HF_ENDPOINT to a mirror, or give a local folder"
    )


def _answers(endpoint: str) -> bool:
    """Whether anything answers HTTP at `endpoint` (any status counts; proxies are honoured)."""
    request = urllib.request.Request(endpoint, method="HEAD")
    try:
        with urllib.request.urlopen(request, timeout=_PROBE_SECONDS):
            return True
    except urllib.error.HTTPError:
        return True
    except (OSError, ValueError):  # URLError, refused, no DNS, timeout; a malformed endpoint
        return False
