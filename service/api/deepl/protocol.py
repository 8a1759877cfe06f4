"""Schemas of the DeepL API v2 subset we serve (text translation, languages, usage)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from service.api.contract import language_schema
from service.api.v1.protocol import Texts

TagList = str | list[str] | None
"""DeepL's tag lists: comma-separated names (the official client joins a list with commas)."""


class DeepLTranslateRequest(BaseModel):
    """`POST /v2/translate`, from a JSON or a form body; DeepL's hints we do not use
    (``context``, ``model_type``, ...) are accepted and ignored, options for features this
    server lacks are refused before this model (``options.py``, docs/service.md)."""

    model_config = ConfigDict(extra="ignore")

    text: Texts = Field(description="Texts to translate, in order.")
    target_lang: str = Field(
        min_length=2, max_length=35, json_schema_extra=language_schema(), description="e.g. DE."
    )
    source_lang: str | None = Field(
        default=None,
        max_length=35,
        json_schema_extra=language_schema(),
        description="e.g. EN; may be left out when one bundle translates into target_lang.",
    )
    glossary_id: str | None = Field(
        default=None,
        max_length=64,
        description="A glossary from POST /v2/glossaries; needs source_lang.",
    )
    glossary_ids: list[str] | str | None = Field(
        default=None,
        description="DeepL's newer list of glossaries (comma-separated in a form): here it may "
        "name one, the same as glossary_id; more than one is a 400.",
    )
    split_sentences: Literal["0", "1", "nonewlines"] | None = Field(
        default=None,
        description="1 (the default; nonewlines with tag_handling=html): split at punctuation "
        "and line breaks; nonewlines: at punctuation only (a line break inside a sentence is a "
        "space); 0: the text is one sentence.",
    )
    tag_handling: Literal["xml", "html"] | None = Field(
        default=None,
        description="Translate the text as markup: tags kept, inline tags inside their sentence.",
    )
    outline_detection: bool | None = Field(
        default=None,
        description="xml: false splits sentences only at splitting_tags (default: true).",
    )
    ignore_tags: TagList = Field(
        default=None, description="Tags whose content is left untranslated (comma-separated)."
    )
    non_splitting_tags: TagList = Field(
        default=None, description="Tags kept inside their sentence (comma-separated)."
    )
    splitting_tags: TagList = Field(
        default=None, description="Tags that end a sentence (comma-separated)."
    )
    preserve_formatting: bool = Field(
        default=False,
        description="Keep each sentence's punctuation at its start and end and the case of "
        "its first letter as in the source (the blank around sentences is always kept).",
    )
    formality: str | None = Field(
        default=None,
        max_length=16,
        description="default, prefer_more or prefer_less (no served language has formality: "
        "the prefer_ values fall back to default); more or less are refused, as DeepL does.",
    )


class DeepLTranslation(BaseModel):
    detected_source_language: str
    text: str
    billed_characters: int


class DeepLTranslateResponse(BaseModel):
    translations: list[DeepLTranslation]


class DeepLLanguage(BaseModel):
    language: str
    name: str
    supports_formality: bool | None = None


class DeepLUsage(BaseModel):
    character_count: int
    character_limit: int


class DeepLErrorResponse(BaseModel):
    """Every 4xx/5xx of the DeepL surface, in DeepL's shape (`service.api.deepl.errors`)."""

    message: str = Field(description="What went wrong, for people; DeepL clients show it.")
    code: str = Field(description="Our stable machine-readable code (as in the v1 envelope).")
