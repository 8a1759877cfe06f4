"""With API keys on, a glossary is its creating key's own: another key cannot see, use or delete
it, and is answered exactly as for an id that does not exist (the official `deepl` client)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import deepl
import pytest

from service.auth.store import SqliteKeyStore
from tests.service.server import RunningService, running_service
from tests.service.test_keys_e2e import add_key


@pytest.fixture(scope="module")
def teams(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    file = tmp_path_factory.mktemp("auth") / "keys.sqlite3"
    store = SqliteKeyStore(file)
    keys = {name: add_key(store, name) for name in ("team-a", "team-b")}
    store.close()
    return file, keys


@pytest.fixture(scope="module")
def keyed(
    models_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
    teams: tuple[Path, dict[str, str]],
) -> Iterator[RunningService]:
    log = tmp_path_factory.mktemp("logs") / "owners.log"
    env = {"MT_AUTH_ENABLED": "true", "MT_AUTH_FILE": str(teams[0])}
    with running_service(models_dir, log, 60.0, **env) as running:
        yield running


def client(
    service: RunningService, teams: tuple[Path, dict[str, str]], name: str
) -> deepl.Translator:
    return deepl.Translator(teams[1][name], server_url=service.url)


def test_another_key_cannot_see_use_or_delete_a_glossary_and_its_owner_can(
    keyed: RunningService, teams: tuple[Path, dict[str, str]]
) -> None:
    a, b = client(keyed, teams, "team-a"), client(keyed, teams, "team-b")
    glossary = a.create_glossary("brand", "EN", "DE", {"dog": "Hund"})

    assert [g.glossary_id for g in b.list_glossaries()] == []
    with pytest.raises(deepl.GlossaryNotFoundException):
        b.get_glossary(glossary.glossary_id)
    with pytest.raises(deepl.DeepLException, match=f"no glossary {glossary.glossary_id}"):
        b.translate_text("A dog.", source_lang="EN", target_lang="DE", glossary=glossary)
    with pytest.raises(deepl.GlossaryNotFoundException):
        b.delete_glossary(glossary.glossary_id)

    assert [g.glossary_id for g in a.list_glossaries()] == [glossary.glossary_id]
    assert a.get_glossary_entries(glossary) == {"dog": "Hund"}
    translated = a.translate_text("A dog.", source_lang="EN", target_lang="DE", glossary=glossary)
    assert "Hund" in str(translated)
    a.delete_glossary(glossary)
    assert a.list_glossaries() == []
