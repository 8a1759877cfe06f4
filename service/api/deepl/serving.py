"""DeepL v2 logic: language codes mapped onto our bundles; no FastAPI here."""

from __future__ import annotations

import asyncio

from service.api.deepl.formality import check_formality
from service.api.deepl.markup import markup_rules, translate_markup
from service.api.deepl.protocol import (
    DeepLLanguage,
    DeepLTranslateRequest,
    DeepLTranslateResponse,
    DeepLTranslation,
    DeepLUsage,
)
from service.documents.serving import TranslatorFactory
from service.documents.settings import DocumentSettings
from service.engine.registry import ModelRegistry
from service.errors import UnsupportedDirectionError
from service.pipeline import TranslationPipeline, normalize_language
from service.runtime import UsageTotals
from service.text import SplitMode, TermFinder

# DeepL reports no limit for its unlimited plans either; this is what clients read as "none".
CHARACTER_LIMIT = 1_000_000_000_000

LANGUAGE_NAMES = {
    "ar": "Arabic",
    "bg": "Bulgarian",
    "cs": "Czech",
    "da": "Danish",
    "de": "German",
    "el": "Greek",
    "en": "English",
    "es": "Spanish",
    "et": "Estonian",
    "fi": "Finnish",
    "fr": "French",
    "hu": "Hungarian",
    "id": "Indonesian",
    "it": "Italian",
    "ja": "Japanese",
    "ko": "Korean",
    "lt": "Lithuanian",
    "lv": "Latvian",
    "nb": "Norwegian",
    "nl": "Dutch",
    "pl": "Polish",
    "pt": "Portuguese",
    "ro": "Romanian",
    "ru": "Russian",
    "sk": "Slovak",
    "sl": "Slovenian",
    "sv": "Swedish",
    "tr": "Turkish",
    "uk": "Ukrainian",
    "zh": "Chinese",
}
# DeepL lists these targets only with a region; its clients refuse the bare code.
REGIONAL_TARGETS = {
    "en": [("EN-GB", "English (British)"), ("EN-US", "English (American)")],
    "pt": [("PT-BR", "Portuguese (Brazilian)"), ("PT-PT", "Portuguese (European)")],
}


# DeepL's split_sentences values -> where the text handling cuts sentences.
SPLIT_MODES: dict[str, SplitMode] = {"1": "lines", "nonewlines": "punctuation", "0": "none"}


def split_mode(request: DeepLTranslateRequest) -> SplitMode:
    """DeepL's default is ``1``, and ``nonewlines`` for HTML (where a line break is a space)."""
    default = "nonewlines" if request.tag_handling == "html" else "1"
    return SPLIT_MODES[request.split_sentences or default]


class TaggedText:
    """What translating markup needs besides the pipeline: the documents' adapter to it (for
    `split_mode` and the request's glossary) and the HTML reader's limits."""

    def __init__(self, translators: TranslatorFactory, settings: DocumentSettings) -> None:
        self.translators = translators
        self.settings = settings


def _name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code.upper())


async def translate(
    pipeline: TranslationPipeline,
    request: DeepLTranslateRequest,
    terms: TermFinder | None = None,
    tagged: TaggedText | None = None,
) -> DeepLTranslateResponse:
    """`tagged` is needed for ``tag_handling`` (and must carry the same `terms`)."""
    target = normalize_language(request.target_lang)
    check_formality(request.formality)
    if request.source_lang:
        source = normalize_language(request.source_lang)
    else:
        candidates = pipeline.registry.sources_for(target)
        if len(candidates) != 1:
            raise UnsupportedDirectionError(
                f"source_lang is required: {len(candidates)} source languages translate "
                f"into {target}"
            )
        source = candidates[0]
    if request.tag_handling is None:
        split = split_mode(request)
        outcome = await pipeline.translate(
            request.text,
            source,
            target,
            terms=terms,
            split=split,
            preserve_formatting=request.preserve_formatting,
        )
        texts = outcome.translations
    else:
        if tagged is None:
            raise ValueError("tag_handling needs the TaggedText of the app")
        texts = await _translate_tagged(pipeline, request, source, target, tagged)
    detected = pipeline.registry.get(source, target).manifest.source_lang.upper()
    return DeepLTranslateResponse(
        translations=[
            DeepLTranslation(
                detected_source_language=detected, text=text, billed_characters=len(original)
            )
            for text, original in zip(texts, request.text, strict=True)
        ]
    )


async def _translate_tagged(
    pipeline: TranslationPipeline,
    request: DeepLTranslateRequest,
    source: str,
    target: str,
    tagged: TaggedText,
) -> list[str]:
    """The texts as markup (``service.api.deepl.markup``), limits checked on them as sent."""
    pipeline.check_texts(request.text)
    rules = markup_rules(request)
    translator = tagged.translators(source, target)
    return await asyncio.to_thread(
        translate_markup, request.text, rules, translator, tagged.settings
    )


def languages(registry: ModelRegistry, kind: str) -> list[DeepLLanguage]:
    if kind == "target":
        out: list[DeepLLanguage] = []
        for code in sorted({m.manifest.target_lang for m in registry.models}):
            variants = REGIONAL_TARGETS.get(code, [(code.upper(), _name(code))])
            out += [
                DeepLLanguage(language=c, name=n, supports_formality=False) for c, n in variants
            ]
        return out
    return [
        DeepLLanguage(language=code.upper(), name=_name(code))
        for code in sorted({m.manifest.source_lang for m in registry.models})
    ]


def usage(totals: UsageTotals) -> DeepLUsage:
    return DeepLUsage(character_count=totals.characters, character_limit=CHARACTER_LIMIT)
