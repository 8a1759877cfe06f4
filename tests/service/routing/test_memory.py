"""The teacher's remembered answers: found by direction and sentence, bounded, oldest use
first out."""

from __future__ import annotations

from service.routing.memory import TeacherMemory


def test_an_answer_is_recalled_for_its_direction_only() -> None:
    memory = TeacherMemory(10)
    memory.remember("en-de", {"A [1] dog.": "Ein [1] Hund."})
    assert memory.recall("en-de", ["A [1] dog.", "A cat."]) == {"A [1] dog.": "Ein [1] Hund."}
    assert memory.recall("en-fr", ["A [1] dog."]) == {}


def test_it_never_holds_more_than_its_size_and_forgets_the_least_recently_used() -> None:
    memory = TeacherMemory(2)
    memory.remember("en-de", {"one": "eins", "two": "zwei"})
    memory.recall("en-de", ["one"])  # "two" is now the least recently used
    memory.remember("en-de", {"three": "drei"})
    assert len(memory) == 2
    assert memory.recall("en-de", ["one", "two", "three"]) == {"one": "eins", "three": "drei"}


def test_a_new_answer_replaces_the_old_one() -> None:
    memory = TeacherMemory(2)
    memory.remember("en-de", {"one": "eins"})
    memory.remember("en-de", {"one": "Eins"})
    assert memory.recall("en-de", ["one"]) == {"one": "Eins"} and len(memory) == 1
