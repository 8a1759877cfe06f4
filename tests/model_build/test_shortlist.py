"""The shortlist step: a lexical table from the training pairs, written as a CTranslate2
vocabulary map that the convert step puts into the model and the bundle declares."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bundle import open_verified
from model_build.cli import app
from model_build.config import ShortlistConfig
from model_build.steps.shortlist import Shortlist, lexical_shortlist, write_map
from tests.factories import caption_pairs
from tests.model_build.conftest import write_config


def word_pairs() -> tuple[list[list[str]], list[list[str]]]:
    """The template captions with words as pieces, so the expected table is easy to read."""
    pairs = caption_pairs()
    return [en.split() for en, _ in pairs], [de.split() for _, de in pairs]


def test_each_source_piece_keeps_its_best_target_pieces_by_dice() -> None:
    sources, targets = word_pairs()
    shortlist = lexical_shortlist(sources, targets, ShortlistConfig(top_k=1, frequent=0))
    assert shortlist.candidates["dog"] == ["hund"]  # capitalize() lowercases the rest
    assert shortlist.candidates["running"] == ["läuft"]
    assert shortlist.candidates["sleeping"] == ["schläft"]


def test_no_source_piece_keeps_more_than_top_k_targets() -> None:
    sources, targets = word_pairs()
    shortlist = lexical_shortlist(sources, targets, ShortlistConfig(top_k=3, frequent=0))
    assert max(len(candidates) for candidates in shortlist.candidates.values()) == 3


def test_the_most_frequent_target_pieces_are_always_allowed() -> None:
    sources, targets = word_pairs()
    shortlist = lexical_shortlist(sources, targets, ShortlistConfig(frequent=2))
    assert len(shortlist.always) == 2
    assert set(shortlist.always) <= {"Ein", "Eine", "ein", "im", "auf", "der"}
    assert lexical_shortlist(sources, targets, ShortlistConfig(frequent=0)).always == []


def test_a_pair_seen_in_fewer_than_min_count_sentences_is_not_a_candidate() -> None:
    sources = [["cat", "sleeps"], ["cat", "runs"], ["dog", "runs"]]
    targets = [["Katze", "schläft"], ["Katze", "läuft"], ["Hund", "läuft"]]
    shortlist = lexical_shortlist(sources, targets, ShortlistConfig(frequent=0, min_count=2))
    assert shortlist.candidates == {"cat": ["Katze"], "runs": ["läuft"]}


def test_the_map_file_opens_with_the_always_allowed_line(tmp_path: Path) -> None:
    shortlist = Shortlist(always=[".", "▁Ein"], candidates={"▁dog": ["▁Hund", "▁Hunde"]})
    text = write_map(shortlist, tmp_path / "vmap.txt").read_text(encoding="utf-8")
    assert text == "\t. ▁Ein\n▁dog\t▁Hund ▁Hunde\n"


@pytest.mark.slow
def test_a_build_with_the_shortlist_serves_with_its_map_declared_and_sealed(
    tmp_path: Path, tiny_teacher: Path, caption_files: Path
) -> None:
    config = write_config(
        tmp_path, tiny_teacher, caption_files, shortlist__enabled=True, shortlist__top_k=5
    )
    result = CliRunner().invoke(app, ["run", str(config)])
    assert result.exit_code == 0, result.output
    work = tmp_path / "work"
    map_text = (work / "shortlist" / "vmap.txt").read_text(encoding="utf-8")
    assert map_text.startswith("\t")
    assert (work / "convert" / "model" / "vmap.txt").read_text(encoding="utf-8") == map_text
    bundle = work / "bundles" / "en-de"
    manifest = open_verified(bundle)
    assert manifest.model.vocabulary_map == "model/vmap.txt"
    assert "model/vmap.txt" in manifest.files
    assert "shortlist" in result.output and "source pieces x top 5" in result.output


@pytest.mark.slow
def test_a_build_with_the_shortlist_off_has_no_map_anywhere(
    tmp_path: Path, tiny_teacher: Path, caption_files: Path
) -> None:
    config = write_config(tmp_path, tiny_teacher, caption_files, shortlist__enabled=False)
    result = CliRunner().invoke(app, ["run", str(config)])
    assert result.exit_code == 0, result.output
    bundle = tmp_path / "work" / "bundles" / "en-de"
    manifest = open_verified(bundle)
    assert manifest.model.vocabulary_map is None
    assert not (bundle / "model" / "vmap.txt").exists()
    assert not (tmp_path / "work" / "shortlist").exists()
