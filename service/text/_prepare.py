"""prepare_text and PreparedText: a text's layout and model inputs, and putting it together."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from service.text._placeholders import (
    MARK,
    Term,
    drop_sentinels,
    fill_sentinels,
    invented_sentinels,
    mask,
    protect,
    to_model_input,
    unmask,
)
from service.text._segment import (
    BLANK,
    SplitMode,
    cut_clauses,
    fit,
    join_lines,
    needs_translation,
    sentences_of,
    split_lines,
    strip_blank,
)

TermFinder = Callable[[str], Sequence[tuple[int, int, str]]]
"""Spans ``(start, end, replacement)`` of a masked text to protect (`protect`), in order."""


class PlaceholderMismatchError(ValueError):
    """A translation lost, duplicated or mangled a placeholder and no fallback was given for it."""

    def __init__(self, indices: Sequence[int]) -> None:
        self.indices = list(indices)
        super().__init__(f"placeholders damaged in sentences {self.indices}; translate fallbacks")


@dataclass(frozen=True, slots=True)
class _Unit:
    """One model input: a sentence (or a piece of an overlong one) with placeholders masked."""

    model_input: str  # "Click [1] to read [2]." (a protected term shows as its target)
    placeholders: tuple[str, ...]  # the originals, in order
    between: tuple[str, ...]  # the source text around them: len(placeholders) + 1 parts

    @property
    def protects_terms(self) -> bool:
        return any(isinstance(original, Term) for original in self.placeholders)

    def fallback_inputs(self) -> list[str]:
        """The text between placeholders that needs translating, each piece on its own; with
        protected terms, first the plain sentence (terms as in the source)."""
        cores = (strip_blank(part)[1] for part in self.between)
        pieces = [core for core in cores if needs_translation(core)]
        if self.protects_terms:
            masked = MARK.join(self.between)
            return [to_model_input(masked, self.placeholders, plain=True), *pieces]
        return pieces

    def assemble(self, piece_translations: Sequence[str]) -> str:
        """Source layout with placeholders verbatim and each translatable piece translated; the
        plain sentence's translation instead, if it kept every placeholder and target term."""
        if self.protects_terms:
            plain, *piece_translations = piece_translations
            filled = fill_sentinels(plain.strip(BLANK), self.placeholders)
            if filled is not None:
                return filled
        translated = iter(piece_translations)
        out: list[str] = []
        last = len(self.placeholders)
        for number, part in enumerate(self.between):
            if number:
                out.append(self.placeholders[number - 1])
            lead, source, trail = strip_blank(part)
            core = source
            if needs_translation(source):
                core = drop_sentinels(next(translated).strip(BLANK))
                if number and not lead:
                    lead = _space_if_glued(self.placeholders[number - 1][-1:], source, core)
                if number < last and not trail:
                    trail = _space_if_glued(self.placeholders[number][:1], source[::-1], core[::-1])
            out += (lead, core, trail)
        return "".join(out)


def _space_if_glued(placeholder_edge: str, source: str, translation: str) -> str:
    """A space between a word-like placeholder (a glossary term) and a translated piece that
    touched it through punctuation the translation dropped (``Frauen`` + ``, a teenager`` ->
    ``Teenager``); else the two words would be glued. `source` and `translation` start at
    the edge that touches the placeholder."""
    glued = placeholder_edge.isalnum() and translation[:1].isalnum()
    return " " if glued and not source[:1].isalnum() else ""


class PreparedText:
    """A text cut into model inputs, and the layout to put their translations back into.

    Build it with :func:`prepare_text`; see the package docstring for the call sequence.
    """

    def __init__(self, layout: Sequence[str | int], units: Sequence[_Unit]) -> None:
        self._layout = tuple(layout)  # verbatim text, or the index of a unit's translation
        self._units = tuple(units)
        self.sentences: list[str] = [unit.model_input for unit in units]
        """Model inputs in order: no surrounding whitespace, placeholders as ``[1]``, ``[2]``..."""

    def fallback_sentences(self, index: int, translation: str) -> list[str] | None:
        """None if `translation` of sentence `index` kept every placeholder; else the pieces
        between its placeholders, to translate each on its own (possibly an empty list)."""
        unit = self._units[index]
        if fill_sentinels(translation, unit.placeholders) is not None:
            return None
        return unit.fallback_inputs()

    def words_of(self, index: int) -> str:
        """Sentence `index` as its source wrote it, without its placeholders: what its words
        are, for a check (a glossary term shows as the source's, not the German target's)."""
        unit = self._units[index]
        plain = to_model_input(MARK.join(unit.between), unit.placeholders, plain=True)
        return drop_sentinels(plain)

    def choose(self, index: int, hypotheses: Sequence[str]) -> int:
        """Which of sentence `index`'s `hypotheses` (the beam's, best first) to keep: the first
        that returns every placeholder as given, else the first that does once its invented
        sentinels are dropped, else 0 (the best; its fallback follows). The beam scored them
        all, so a runner-up that kept the placeholders costs nothing more (docs/build.md)."""
        placeholders = self._units[index].placeholders
        verbatim = sum(not isinstance(p, Term) for p in placeholders)
        kept = [k for k, h in enumerate(hypotheses) if fill_sentinels(h, placeholders) is not None]
        exact = [k for k in kept if not invented_sentinels(hypotheses[k], verbatim)]
        return (exact or kept or [0])[0]

    def fallbacks(self, translations: Sequence[str]) -> dict[int, list[str]]:
        """Fallback pieces of every damaged sentence, by index; empty when all are intact."""
        self._check_count(translations)
        damaged = {
            index: self.fallback_sentences(index, translation)
            for index, translation in enumerate(translations)
        }
        return {index: pieces for index, pieces in damaged.items() if pieces is not None}

    def restore(
        self,
        translations: Sequence[str],
        fallbacks: Mapping[int, Sequence[str]] | None = None,
    ) -> str:
        """The full translated text, with the source's whitespace and placeholders verbatim.

        `translations` translate :attr:`sentences`; `fallbacks` maps a sentence index to the
        translations of its :meth:`fallback_sentences` pieces and wins over its translation.
        Raises PlaceholderMismatchError if a damaged translation has no fallback.
        """
        self._check_count(translations)
        fallbacks = fallbacks or {}
        restored: list[str] = []
        damaged: list[int] = []
        for index, (unit, translation) in enumerate(zip(self._units, translations, strict=True)):
            if index in fallbacks:
                expected = len(unit.fallback_inputs())
                if len(fallbacks[index]) != expected:
                    raise ValueError(
                        f"sentence {index}: {len(fallbacks[index])} fallback translations "
                        f"for {expected} pieces"
                    )
                restored.append(unit.assemble(fallbacks[index]))
                continue
            filled = fill_sentinels(translation.strip(BLANK), unit.placeholders)
            if filled is None:
                damaged.append(index)
            restored.append(filled or "")
        if damaged:
            raise PlaceholderMismatchError(damaged)
        return "".join(restored[part] if isinstance(part, int) else part for part in self._layout)

    def translate_with(self, translate: Callable[[list[str]], list[str]]) -> str:
        """The whole flow for a synchronous batch `translate`: at most two calls of it."""
        translations = translate(self.sentences) if self.sentences else []
        fallbacks = self.fallbacks(translations)
        pieces = [piece for index in sorted(fallbacks) for piece in fallbacks[index]]
        translated = iter(translate(pieces) if pieces else [])
        answers = {index: [next(translated) for _ in fallbacks[index]] for index in fallbacks}
        return self.restore(translations, answers)

    def _check_count(self, translations: Sequence[str]) -> None:
        if len(translations) != len(self._units):
            raise ValueError(f"{len(translations)} translations for {len(self._units)} sentences")


def prepare_text(
    text: str,
    source_lang: str,
    count_tokens: Callable[[str], int],
    max_tokens: int,
    long_tokens: int | None = None,
    protected: TermFinder | None = None,
    split: SplitMode = "lines",
) -> PreparedText:
    """Cut `text` into model inputs of at most `max_tokens` (by `count_tokens`) each.

    Sentences come from the language-aware splitter for `source_lang`; line breaks and the blank
    around sentences stay in the layout; segments with nothing to translate (whitespace,
    placeholders, numbers, punctuation) stay verbatim; a sentence over `long_tokens` (far longer
    than the model was trained on) is cut at clause boundaries; a clause still over
    ``REACH`` x `long_tokens` is cut into pieces of `long_tokens` (at spaces, as `fit` does),
    and any other piece over `max_tokens` (the model's limit) likewise. `protected` finds
    spans (glossary terms) that reach the model as placeholders and come back as its replacement.
    `split` says where sentences are cut (:data:`SplitMode`).
    """
    if max_tokens < 1:
        raise ValueError(f"max_tokens must be at least 1, got {max_tokens}")
    long_tokens = min(long_tokens or max_tokens, max_tokens)
    reach = min(REACH * long_tokens, max_tokens)
    masked, originals = mask(text)
    if protected is not None:
        masked, originals = protect(masked, originals, protected(masked))
    builder = _Builder(
        originals,
        fits=lambda piece: count_tokens(to_model_input(piece)) <= max_tokens,
        comfortable=lambda piece: count_tokens(to_model_input(piece)) <= long_tokens,
        reachable=lambda piece: count_tokens(to_model_input(piece)) <= reach,
    )
    for sentence in sentences_of(masked, source_lang, split):
        if split != "lines":
            builder.add(join_lines(sentence))
            continue
        for number, line in enumerate(split_lines(sentence)):
            if number % 2:  # a line break
                builder.keep(line)
            else:
                builder.add(line)
    return builder.build()


REACH = 2
"""A clause up to this many times `long_tokens` stays whole; a longer one is cut at spaces."""


class _Builder:
    """Accumulates the layout and the units while walking the masked text left to right."""

    def __init__(
        self,
        originals: Sequence[str],
        fits: Callable[[str], bool],
        comfortable: Callable[[str], bool],
        reachable: Callable[[str], bool],
    ) -> None:
        self._originals = originals
        self._used = 0  # placeholders consumed so far
        self._fits = fits
        self._comfortable = comfortable
        self._reachable = reachable
        self._layout: list[str | int] = []
        self._units: list[_Unit] = []

    def keep(self, masked: str) -> None:
        """Keep a stretch of masked text verbatim (its placeholders restored)."""
        if masked:
            self._layout.append(unmask(masked, self._take(masked.count(MARK))))

    def add(self, masked: str) -> None:
        """Add one line of one sentence: blank kept, core translated (in pieces if overlong)."""
        lead, core, trail = strip_blank(masked)
        self.keep(lead)
        if not needs_translation(core):
            self.keep(core)
        else:
            for clause, gap in cut_clauses(core, self._comfortable):
                # A clause far over the comfortable length (no punctuation in 100 words) is no
                # sentence the student can translate whole: pieces of comfortable size then.
                limit = self._fits if self._reachable(clause) else self._comfortable
                for piece, blank in fit(clause, limit):
                    self._add_unit(piece)
                    self.keep(blank)
                self.keep(gap)
        self.keep(trail)

    def _add_unit(self, masked: str) -> None:
        lead, piece, trail = strip_blank(masked)
        self.keep(lead)
        if not needs_translation(piece):
            self.keep(piece)
            self.keep(trail)
            return
        placeholders = tuple(self._take(piece.count(MARK)))
        self._layout.append(len(self._units))
        model_input = to_model_input(piece, placeholders)
        self._units.append(_Unit(model_input, placeholders, tuple(piece.split(MARK))))
        self.keep(trail)

    def _take(self, count: int) -> list[str]:
        taken = self._originals[self._used : self._used + count]
        self._used += count
        return list(taken)

    def build(self) -> PreparedText:
        return PreparedText(self._layout, self._units)
