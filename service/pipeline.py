"""From request texts to translated texts: limits, text handling, cache, dispatcher.

Shared by every API surface (v1, DeepL); knows nothing of HTTP. The flow per request::

    check limits -> prepare_text per text (sentences, placeholders and glossary terms masked)
    -> cache lookup -> dispatcher (batched with other requests) -> cache insert
    -> the beam's runner-up where it kept the placeholders the best hypothesis lost
    -> fallbacks for sentences whose placeholders came back damaged (second round)
    -> restore per text (original whitespace and placeholders)
    -> check each sentence against the bundle's normal range (service/routing): flags per text
    -> route (service/routing/escalation): in escalate mode the teacher may replace the
       student's translation of low-confidence sentences
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from service.engine.registry import CachedTranslation, LoadedModel, ModelRegistry
from service.errors import (
    EmptyTextError,
    InvalidTextError,
    TooManyCharactersError,
    TooManyTextsError,
)
from service.routing import SentenceCheck, TextQuality, check_sentence, text_quality
from service.routing.checks import score_threshold
from service.routing.escalation import Direction, Routed, Router
from service.settings import ServiceSettings
from service.text import PreparedText, SplitMode, TermFinder, keep_formatting, prepare_text

# Texts longer than this (all together) are prepared off the event loop.
_INLINE_PREPARE_CHARS = 2_000


def normalize_language(code: str) -> str:
    """``EN``, ``en-GB``, ``en_US`` -> ``en``: bundles are per language, not per region."""
    return code.strip().replace("_", "-").split("-", 1)[0].lower()


@dataclass(frozen=True)
class Usage:
    characters: int
    input_tokens: int
    output_tokens: int
    # Filled by cost accounting (service/cost): process CPU attributed to the request and prices.
    cpu_seconds: float = 0.0
    student_cost_usd: float = 0.0
    teacher_cost_usd: Mapping[str, float] = field(default_factory=dict)
    # The cascade (service/routing): sentences the teacher translated instead, what that
    # really cost, and what the request would have cost with every sentence on that teacher.
    sentences: int = 0
    escalated_sentences: int = 0
    remembered_sentences: int = 0
    """Of the escalated: answered from the teacher's remembered answers, at no cost."""
    escalation_cost_usd: float = 0.0
    teacher_only_cost_usd: float | None = None

    @property
    def blended_cost_usd(self) -> float:
        return self.student_cost_usd + self.escalation_cost_usd

    @property
    def saved_usd(self) -> dict[str, float]:
        """Per teacher of the price list: its cost minus what this request really cost."""
        blended = self.blended_cost_usd
        return {teacher: cost - blended for teacher, cost in self.teacher_cost_usd.items()}

    @property
    def savings_usd(self) -> float | None:
        """Against sending every sentence to the escalation teacher."""
        if self.teacher_only_cost_usd is None:
            return None
        return self.teacher_only_cost_usd - self.blended_cost_usd


@dataclass
class RequestContext:
    """Per-request state that batch listeners write on the worker thread (before the answer)."""

    cpu_seconds: float = 0.0


@dataclass(frozen=True)
class TranslationOutcome:
    translations: list[str]
    model: LoadedModel
    usage: Usage
    quality: list[TextQuality] = field(default_factory=list)
    """Per text: its least confident sentence and the sentences flagged as low confidence."""


UsageListener = Callable[[LoadedModel, Usage], None]
# (model, measured usage, texts, translations) -> the usage with its costs filled in
Pricer = Callable[[LoadedModel, Usage, list[str], list[str]], Usage]
OutcomeListener = Callable[[list[str], TranslationOutcome], None]


class TranslationPipeline:
    """Translate whole texts with the registry's models, within the configured limits."""

    def __init__(
        self,
        registry: ModelRegistry,
        settings: ServiceSettings,
        usage_listeners: list[UsageListener] | None = None,
        pricer: Pricer | None = None,
        outcome_listeners: list[OutcomeListener] | None = None,
        router: Router | None = None,
    ) -> None:
        self.router = router
        self.registry = registry
        self.settings = settings
        self.usage_listeners = usage_listeners or []
        self.pricer = pricer
        self.outcome_listeners = outcome_listeners or []

    def check_texts(self, texts: list[str]) -> None:
        """Raise the 4xx error a request's texts deserve, before any work is done."""
        if not texts:
            raise EmptyTextError("no text to translate")
        if len(texts) > self.settings.max_texts_per_request:
            raise TooManyTextsError(
                f"{len(texts)} texts in one request; the limit is "
                f"{self.settings.max_texts_per_request}"
            )
        characters = sum(len(text) for text in texts)
        if characters > self.settings.max_chars_per_request:
            raise TooManyCharactersError(
                f"{characters} characters in one request; the limit is "
                f"{self.settings.max_chars_per_request}"
            )
        for number, text in enumerate(texts):
            if not text.strip():
                raise EmptyTextError(f"text {number} is empty")
            if "\x00" in text:
                raise InvalidTextError(f"text {number} contains a NUL character")
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                raise InvalidTextError(f"text {number} is not valid Unicode") from None

    async def translate(
        self,
        texts: list[str],
        source: str,
        target: str,
        context: RequestContext | None = None,
        terms: TermFinder | None = None,
        split: SplitMode = "lines",
        preserve_formatting: bool = False,
    ) -> TranslationOutcome:
        """`terms` finds the glossary terms to protect (``service.glossaries``); `split` says
        where sentences are cut (DeepL's ``split_sentences``); `preserve_formatting` gives each
        translated sentence its source's edge punctuation and first-letter case."""
        context = context if context is not None else RequestContext()
        model = self.registry.get(normalize_language(source), normalize_language(target))
        self.check_texts(texts)
        tokens_of = _TokenMemo(model)
        translator = model.translator
        source_lang = model.manifest.source_lang

        def prepare_all() -> list[PreparedText]:
            return [
                prepare_text(
                    text,
                    source_lang,
                    tokens_of.count,
                    translator.max_input_tokens,
                    translator.long_input_tokens,
                    terms,
                    split,
                )
                for text in texts
            ]

        if sum(len(text) for text in texts) > _INLINE_PREPARE_CHARS:
            prepared = await asyncio.to_thread(prepare_all)
        else:
            prepared = prepare_all()

        sentences = [sentence for text in prepared for sentence in text.sentences]
        entries = await translate_cached(model, sentences, tokens_of.tokens, context)
        entries = _keeping_placeholders(prepared, entries)
        checks = _check_sentences(model, prepared, entries, self.router)
        routed = await self._route(model, prepared, sentences, entries, checks)

        translations = routed.translations
        if preserve_formatting:
            pairs = zip(sentences, translations, strict=True)
            translations = [keep_formatting(source, done) for source, done in pairs]
        per_text = _regroup(prepared, translations)
        quality = _quality(prepared, checks, routed)

        fallbacks = [text.fallbacks(done) for text, done in zip(prepared, per_text, strict=True)]
        pieces = [p for fb in fallbacks for index in sorted(fb) for p in fb[index]]
        if pieces:
            piece_entries = await translate_cached(model, pieces, tokens_of.tokens, context)
            entries += piece_entries
            flat = iter(entry.translation.text for entry in piece_entries)
            answers = [{i: [next(flat) for _ in fb[i]] for i in sorted(fb)} for fb in fallbacks]
        else:
            answers = [{} for _ in fallbacks]

        results = [
            text.restore(done, answer)
            for text, done, answer in zip(prepared, per_text, answers, strict=True)
        ]
        usage = Usage(
            characters=sum(len(text) for text in texts),
            input_tokens=sum(entry.input_tokens for entry in entries),
            output_tokens=sum(entry.translation.output_tokens for entry in entries),
            cpu_seconds=context.cpu_seconds,
            sentences=len(sentences),
            escalated_sentences=routed.escalated_count,
            remembered_sentences=routed.remembered,
            escalation_cost_usd=routed.cost_usd,
        )
        if self.pricer is not None:
            usage = self.pricer(model, usage, texts, results)
        if self.usage_listeners:
            # Off the event loop: a listener may write to a store (an API key's charge: SQLite
            # or Redis); the request's context (its key) goes with it.
            await asyncio.to_thread(self._tell_usage, model, usage)
        outcome = TranslationOutcome(results, model, usage, quality)
        for outcome_listener in self.outcome_listeners:
            outcome_listener(texts, outcome)
        return outcome

    def _tell_usage(self, model: LoadedModel, usage: Usage) -> None:
        for listener in self.usage_listeners:
            listener(model, usage)

    async def _route(
        self,
        model: LoadedModel,
        prepared: list[PreparedText],
        sentences: list[str],
        entries: list[CachedTranslation],
        checks: list[SentenceCheck],
    ) -> Routed:
        """The routing stage: the student's translations, or the teacher's where it won."""
        translations = [entry.translation.text for entry in entries]
        if self.router is None:
            return Routed(translations, [False] * len(translations))
        owners = _owners(prepared)

        def keeps_placeholders(flat: int, translation: str) -> bool:
            text, index = owners[flat]
            return text.fallback_sentences(index, translation) is None

        manifest = model.manifest
        direction = Direction(model.direction, manifest.source_lang, manifest.target_lang)
        return await self.router.route(
            direction, sentences, translations, checks, keeps_placeholders
        )


async def translate_cached(
    model: LoadedModel,
    sentences: list[str],
    tokenize: Callable[[str], list[str]],
    context: RequestContext,
) -> list[CachedTranslation]:
    """Each distinct sentence from the model's cache, or translated by its dispatcher (and
    cached); in input order. Shared with the in-process teacher bundle."""
    found: dict[str, CachedTranslation] = {}
    misses: list[str] = []
    for sentence in dict.fromkeys(sentences):
        hit = model.cache.get(sentence)
        if hit is None:
            misses.append(sentence)
        else:
            found[sentence] = hit
    if misses:
        inputs = [tokenize(sentence) for sentence in misses]
        outputs = await model.dispatcher.submit(inputs, context)
        for sentence, tokens, output in zip(misses, inputs, outputs, strict=True):
            entry = CachedTranslation(output, len(tokens))
            found[sentence] = entry
            model.cache.put(sentence, entry)
    return [found[sentence] for sentence in sentences]


T = TypeVar("T")


def _regroup(prepared: list[PreparedText], flat: list[T]) -> list[list[T]]:
    """Cut the flat list of every text's sentences back into one list per text."""
    groups: list[list[T]] = []
    start = 0
    for text in prepared:
        groups.append(flat[start : start + len(text.sentences)])
        start += len(text.sentences)
    return groups


def _owners(prepared: list[PreparedText]) -> list[tuple[PreparedText, int]]:
    """For each sentence of the flat list: its text and its index there."""
    return [(text, index) for text in prepared for index in range(len(text.sentences))]


def _keeping_placeholders(
    prepared: list[PreparedText], entries: list[CachedTranslation]
) -> list[CachedTranslation]:
    """Each sentence's translation, or the beam's runner-up where the best lost a placeholder
    that the runner-up kept (`PreparedText.choose`): no fallback to pieces for that one."""
    chosen: list[CachedTranslation] = []
    for (text, index), entry in zip(_owners(prepared), entries, strict=True):
        ranked = entry.translation.ranked
        if len(ranked) > 1:
            pick = text.choose(index, [hypothesis.text for hypothesis in ranked])
            entry = CachedTranslation(ranked[pick], entry.input_tokens)
        chosen.append(entry)
    return chosen


def _check_sentences(
    model: LoadedModel,
    prepared: list[PreparedText],
    entries: list[CachedTranslation],
    router: Router | None,
) -> list[SentenceCheck]:
    """Every sentence checked (routing mode ``off``: its confidence only, never flagged)."""
    normal, threshold = model.manifest.normal_range, score_threshold(model.manifest)
    checking = router is None or router.checking
    by_words = checking and normal is not None and normal.pieces_per_word_p99 is not None
    pieces = model.translator.source_pieces
    checks = [
        check_sentence(
            text.sentences[index],
            entry.input_tokens,
            entry.translation,
            normal,
            threshold,
            pieces(text.words_of(index)) if by_words else None,
        )
        for (text, index), entry in zip(_owners(prepared), entries, strict=True)
    ]
    if not checking:
        return [SentenceCheck(check.confidence, ()) for check in checks]
    return checks


def _quality(
    prepared: list[PreparedText], checks: list[SentenceCheck], routed: Routed
) -> list[TextQuality]:
    return [
        text_quality(text.sentences, text_checks, escalated)
        for text, text_checks, escalated in zip(
            prepared, _regroup(prepared, checks), _regroup(prepared, routed.escalated), strict=True
        )
    ]


class _TokenMemo:
    """Tokenize each sentence once per request (text handling counts, the dispatcher needs)."""

    def __init__(self, model: LoadedModel) -> None:
        self._tokenize = model.translator.tokenize
        self._memo: dict[str, list[str]] = {}

    def tokens(self, sentence: str) -> list[str]:
        tokens = self._memo.get(sentence)
        if tokens is None:
            tokens = self._memo[sentence] = self._tokenize(sentence)
        return tokens

    def count(self, sentence: str) -> int:
        return len(self.tokens(sentence))
