"""The one interface every teacher backend implements.

A teacher turns a batch of source sentences into translations (`translate`). Backends differ in
how they name languages (`__de__`, `deu_Latn`, `de_DE`, `<2de>`, a prompt) and in where they run;
`check` finds configuration problems (unknown language codes, unreachable endpoints) without
loading model weights, so `model_build.validation.validate` can report them with everything else.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

from model_build.config import TeacherConfig

LANGUAGE_NAMES = {
    "en": "English",
    "de": "German",
    "fr": "French",
    "cs": "Czech",
    "es": "Spanish",
    "it": "Italian",
    "pt": "Portuguese",
    "nl": "Dutch",
    "pl": "Polish",
    "ru": "Russian",
    "uk": "Ukrainian",
    "zh": "Chinese",
    "ja": "Japanese",
    "ko": "Korean",
    "ar": "Arabic",
    "tr": "Turkish",
    "sv": "Swedish",
    "da": "Danish",
    "fi": "Finnish",
}


class Teacher(ABC):
    """Translates batches; records what it used (`usage`) so the build knows what it cost."""

    family: ClassVar[str]

    def __init__(
        self,
        config: TeacherConfig,
        source_lang: str,
        target_lang: str,
        beam_size: int = 4,
        max_length: int = 256,
        threads: int = 0,
    ) -> None:
        self.config = config
        self.source_lang = source_lang
        self.target_lang = target_lang
        self.beam_size = beam_size
        self.max_length = max_length
        self.threads = threads
        self.usage: dict[str, float] = {}
        self.output_tokens = 0

    @property
    def batch_sentences(self) -> int:
        """A good number of sentences per `translate` call when the caller has no budget."""
        return 16

    @abstractmethod
    def translate(self, batch: list[str]) -> list[str]:
        """One translation per input, in order; adds to `output_tokens` and `usage`."""

    @classmethod
    def check(
        cls, config: TeacherConfig, source_lang: str, target_lang: str, check_endpoint: bool
    ) -> list[str]:
        """Problems with this teacher's configuration, found without loading weights."""
        return []

    def parameters(self) -> int | None:
        return None

    def close(self) -> None:  # noqa: B027 - optional hook, most teachers hold nothing
        """Free what the teacher holds (threads, connections)."""

    def _count_usage(self, key: str, value: float) -> None:
        self.usage[key] = self.usage.get(key, 0) + value
