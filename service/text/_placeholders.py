"""Placeholders: spans of the input that must reach the output byte for byte.

A placeholder is never shown to the model. Internally each one becomes the single private-use
character :data:`MARK`, so sentence splitting and cutting can never land inside one; in the model
input the k-th placeholder of a sentence becomes the sentinel ``[k]`` (numbered from 1 in every
sentence).

Why ``[k]``: ``[``, ``]`` and the ASCII digits are single pieces in the vocabularies of the big
teachers (OPUS-MT/Marian, NLLB, M2M100), so a sentinel costs at most 3-4 tokens; a student's
vocabulary trained on text without brackets (the embedded caption student's) lacks ``[`` and
``]``, writes ``<unk>`` for them and so always falls back (docs/build.md, "Placeholders and
inline tags"). And bracketed numbers are what
citation markers look like in the web and Wikipedia text the models were trained on, which
translators copy verbatim, so even a tiny model tends to copy them. Numbering per sentence keeps the
model input independent of what the placeholders were, so a sentence cache hits across requests.
To keep the sentinels unambiguous, anything in the input that already looks like one (``[3]``,
``[ 12 ]``) is itself treated as a placeholder.

Protected terms (a glossary's, see :func:`protect`) are placeholders too, with one difference:
the model sees the target term itself in their place, not a sentinel. A student copies a word it
is shown far more often than a sentinel it never saw in training (the embedded caption student
dropped every sentinel put in place of a noun, 850 of 850 sentences, ``python -m
benchmarks.glossary``); a translation that does not contain the target term is damaged, and its
sentence falls back, first to the plain sentence (the source terms shown as they are: the student
often translates them as the glossary does), taken if its translation has every target term, else
to the pieces between the placeholders, with the term put in between; so the target term is in
the output either way. Sentinels are numbered among the other placeholders only.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Sequence

MARK = "\ue000"
"""Stands for one placeholder inside this package; never reaches the model or the caller."""

_PLACEHOLDER = re.compile(
    r"""
      \{\{[^{}\n]*+\}\}                         # {{var}}, {{ var }} (mustache, jinja)
    | \{[^{}\s]*+\}                             # {name}, {0}, {name!r:>10}
    | %(?:\(\w++\)|\d++\$)?[-+0\#]*+(?:\d++|\*)?   # printf: %s %d %1$s %(name)s %-5.2f %%
      (?:\.(?:\d++|\*))?(?:hh|h|ll|l|L|q|j|z|t)?[diouxXeEfFgGaAcspn@%]   # no ' ' flag: 50% off
    | </?[A-Za-z][\w:.-]*+(?:\s[^<>]*+)?/?>     # tags: <b> </b> <br/> <a href="...">
    | &(?:\#\d{1,7}|\#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});   # &amp; &#39;
    | (?:(?:https?|ftp)://|www\.)[^\s<>"]*[^\s<>".,;:!?)\]}'’”»]        # URLs, less end punctuation
    | (?<![\w.+-])[\w.+-]++@[\w-]++(?:\.[\w-]++)++   # e-mail addresses
    | \[\s*+\d{1,4}\s*+\]                        # looks like a sentinel: keep it unambiguous
    | [\ue000-\uf8ff]                           # private use (MARK itself): keep it unambiguous
    """,
    re.VERBOSE,
)
"""Every quantifier that a following token cannot give back to is possessive (``*+``, ``++``), so
no input makes the engine retry the same run: ``"%" + "0" * 20_000`` took seconds per retry of
the flags. HTML comments are not in this pattern (see :func:`_comments`)."""

_COMMENT_OPEN, _COMMENT_CLOSE = "<!--", "-->"

_SENTINEL = re.compile(r"\[\s*(\d{1,4})\s*\]")
"""A sentinel as found in model output; tolerates spaces a tokenizer may put inside."""


def mask(text: str) -> tuple[str, list[str]]:
    """Replace every placeholder by :data:`MARK`; return the masked text and the originals."""
    originals: list[str] = []

    def _take(match: re.Match[str]) -> str:
        originals.append(match.group())
        return MARK

    out: list[str] = []
    done = 0
    for start, end in _comments(text):
        out += (_PLACEHOLDER.sub(_take, text[done:start]), MARK)
        originals.append(text[start:end])
        done = end
    out.append(_PLACEHOLDER.sub(_take, text[done:]))
    return "".join(out), originals


class Term(str):
    """A protected term's target: shown to the model as is, and required in its output;
    ``source`` is the text it replaced (what the plain-sentence fallback shows instead)."""

    source: str

    def __new__(cls, target: str, source: str) -> Term:
        term = super().__new__(cls, target)
        term.source = source
        return term


def protect(
    masked: str, originals: Sequence[str], spans: Sequence[tuple[int, int, str]]
) -> tuple[str, list[str]]:
    """Mask more spans of an already masked text, each coming back as its replacement.

    How glossary terms ride on the placeholders: the model sees the term as a sentinel, and the
    target term is put back in its place (by the same restore, fallback included). `spans` are
    ``(start, end, replacement)`` in `masked`, in order, not overlapping, without a mark inside.
    """
    if not spans:
        return masked, list(originals)
    out: list[str] = []
    merged: list[str] = []
    done = taken = 0
    for start, end, replacement in spans:
        before = masked[done:start]
        marks = before.count(MARK)
        merged += originals[taken : taken + marks]
        taken += marks
        out += (before, MARK)
        merged.append(Term(replacement, masked[start:end]))
        done = end
    out.append(masked[done:])
    merged += originals[taken:]
    return "".join(out), merged


def _comments(text: str) -> Iterator[tuple[int, int]]:
    """Spans of HTML comments: from ``<!--`` to the first ``-->`` after it, as browsers read them.

    Found with ``str.find`` rather than a regex because a lazy ``<!--.*?-->`` rescans the rest of
    the text from every unclosed ``<!--`` (``"<!--" * 12_500`` took 3 s); here an opening without
    a closing ends the search, so each character is looked at a bounded number of times.
    """
    start = text.find(_COMMENT_OPEN)
    while start >= 0:
        close = text.find(_COMMENT_CLOSE, start + len(_COMMENT_OPEN))
        if close < 0:
            return
        end = close + len(_COMMENT_CLOSE)
        yield start, end
        start = text.find(_COMMENT_OPEN, end)


def to_model_input(masked: str, originals: Sequence[str] = (), plain: bool = False) -> str:
    """Number the marks of one sentence as sentinels ``[1]``, ``[2]``, ... for the model; a mark
    whose original (if given) is a :class:`Term` shows the term itself (`plain`: its source)."""
    if MARK not in masked:
        return masked
    parts = masked.split(MARK)
    out = [parts[0]]
    number = 0
    for index, part in enumerate(parts[1:]):
        original = originals[index] if index < len(originals) else None
        if isinstance(original, Term):
            out.append(original.source if plain else original)
        else:
            number += 1
            out.append(f"[{number}]")
        out.append(part)
    return "".join(out)


def unmask(masked: str, originals: Sequence[str]) -> str:
    """Put the originals back in place of the marks, in order."""
    if not originals:
        return masked
    parts = masked.split(MARK)
    out = [parts[0]]
    for original, part in zip(originals, parts[1:], strict=True):
        out.append(original)
        out.append(part)
    return "".join(out)


_OPENING_TAG = re.compile(r"<([A-Za-z][\w:.-]*)(?:\s[^<>]*)?(?<!/)>")
_CLOSING_TAG = re.compile(r"</([A-Za-z][\w:.-]*)\s*>")


def tag_pairs(placeholders: Sequence[str]) -> dict[int, int]:
    """Closing tag's sentinel number → its opening tag's, for the tags that open and close
    within the sentence (matched as a browser nests them); lone and void tags have none."""
    pairs: dict[int, int] = {}
    opened: list[tuple[str, int]] = []
    for number, placeholder in enumerate(placeholders, start=1):
        if match := _OPENING_TAG.fullmatch(placeholder):
            opened.append((match.group(1).lower(), number))
        elif (match := _CLOSING_TAG.fullmatch(placeholder)) and opened:
            names = [name for name, _ in opened]
            if match.group(1).lower() in names:
                depth = len(names) - 1 - names[::-1].index(match.group(1).lower())
                pairs[number] = opened[depth][1]
                del opened[depth:]
    return pairs


def _tags_nest(order: Sequence[int], placeholders: Sequence[str]) -> bool:
    """Whether the sentinels, in the order the model wrote them, keep every tag pair of the
    source opened before it is closed and nested as it was."""
    pairs = tag_pairs(placeholders)
    if not pairs:
        return True
    openings = set(pairs.values())
    stack: list[int] = []
    for number in order:
        if number in openings:
            stack.append(number)
        elif number in pairs:
            if not stack or stack[-1] != pairs[number]:
                return False
            stack.pop()
    return True


def _occurrences(term: str, translation: str) -> int:
    """How often `term` is in `translation` as a whole word (``Hund`` is not in ``Hundeleine``)."""
    before = r"(?<!\w)" if term[:1].isalnum() else ""
    after = r"(?!\w)" if term[-1:].isalnum() else ""
    return len(re.findall(before + re.escape(term) + after, translation))


_INVENTED = "\0"
_RUN = r"\0(?:\s*\0)*"  # invented sentinels next to each other, blanks between: one run
_INVENTED_RULES = (
    # Before punctuation, a closing bracket or quote, or at the end: with the blank before it.
    (re.compile(rf"\s*{_RUN}(?=\s*(?:[.,;:!?)\]}}»\"“”]|$))"), ""),
    # Between two glued words: a space.
    (re.compile(rf"(?<=\w){_RUN}(?=\w)"), " "),
    # After a blank or at the start: with the blank after it.
    (re.compile(rf"(^|\s){_RUN}\s*"), r"\1"),
    (re.compile(_RUN), ""),
)


def invented_sentinels(translation: str, kept: int) -> bool:
    """Whether `translation` has a sentinel numbered outside ``[1]``..``[kept]``."""
    return any(not 1 <= int(m.group(1)) <= kept for m in _SENTINEL.finditer(translation))


def drop_sentinels(translation: str, kept: int = 0) -> str:
    """`translation` without the sentinels numbered outside ``[1]``..``[kept]``.

    A student trained with placeholders (docs/build.md, "The third experiment") invents them: an
    extra ``[3]`` after the two it was given, and far from its domain in text with none. No
    placeholder stands behind such a sentinel, and translating again does not help, so it goes,
    with the blank it leaves.
    """
    if not invented_sentinels(translation, kept):
        return translation
    text = _SENTINEL.sub(
        lambda m: m.group(0) if 1 <= int(m.group(1)) <= kept else _INVENTED,
        translation.replace(_INVENTED, ""),
    )
    for rule, replacement in _INVENTED_RULES:
        text = rule.sub(replacement, text)
    return text


def fill_sentinels(translation: str, originals: Sequence[str]) -> str | None:
    """Replace the sentinels of a model output by the originals.

    Sentinels the model invented (numbered beyond the originals) are dropped first
    (:func:`drop_sentinels`). Returns None when the model did not return every sentinel exactly
    once (dropped, duplicated, mangled), put a closing tag before its opening tag or across
    another pair (``</b>…<b>`` would be broken markup), or left out a :class:`Term`: the caller
    must then fall back instead of losing a placeholder.
    """
    verbatim = [original for original in originals if not isinstance(original, Term)]
    translation = drop_sentinels(translation, len(verbatim))
    if not originals:
        return translation
    terms = Counter(original for original in originals if isinstance(original, Term))
    if any(_occurrences(term, translation) < wanted for term, wanted in terms.items()):
        return None
    order = [int(m.group(1)) for m in _SENTINEL.finditer(translation)]
    if sorted(order) != list(range(1, len(verbatim) + 1)) or not _tags_nest(order, verbatim):
        return None
    if not verbatim:
        return translation
    return _SENTINEL.sub(lambda m: verbatim[int(m.group(1)) - 1], translation)
