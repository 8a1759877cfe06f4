"""Glossary logic, no FastAPI: create, read and delete glossaries, and turn one into the term
finder a translation uses (``TranslationPipeline.translate(..., terms=...)``).

With API keys on, a glossary belongs to the key that made it: another key is answered as if it
did not exist (404, as for an unknown id), so ids are not probed across teams.

Compiled finders are kept per glossary id (an LRU of ``matcher_cache_size``): glossaries are
immutable, so a finder never goes stale; each use still asks the store whether the glossary
exists, so a glossary deleted on another replica stops applying at once.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterable
from datetime import UTC, datetime

from service.auth import current_key_name
from service.glossaries.entries import (
    Entries,
    check_name,
    entries_tsv,
    parse_entries,
    validate_entries,
)
from service.glossaries.errors import (
    GlossaryMismatchError,
    GlossaryNotFoundError,
    InvalidGlossaryError,
)
from service.glossaries.settings import GlossarySettings
from service.glossaries.store import (
    GlossaryInfo,
    GlossaryStore,
    LocalGlossaryStore,
    RedisGlossaryStore,
)
from service.glossaries.terms import TermMatcher
from service.text import TermFinder

LanguagePair = tuple[str, str]


def make_store(settings: GlossarySettings) -> GlossaryStore:
    if settings.redis_url:
        return RedisGlossaryStore(
            settings.redis_url,
            settings.max_glossaries,
            settings.max_total_bytes,
            settings.redis_prefix,
        )
    return LocalGlossaryStore(settings.max_glossaries, settings.max_total_bytes)


def _language(code: str) -> str:
    """``EN``, ``en-GB`` -> ``en``: glossaries are per language, as DeepL's are."""
    return code.strip().replace("_", "-").split("-", 1)[0].lower()


def _creation_time() -> str:
    """DeepL's format, e.g. ``2021-08-03T14:16:18.329Z`` (what its clients parse)."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _visible(info: GlossaryInfo) -> bool:
    """Keys off: every glossary; keys on: the request key's own."""
    caller = current_key_name()
    return caller is None or info.owner == caller


class GlossaryService:
    def __init__(self, settings: GlossarySettings, store: GlossaryStore | None = None) -> None:
        self.settings = settings
        self.store = store or make_store(settings)
        self._matchers: OrderedDict[str, TermMatcher] = OrderedDict()
        self._lock = threading.Lock()

    def create(
        self,
        name: str,
        source_lang: str,
        target_lang: str,
        entries: str,
        entries_format: str,
        pairs: Iterable[LanguagePair],
    ) -> GlossaryInfo:
        """A new glossary for a served language pair; 400/413/409 errors as named in `errors`."""
        name = check_name(name)
        source, target = _language(source_lang), _language(target_lang)
        served = sorted(set(pairs))
        if (source, target) not in served:
            offered = ", ".join(f"{s}-{t}" for s, t in served) or "none"
            raise InvalidGlossaryError(
                f"no glossary language pair {source}-{target} (served: {offered})"
            )
        settings = self.settings
        parsed = parse_entries(entries, entries_format, settings.max_entries, settings.max_bytes)
        info = GlossaryInfo(
            glossary_id=str(uuid.uuid4()),
            name=name,
            source_lang=source,
            target_lang=target,
            creation_time=_creation_time(),
            entry_count=len(parsed),
            owner=current_key_name(),
        )
        size = len(entries_tsv(parsed).encode("utf-8"))
        self.store.add(info, parsed, size)
        return info

    def info(self, glossary_id: str) -> GlossaryInfo:
        found = self.store.info(glossary_id)
        if found is None or not _visible(found):
            raise GlossaryNotFoundError(f"no glossary {glossary_id}")
        return found

    def entries(self, glossary_id: str) -> Entries:
        self.info(glossary_id)  # the caller's own, or 404
        found = self.store.entries(glossary_id)
        if found is None:
            raise GlossaryNotFoundError(f"no glossary {glossary_id}")
        return found

    def all(self) -> list[GlossaryInfo]:
        mine = [info for info in self.store.all() if _visible(info)]
        return sorted(mine, key=lambda info: info.creation_time)

    def delete(self, glossary_id: str) -> None:
        self.info(glossary_id)  # the caller's own, or 404
        with self._lock:
            self._matchers.pop(glossary_id, None)
        if not self.store.delete(glossary_id):
            raise GlossaryNotFoundError(f"no glossary {glossary_id}")

    def matcher(self, glossary_id: str, source: str, target: str) -> TermMatcher:
        """The finder of a stored glossary for a source -> target translation."""
        info = self.info(glossary_id)
        if (info.source_lang, info.target_lang) != (_language(source), _language(target)):
            raise GlossaryMismatchError(
                f"glossary {glossary_id} is {info.source_lang}-{info.target_lang}; the request "
                f"translates {_language(source)}-{_language(target)}"
            )
        with self._lock:
            cached = self._matchers.get(glossary_id)
            if cached is not None:
                self._matchers.move_to_end(glossary_id)
                return cached
        matcher = TermMatcher(self.entries(glossary_id))
        self._remember(glossary_id, matcher)
        return matcher

    async def terms_for(
        self,
        source: str | None,
        target: str,
        glossary_id: str | None = None,
        inline: dict[str, str] | None = None,
    ) -> TermFinder | None:
        """The term finder of one translation request: a stored glossary by id (its store read
        off the event loop), or inline entries; None without either."""
        if glossary_id is not None and inline is not None:
            raise InvalidGlossaryError("give glossary_id or glossary, not both")
        if inline is not None:
            return self.inline_matcher(inline).spans
        if glossary_id is None:
            return None
        if not source:
            raise InvalidGlossaryError("source_lang is required with a glossary")
        matcher = await asyncio.to_thread(self.matcher, glossary_id, source, target)
        return matcher.spans

    def inline_matcher(self, entries: dict[str, str]) -> TermMatcher:
        """The finder of entries given with one request (``/v1/translate``'s ``glossary``)."""
        return TermMatcher(validate_entries(entries, self.settings.max_inline_entries))

    def _remember(self, glossary_id: str, matcher: TermMatcher) -> None:
        if self.settings.matcher_cache_size == 0:
            return
        with self._lock:
            self._matchers[glossary_id] = matcher
            while len(self._matchers) > self.settings.matcher_cache_size:
                self._matchers.popitem(last=False)

    def close(self) -> None:
        self.store.close()
