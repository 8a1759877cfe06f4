"""Placeholders reach the model as sentinels and come back verbatim, even from a careless model."""

from __future__ import annotations

import pytest

from service.text import PlaceholderMismatchError, prepare_text


def words(text: str) -> int:
    return len(text.split())


def upper(sentences: list[str]) -> list[str]:
    return [s.upper() for s in sentences]


@pytest.mark.parametrize(
    "placeholder",
    ["{name}", "{{var}}", "{{ user.name }}", "%s", "%d", "%1$s", "%(count)d", "%.2f", "<br/>",
     '<a href="https://example.com/?q=a&amp;b">', "<!-- keep -->", "&nbsp;",
     "https://example.com/path/page.html?x=1#top", "www.example.org/docs",
     "jane.doe+mt@example.co.uk", "[12]", "\ue000"],
)  # fmt: skip
def test_placeholder_comes_back_unchanged(placeholder: str) -> None:
    text = f"Send {placeholder} to the team."
    prepared = prepare_text(text, "en", words, max_tokens=50)
    assert prepared.sentences == ["Send [1] to the team."]
    assert prepared.restore(upper(prepared.sentences)) == f"SEND {placeholder} TO THE TEAM."


def test_tags_around_text_keep_the_text_translatable() -> None:
    prepared = prepare_text("Click <b>here</b> now.", "en", words, max_tokens=50)
    assert prepared.sentences == ["Click [1]here[2] now."]
    assert prepared.restore(upper(prepared.sentences)) == "CLICK <b>HERE</b> NOW."


def test_sentinels_are_numbered_per_sentence_so_the_model_input_does_not_depend_on_values() -> None:
    prepared = prepare_text("Hi {a}. Hi {b}, see %s.", "en", words, max_tokens=50)
    assert prepared.sentences == ["Hi [1].", "Hi [1], see [2]."]
    assert (
        prepared.restore(["Hallo [1].", "Hallo [1], siehe [2]."])
        == "Hallo {a}. Hallo {b}, siehe %s."
    )


def test_model_may_reorder_and_space_sentinels() -> None:
    prepared = prepare_text("From {a} to {b}.", "en", words, max_tokens=50)
    assert prepared.fallbacks(["Nach [ 2 ] von [1]."]) == {}
    assert prepared.restore(["Nach [ 2 ] von [1]."]) == "Nach {b} von {a}."


def test_url_keeps_its_sentence_end_outside() -> None:
    prepared = prepare_text("Read https://example.com/a.html. Then stop.", "en", words, 50)
    assert prepared.sentences == ["Read [1].", "Then stop."]


@pytest.mark.parametrize(
    "damaged",
    ["Willkommen, lieber Kunde.", "Willkommen [1] [1].", "Willkommen [l]."],
    ids=["dropped", "duplicated", "mangled"],
)
def test_damaged_sentinels_are_detected(damaged: str) -> None:
    prepared = prepare_text("Welcome {name}, dear customer.", "en", words, max_tokens=50)
    assert prepared.fallbacks([damaged]) == {0: ["Welcome", ", dear customer."]}


def test_a_sentinel_numbered_beyond_the_placeholders_is_dropped_and_the_sentence_kept() -> None:
    """Nothing stands behind an invented ``[2]``: the sentence needs no fallback for it."""
    prepared = prepare_text("Welcome {name}, dear customer.", "en", words, max_tokens=50)
    invented = "Willkommen [1], lieber Kunde [2]."
    assert prepared.fallbacks([invented]) == {}
    assert prepared.restore([invented]) == "Willkommen {name}, lieber Kunde."


def test_choose_keeps_the_first_hypothesis_that_returns_every_placeholder() -> None:
    prepared = prepare_text("Click <b>here</b> now.", "en", words, max_tokens=50)
    lost, repaired, whole = "Hier klicken.", "Jetzt [1]hier[2] klicken [3].", "[1]Hier[2] klicken."
    assert prepared.choose(0, [lost, repaired, whole]) == 2  # no repair needed wins
    assert prepared.choose(0, [lost, repaired]) == 1  # else one whose invention can go
    assert prepared.choose(0, [lost, "Klicken."]) == 0  # else the best, and its fallback


@pytest.mark.parametrize(
    ("invented", "kept"),
    [
        ("[1]Eine Person, [2]Mädchen [3] der Stadt.", "Eine Person, Mädchen der Stadt."),
        ("Ein Wort[1]Spiel [2].", "Ein Wort Spiel."),
        ("[1]", ""),
        ("Ein Mann (mit [1]) rennt [2] [3].", "Ein Mann (mit) rennt."),
    ],
)
def test_sentinels_a_model_invents_without_placeholders_are_dropped(
    invented: str, kept: str
) -> None:
    """A student trained with placeholders writes them far from its domain; translating the
    sentence again cannot help, and nothing stands behind them, so they go with their blank."""
    prepared = prepare_text("Rates rose faster than predicted.", "en", words, max_tokens=50)
    assert prepared.fallbacks([invented]) == {}
    assert prepared.restore([invented]) == kept


def test_fallback_pieces_lose_invented_sentinels_too() -> None:
    prepared = prepare_text("Welcome {name}, dear customer.", "en", words, max_tokens=50)
    assert prepared.restore(["Willkommen."], {0: ["[1]Willkommen", ", lieber [2]Kunde."]}) == (
        "Willkommen {name}, lieber Kunde."
    )


@pytest.mark.parametrize(
    "swapped",
    ["[2]Hier[1] klicken.", "[1]Hier [3]klicken[2][4]."],
    ids=["closing before opening", "pairs crossed"],
)
def test_tags_that_would_come_back_broken_are_damaged(swapped: str) -> None:
    """Every sentinel is there, but ``</b>…<b>`` or ``<a><b></a></b>`` would be broken markup."""
    text = "<b>Click</b> here." if swapped.count("[") == 2 else "<a><b>Click</b> here</a>."
    prepared = prepare_text(text, "en", words, max_tokens=50)
    assert list(prepared.fallbacks([swapped])) == [0]


def test_tags_may_move_as_a_pair_and_lone_or_void_tags_anywhere() -> None:
    prepared = prepare_text("Click <b>here</b> now <br>", "en", words, max_tokens=50)
    assert prepared.sentences == ["Click [1]here[2] now [3]"]
    assert prepared.restore(["[3]Jetzt [1]hier[2] klicken."]) == "<br>Jetzt <b>hier</b> klicken."
    lone = prepare_text("Bold</b> text <b>begins.", "en", words, max_tokens=50)
    assert lone.restore(["[2]Fett[1] Text beginnt."]) == "<b>Fett</b> Text beginnt."


def test_placeholder_dropped_by_model_is_recovered_by_fallback() -> None:
    text = "Intro. Welcome {name}, your code is %1$s today!"
    prepared = prepare_text(text, "en", words, max_tokens=50)
    translations = ["INTRO.", "WELCOME, YOUR CODE IS TODAY!"]  # the model lost both sentinels
    fallbacks = prepared.fallbacks(translations)
    assert fallbacks == {1: ["Welcome", ", your code is", "today!"]}
    answers = {index: upper(pieces) for index, pieces in fallbacks.items()}
    assert prepared.restore(translations, answers) == (
        "INTRO. WELCOME {name}, YOUR CODE IS %1$s TODAY!"
    )


def test_fallback_pieces_with_nothing_to_translate_stay_verbatim() -> None:
    prepared = prepare_text("Total: {n} / {m} items", "en", words, max_tokens=50)
    assert prepared.fallback_sentences(0, "Summe") == ["Total:", "items"]
    assert prepared.restore(["Summe"], {0: ["SUMME:", "STÜCK"]}) == "SUMME: {n} / {m} STÜCK"


def test_fallback_with_identity_translation_gives_back_the_input() -> None:
    text = "  A <i>b</i>, {c} and %s: https://d.org/e  \n"
    prepared = prepare_text(text, "en", words, max_tokens=50)
    pieces = {i: prepared.fallback_sentences(i, "") or [] for i in range(len(prepared.sentences))}
    assert prepared.restore(["" for _ in prepared.sentences], pieces) == text


def test_restore_refuses_to_lose_a_placeholder_silently() -> None:
    prepared = prepare_text("One {x}. Two.", "en", words, max_tokens=50)
    with pytest.raises(PlaceholderMismatchError) as caught:
        prepared.restore(["Eins.", "Zwei."])
    assert caught.value.indices == [0]


def test_translate_with_runs_the_whole_flow_in_two_batches() -> None:
    batches: list[list[str]] = []

    def careless_model(sentences: list[str]) -> list[str]:
        batches.append(sentences)
        return [s.replace("[2]", "").upper() for s in sentences]

    prepared = prepare_text("Hi {a}. From {a} to {b}, ok?", "en", words, max_tokens=50)
    assert prepared.translate_with(careless_model) == "HI {a}. FROM {a} TO {b}, OK?"
    assert batches == [["Hi [1].", "From [1] to [2], ok?"], ["From", "to", ", ok?"]]


def test_every_placeholder_survives_whatever_the_model_returns() -> None:
    text = "Dear {name}, <b>%d</b> new messages at https://x.org. Reply to a@b.io!"
    originals = ["{name}", "<b>", "%d", "</b>", "https://x.org", "a@b.io"]
    prepared = prepare_text(text, "en", words, max_tokens=50)
    for garbage in ["", "[1]", "[1] [1] [2] [3]", "[9] nonsense", "][ 1", "[1][2][3][4]"]:
        result = prepared.translate_with(lambda xs, g=garbage: [g for _ in xs])
        for original in originals:
            assert result.count(original) == text.count(original), (garbage, result)
