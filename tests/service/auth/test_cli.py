"""``python -m service.auth keys``: a key is printed once and stored only as its hash."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from service.auth.keys import hash_key
from service.auth.store import SqliteKeyStore

REPO = Path(__file__).resolve().parents[3]


def keys(file: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MT_")}
    env |= {"MT_AUTH_FILE": str(file), "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "service.auth", "keys", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )


def test_add_prints_the_key_once_and_stores_only_its_hash(tmp_path: Path) -> None:
    file = tmp_path / "keys.sqlite3"
    added = keys(file, "add", "team-a", "--per-minute", "60", "--characters", "500000")
    assert added.returncode == 0, added.stderr
    key = added.stdout.strip()
    assert key.startswith("mt_") and len(key) == 46
    assert key.encode() not in file.read_bytes()
    store = SqliteKeyStore(file)
    found = store.find(hash_key(key))
    assert found is not None
    assert (found.name, found.per_minute, found.characters, found.period) == (
        "team-a", 60, 500000, "month",
    )  # fmt: skip
    listed = keys(file, "list")
    assert listed.stdout.startswith("team-a\tactive\tper_minute=60\tcharacters=500000/month")
    assert key not in listed.stdout + listed.stderr and hash_key(key) not in listed.stdout


def test_revoke_stops_a_key_and_a_name_cannot_be_reused(tmp_path: Path) -> None:
    file = tmp_path / "keys.sqlite3"
    keys(file, "add", "team-a")
    assert keys(file, "revoke", "team-a").returncode == 0
    assert "team-a\trevoked" in keys(file, "list").stdout
    again = keys(file, "add", "team-a")
    assert again.returncode == 1 and "exists already" in again.stderr
    assert keys(file, "revoke", "nobody").returncode == 1


def test_a_bad_name_is_refused_with_one_line(tmp_path: Path) -> None:
    refused = keys(tmp_path / "keys.sqlite3", "add", "no spaces")
    assert refused.returncode == 2
    assert refused.stderr.startswith("refused: String should match pattern")
    assert "Traceback" not in refused.stderr
