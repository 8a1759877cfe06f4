"""Glossaries: DeepL-compatible term lists that every translation naming one honours.

A glossary's source terms are found in the text (:mod:`.terms`: case-insensitive, whole words,
multi-word, longest first) and protected by the placeholder masking of ``service.text``: the
student sees a sentinel ``[k]`` where the term was, and the target term is put in its place, so
the target term is in the output whatever the student does with the sentence (inflection aside).
Entries are parsed and validated as DeepL does (:mod:`.entries`); glossaries live in a bounded
store shared by replicas through Redis, or in this process (:mod:`.store`); the routes are in
``service.api.glossaries``. Settings: :class:`GlossarySettings` (``MT_GLOSSARY_``). See
``docs/glossaries.md``.
"""

from service.glossaries.serving import GlossaryService
from service.glossaries.settings import GlossarySettings
from service.glossaries.store import GlossaryInfo
from service.glossaries.terms import TermMatcher

__all__ = ["GlossaryInfo", "GlossaryService", "GlossarySettings", "TermMatcher"]
