"""DeepL's ``tag_handling=xml|html``: a text translated as markup, by the documents' HTML reader.

A text is read as the HTML documents are (:mod:`service.documents.formats.html_source`): each
run of text between two splitting elements goes out as one segment, inline elements in it as
neutral tags, so they stay inside their sentence and come back around the translated words;
everything but translated text keeps its bytes. DeepL's options choose the rules::

    html: HTML's block, inline and skipped elements; ``ignore_tags`` skipped as well,
          ``non_splitting_tags`` inline, ``splitting_tags`` splitting
    xml:  no element is known by name; with ``outline_detection`` (the default) an element
          among text is inline and one between elements splits; without it every element is
          inline except the ``splitting_tags``; ``ignore_tags`` content is never translated

The reader's limits hold (``MT_DOC_XML_MAX_DEPTH``, its time budget) and are refused in the
HTML reader's words; a segment the engine cannot translate fails the request, as plain text
does, rather than coming back untranslated.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from service.api.deepl.protocol import DeepLTranslateRequest
from service.documents.formats.html_source import INLINE, SKIP, HtmlDocument, MarkupRules
from service.documents.safety import Guard
from service.documents.segments import SegmentTranslator, translate_units
from service.documents.settings import DocumentSettings
from service.errors import InvalidRequestError, SentenceFailedError

_TAG_NAME = re.compile(r"[A-Za-z_][\w.:-]*")
MAX_TAGS = 200
"""Most names one tag list may give (DeepL names no limit; this bounds the work per request)."""


def tag_names(field: str, value: str | list[str] | None) -> frozenset[str]:
    """The names of a comma-separated tag list (or a list of them), lower case: the reader
    matches names as HTML does, whatever their case."""
    if value is None:
        return frozenset()
    parts = value.split(",") if isinstance(value, str) else [p for v in value for p in v.split(",")]
    names = [part.strip() for part in parts if part.strip()]
    if len(names) > MAX_TAGS:
        raise InvalidRequestError(f"'{field}' names {len(names)} tags; the limit is {MAX_TAGS}.")
    if not all(_TAG_NAME.fullmatch(name) for name in names):
        raise InvalidRequestError(f"'{field}' contains a name that is not a tag name.")
    return frozenset(name.lower() for name in names)


def markup_rules(request: DeepLTranslateRequest) -> MarkupRules:
    """The reader's rules for a request's ``tag_handling`` and tag options."""
    ignore = tag_names("ignore_tags", request.ignore_tags)
    keep = tag_names("non_splitting_tags", request.non_splitting_tags)
    split = tag_names("splitting_tags", request.splitting_tags)
    if request.tag_handling == "html":
        return MarkupRules(skip=SKIP | ignore, inline=INLINE | keep, splitting=split)
    outline = request.outline_detection is not False
    return MarkupRules(
        skip=ignore,
        atoms=frozenset(),
        inline=keep if outline else None,
        splitting=split,
        inline_in_text=outline,
        attributes=(),
        xml=True,
    )


def translate_markup(
    texts: Sequence[str],
    rules: MarkupRules,
    translator: SegmentTranslator,
    settings: DocumentSettings,
) -> list[str]:
    """Every text read as markup, its segments translated together, and written back.
    Blocking: run it in a worker thread (`translator` runs the pipeline on the event loop)."""
    guard = Guard(settings)
    documents = [HtmlDocument(text, guard, rules) for text in texts]
    units = [unit for document in documents for unit in document.units]
    report = translate_units(units, translator, check=guard.check_time)
    if report.untranslated:
        raise SentenceFailedError(
            f"{report.untranslated} segments of the text could not be translated"
        )
    return [document.render() for document in documents]
