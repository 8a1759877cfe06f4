"""Keeping a source sentence's formatting in its translation (DeepL's ``preserve_formatting``).

A model writes sentences as it learned them: a capital first letter and a full stop, even for
a lower-case heading or a list item without one. DeepL's ``preserve_formatting=1`` keeps "the
punctuation at the beginning and end of the sentence and upper/lower case at the beginning of
the sentence" of the original; the blank around sentences is always kept (``_prepare``).

>>> keep_formatting("a dog in the park", "Ein Hund im Park.")
'ein Hund im Park'
>>> keep_formatting("- Where is it?!", "Wo ist es?")
'- Wo ist es?!'
"""

from __future__ import annotations

import re

_PUNCTUATION = re.escape(".!?…:;,¿¡•·*-–—")
_LEAD = re.compile(rf"^[{_PUNCTUATION}]*\s*")
_TRAIL = re.compile(rf"\s*[{_PUNCTUATION}]*$")


def keep_formatting(source: str, translation: str) -> str:
    """`translation` with the leading and trailing punctuation of `source` instead of its own,
    and its first letter in the case of the source's first letter."""
    lead, source_core, trail = _split(source)
    core = _split(translation)[1]
    if not core or not source_core:
        return translation
    return lead + _first_letter_like(source_core[0], core) + trail


def _split(text: str) -> tuple[str, str, str]:
    """Leading punctuation, the rest, trailing punctuation (each possibly empty)."""
    lead = _LEAD.match(text)
    start = lead.end() if lead else 0
    trail = _TRAIL.search(text, start)
    end = trail.start() if trail else len(text)
    return text[:start], text[start:end], text[end:]


def _first_letter_like(model: str, text: str) -> str:
    """`text` with its first character in `model`'s case, when both are letters."""
    first = text[0]
    if not (model.isalpha() and first.isalpha()):
        return text
    if model.islower():
        return first.lower() + text[1:]
    if model.isupper():
        return first.upper() + text[1:]
    return text
