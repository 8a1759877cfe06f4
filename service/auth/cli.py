"""``python -m service.auth keys add|list|revoke``: manage API keys in the store the service
reads (``MT_AUTH_REDIS_URL``, else ``MT_AUTH_FILE``). A new key is printed once, on stdout;
only its SHA-256 is stored, so a lost key is revoked and replaced, never recovered."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from service.auth.keys import KeyRecord, hash_key, new_key, now_utc
from service.auth.settings import AuthSettings
from service.auth.store import KeyExistsError, KeyStore, open_store

logger = logging.getLogger("service.auth")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m service.auth", description=__doc__)
    commands = parser.add_subparsers(dest="group", required=True)
    keys = commands.add_parser("keys", help="create, list and revoke API keys")
    actions = keys.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="create a key and print it once")
    add.add_argument("name", help="letters, digits, . _ -; the label of its metrics")
    add.add_argument("--per-minute", type=int, default=0, help="requests a minute (0: no limit)")
    add.add_argument("--characters", type=int, default=0, help="quota a period (0: none)")
    add.add_argument("--period", choices=("day", "month"), default="month")
    actions.add_parser("list", help="every key's name, limits and state (never the key)")
    revoke = actions.add_parser("revoke", help="stop a key at once (its usage is kept)")
    revoke.add_argument("name")
    return parser


def _add(store: KeyStore, args: argparse.Namespace) -> int:
    key = new_key()
    try:
        record = KeyRecord(
            name=args.name,
            key_hash=hash_key(key),
            per_minute=args.per_minute,
            characters=args.characters,
            period=args.period,
            created=now_utc().isoformat(timespec="seconds"),
        )
        store.add(record)
    except ValidationError as error:
        logger.error("refused: %s", "; ".join(e["msg"] for e in error.errors()))
        return 2
    except KeyExistsError as error:
        logger.error("refused: %s", error)
        return 1
    sys.stdout.write(key + "\n")
    logger.info("created key %s; it is shown only this once", args.name)
    return 0


def _list(store: KeyStore) -> int:
    for record in store.all():
        state = "revoked" if record.revoked else "active"
        sys.stdout.write(
            f"{record.name}\t{state}\tper_minute={record.per_minute or 'unlimited'}\t"
            f"characters={record.characters or 'unlimited'}/{record.period}\t{record.created}\n"
        )
    return 0


def _revoke(store: KeyStore, name: str) -> int:
    if not store.revoke(name):
        logger.error("no active key named %s", name)
        return 1
    logger.info("revoked key %s", name)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    args = _parser().parse_args(argv)
    store = open_store(AuthSettings())
    try:
        if args.action == "add":
            return _add(store, args)
        if args.action == "list":
            return _list(store)
        return _revoke(store, args.name)
    finally:
        store.close()
