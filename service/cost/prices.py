"""Price lists and the teacher-equivalent cost of one request, per teacher.

Three kinds of teacher, each one value of the metrics label ``teacher``::

    local        output_tokens x teacher_seconds_per_1k_tokens / 1000
                 x hardware_usd_per_hour / 3600          (the bundle's CostBaseline)
    deepl/google characters x usd_per_million_characters / 1e6
    chat models  per text, one chat call: input tokens (system prompt + text + 9 tokens of chat
                 framing) x input price + output tokens (the translation) x output price

Built-in prices carry their source and the date they were read (`BUILT_IN`); ``MT_COST_PRICES``
replaces or adds entries. Token counts of chat models come from ``tiktoken`` when it is
installed and has the model's encoding cached locally, otherwise from ``ceil(chars / 4)``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bundle import CostBaseline
from service.cost.litellm import litellm_prices
from service.cost.settings import CostSettings, PriceConfigError, variable_name
from service.teachers.chat import CHAT_SYSTEM_PROMPT as CHAT_SYSTEM_PROMPT
from service.teachers.chat import chat_prompt

logger = logging.getLogger(__name__)

LOCAL = "local"
CHARS_PER_TOKEN = 4
# OpenAI's counting of chat framing: 3 tokens per message (system + user) and 3 priming the reply.
CHAT_FRAMING_TOKENS = 9


@dataclass(frozen=True)
class PriceEntry:
    """A public price list entry: per character (translation APIs) or per token (chat)."""

    usd_per_million_characters: float | None = None
    usd_per_million_input_tokens: float | None = None
    usd_per_million_output_tokens: float | None = None
    source: str = ""
    date: str = ""


# Figures of issue 18, gathered from public pages in 2026 (this build has no internet: not
# re-checked here). `date` is when the figure was read, or the date of the copy it was read from.
_READ = "2026-11"
_OPENAI = "https://openai.com/api/pricing/ (a 2026-03 copy; LiteLLM's price map agrees)"
_OPENAI_DATE = "2026-03"


def _chat(input_usd: float, output_usd: float, source: str, date: str) -> PriceEntry:
    return PriceEntry(
        usd_per_million_input_tokens=input_usd,
        usd_per_million_output_tokens=output_usd,
        source=source,
        date=date,
    )


def _per_character(usd: float, source: str) -> PriceEntry:
    return PriceEntry(usd_per_million_characters=usd, source=source, date=_READ)


BUILT_IN: dict[str, PriceEntry] = {
    "deepl": _per_character(
        25.0,
        "https://support.deepl.com/hc/en-us/articles/360020685720 and /360020715799, a 2026 "
        "pricing summary (API Pro usage part; the $5.49 monthly base is not per request)",
    ),
    "google": _per_character(
        20.0,
        "https://cloud.google.com/translate/pricing (NMT, after the first 500k characters)",
    ),
    "amazon-translate": _per_character(
        15.0, "secondary pages, 2026 (Amazon Translate standard; aws.amazon.com not read)"
    ),
    "azure-translator": _per_character(
        10.0, "secondary pages, 2026 (Azure AI Translator standard; azure.microsoft.com not read)"
    ),
    "gpt-5": _chat(1.25, 10.00, _OPENAI, _OPENAI_DATE),
    "gpt-5-mini": _chat(0.25, 2.00, _OPENAI, _OPENAI_DATE),
    "gpt-4.1": _chat(2.00, 8.00, _OPENAI, _OPENAI_DATE),
    "gpt-4.1-mini": _chat(0.40, 1.60, _OPENAI, _OPENAI_DATE),
    "gpt-4o": _chat(2.50, 10.00, f"{_OPENAI}, legacy", _OPENAI_DATE),
    "gpt-4o-mini": _chat(0.15, 0.60, f"{_OPENAI}, legacy", _OPENAI_DATE),
    "claude-sonnet-5.5": _chat(
        2.00, 10.00, "https://platform.claude.com model pages, 2026 (Claude Sonnet 5.5)", _READ
    ),
    "claude-haiku-5.5": _chat(
        0.10,
        0.50,
        "https://platform.claude.com model pages, 2026 (Claude Haiku 5.5: the lowest of its "
        "'from' prices)",
        _READ,
    ),
}


def estimate_tokens_by_characters(text: str) -> int:
    """The documented fallback: one token per 4 characters, rounded up."""
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def token_counter(model: str) -> Callable[[str], int]:
    """The model's own tokenizer when tiktoken has it offline, else the character estimate."""
    try:
        import tiktoken

        encoding = tiktoken.encoding_for_model(model)
    except Exception:  # not installed, unknown model, or its encoding file not cached
        return estimate_tokens_by_characters

    def count(text: str) -> int:
        return len(encoding.encode(text, disallowed_special=()))

    return count


@dataclass(frozen=True)
class RequestTexts:
    """What a teacher's price depends on, for one request."""

    source: str
    target: str
    texts: Sequence[str]
    translations: Sequence[str]
    characters: int
    output_tokens: int


class Teacher:
    """One teacher's price for a request in one direction (`None`: no price for it)."""

    name: str
    source: str
    date: str

    def cost_usd(self, direction: str, request: RequestTexts) -> float | None:
        raise NotImplementedError

    def prices(self, direction: str) -> dict[str, float]:
        """Unit prices in use, keyed by unit (`character`, `input_token`, `output_token`)."""
        raise NotImplementedError


class CharacterPricedTeacher(Teacher):
    def __init__(self, name: str, entry: PriceEntry) -> None:
        assert entry.usd_per_million_characters is not None
        self.name, self.source, self.date = name, entry.source, entry.date
        self.usd_per_character = entry.usd_per_million_characters / 1e6

    def cost_usd(self, direction: str, request: RequestTexts) -> float:
        return request.characters * self.usd_per_character

    def prices(self, direction: str) -> dict[str, float]:
        return {"character": self.usd_per_character}


class ChatTeacher(Teacher):
    def __init__(self, name: str, entry: PriceEntry, count: Callable[[str], int]) -> None:
        assert entry.usd_per_million_input_tokens is not None
        assert entry.usd_per_million_output_tokens is not None
        self.name, self.source, self.date = name, entry.source, entry.date
        self.usd_per_input_token = entry.usd_per_million_input_tokens / 1e6
        self.usd_per_output_token = entry.usd_per_million_output_tokens / 1e6
        self.count = count

    def tokens(self, request: RequestTexts) -> tuple[int, int]:
        """(input, output) tokens of one chat call per text."""
        per_call = self.count(chat_prompt(request.source, request.target)) + CHAT_FRAMING_TOKENS
        inputs = sum(per_call + self.count(text) for text in request.texts)
        outputs = sum(self.count(text) for text in request.translations)
        return inputs, outputs

    def cost_usd(self, direction: str, request: RequestTexts) -> float:
        return self.usage_cost_usd(*self.tokens(request))

    def usage_cost_usd(self, input_tokens: int, output_tokens: int) -> float:
        """What a real call with these token counts cost (shadow mode)."""
        return input_tokens * self.usd_per_input_token + output_tokens * self.usd_per_output_token

    def prices(self, direction: str) -> dict[str, float]:
        return {"input_token": self.usd_per_input_token, "output_token": self.usd_per_output_token}


@dataclass(frozen=True)
class HardwareRate:
    """The local teacher's speed on some hardware and that hardware's price."""

    seconds_per_1k_tokens: float
    usd_per_hour: float
    hardware: str
    source: str
    date: str

    @property
    def usd_per_output_token(self) -> float:
        return self.seconds_per_1k_tokens / 1000 * self.usd_per_hour / 3600


class LocalTeacher(Teacher):
    """The bundle's own teacher: its measured speed at the price of the hardware it runs on,
    the measurement's (the bundle's cost baseline) or production's (MT_COST_LOCAL_TEACHER_*)."""

    name = LOCAL
    source = "bundle cost baseline"
    date = ""

    def __init__(self, settings: CostSettings) -> None:
        self.settings = settings
        self.rates: dict[str, HardwareRate] = {}

    def learn(self, direction: str, baseline: CostBaseline) -> HardwareRate:
        """Price `direction` from its bundle's baseline and the production hardware setting."""
        settings = self.settings
        measured = HardwareRate(
            baseline.teacher_seconds_per_1k_tokens,
            baseline.teacher_usd_per_hour,
            baseline.teacher_measured_on,
            baseline.teacher_price_source or baseline.price_source,
            baseline.measured_at.date().isoformat(),
        )
        if settings.local_teacher_usd_per_hour is not None:
            speed = settings.local_teacher_seconds_per_1k_tokens
            if speed is None and settings.local_teacher_hardware != measured.hardware:
                logger.warning(
                    "local teacher of %s: priced on %s with the speed measured on %s; set "
                    "MT_COST_LOCAL_TEACHER_SECONDS_PER_1K_TOKENS to its speed there",
                    direction,
                    settings.local_teacher_hardware,
                    measured.hardware,
                )
            measured = HardwareRate(
                speed or measured.seconds_per_1k_tokens,
                settings.local_teacher_usd_per_hour,
                settings.local_teacher_hardware,
                settings.local_teacher_price_source,
                settings.local_teacher_price_date,
            )
        self.rates[direction] = measured
        return measured

    def cost_usd(self, direction: str, request: RequestTexts) -> float | None:
        rate = self.rates.get(direction)
        return None if rate is None else request.output_tokens * rate.usd_per_output_token

    def prices(self, direction: str) -> dict[str, float]:
        rate = self.rates.get(direction)
        return {} if rate is None else {"output_token": rate.usd_per_output_token}


def price_entry(settings: CostSettings, name: str) -> PriceEntry | None:
    """``MT_COST_PRICES``' entry for `name`, else the LiteLLM file's, else the built-in one,
    else `None`."""
    override = settings.prices.get(name)
    if override is None and settings.litellm_prices:
        override = litellm_prices(settings.litellm_prices, settings.litellm_prices_date).get(name)
    if override is None:
        return BUILT_IN.get(name)
    return PriceEntry(
        usd_per_million_characters=override.usd_per_million_characters,
        usd_per_million_input_tokens=override.usd_per_million_input_tokens,
        usd_per_million_output_tokens=override.usd_per_million_output_tokens,
        source=override.source,
        date=override.date,
    )


def build_teachers(settings: CostSettings) -> list[Teacher]:
    """The configured teachers; raise `PriceConfigError` naming the variable at fault."""
    names = settings.teacher_names()
    if len(set(names)) != len(names):
        raise PriceConfigError(f"{variable_name(('teachers',))}: a teacher is listed twice")
    teachers: list[Teacher] = [
        LocalTeacher(settings) if name == LOCAL else priced_teacher(settings, name, ("teachers",))
        for name in names
    ]
    return teachers


def priced_teacher(
    settings: CostSettings, name: str, variable: tuple[str, ...]
) -> CharacterPricedTeacher | ChatTeacher:
    """The price-list teacher `name`; `PriceConfigError` names `variable` when it has none."""
    entry = price_entry(settings, name)
    if entry is None:
        raise PriceConfigError(
            f"{variable_name(variable)}: no price for teacher {name!r}; add it to "
            f"{variable_name(('prices',))} (known: {', '.join(sorted(BUILT_IN))})"
        )
    tokens = (entry.usd_per_million_input_tokens, entry.usd_per_million_output_tokens)
    if entry.usd_per_million_characters is not None and tokens == (None, None):
        return CharacterPricedTeacher(name, entry)
    if entry.usd_per_million_characters is None and None not in tokens:
        return ChatTeacher(name, entry, token_counter(name))
    raise PriceConfigError(
        f"{variable_name(('prices', name))}: give either usd_per_million_characters or "
        "both usd_per_million_input_tokens and usd_per_million_output_tokens"
    )
