"""Glossaries: DeepL-compatible term lists that every translation naming one honours.

A glossary's source terms are found in the text (:mod:`.terms`: case-insensitive, whole words,
multi-word, longest first) and protected by the placeholder masking of ``service.text``: the
student is shown the target term in its place, and a translation that loses it falls back to
the pieces around the term with the term put in between, so the target term is in the output
whatever the student does with the sentence (inflection aside). With API keys on, a glossary is
its creating key's own.
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
