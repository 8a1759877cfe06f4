"""The teacher's answers, remembered: a sentence the teacher already translated is not paid for
again.

Escalation sends the same low-confidence sentences again and again (a menu item, a product
name, a boilerplate line the student never learnt); the translation cache keeps the student's
answer, so without this each repeat would be a new teacher call and a new charge. Only answers
that were used (they kept every placeholder) are kept, so a damaged one is asked for again.

A bounded LRU per process, keyed by direction and the sentence as the model sees it (with its
``[1]`` sentinels); thread-safe, as document jobs translate from worker threads. It holds
request text in memory only, like the translation cache: never logged, never written.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping


class TeacherMemory:
    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._answers: OrderedDict[tuple[str, str], str] = OrderedDict()
        self._lock = threading.Lock()

    def recall(self, direction: str, sentences: Iterable[str]) -> dict[str, str]:
        """The remembered translations among `sentences`, by sentence."""
        found: dict[str, str] = {}
        with self._lock:
            for sentence in sentences:
                key = (direction, sentence)
                answer = self._answers.get(key)
                if answer is not None:
                    self._answers.move_to_end(key)
                    found[sentence] = answer
        return found

    def remember(self, direction: str, answers: Mapping[str, str]) -> None:
        with self._lock:
            for sentence, translation in answers.items():
                key = (direction, sentence)
                self._answers[key] = translation
                self._answers.move_to_end(key)
            while len(self._answers) > self.max_entries:
                self._answers.popitem(last=False)

    def __len__(self) -> int:
        with self._lock:
            return len(self._answers)
