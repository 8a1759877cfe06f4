"""Does a glossary put its target terms into the output, and leave the rest alone? One run.

Usage::

    python -m benchmarks.glossary --bundle service/bundles/en-de \\
        --sources ../shared/data/multi30k/test_2016_flickr.en.gz \\
        --references ../shared/data/multi30k/test_2016_flickr.de.gz \\
        --train-sources ../shared/data/multi30k/train.en.gz \\
        --train-targets ../shared/data/multi30k/train.de.gz

Builds a glossary of frequent nouns from the data: English words of the test set (most frequent
first) paired with the capitalized German word (German nouns are capitalized) they co-occur with
most in the training pairs, kept when the pair's Dice coefficient is at least ``--min-dice``.
Translates the test set through the service's own text preparation and translator twice, without
and with the glossary (terms protected as ``service.glossaries`` does), and prints: how often each
protected term's target appears in the output (whole word), with and without the glossary; how
many sentences needed the placeholder fallback (the student left out a target term it was shown);
whether the sentences without a glossary hit came out unchanged; chrF against the references.
Figures: docs/glossaries.md.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

import sacrebleu

from bundle import open_verified
from model_build.normal_range import read_text_lines
from service.engine.translator import BundleTranslator, TranslatedSentence
from service.glossaries import TermMatcher
from service.settings import ServiceSettings
from service.text import PreparedText, TermFinder, prepare_text

_WORD = re.compile(r"\w+")
_STOP = frozenset(
    (
        "a",
        "an",
        "the",
        "and",
        "or",
        "of",
        "in",
        "on",
        "at",
        "to",
        "with",
        "for",
        "from",
        "by",
        "is",
        "are",
        "his",
        "her",
        "their",
        "its",
        "into",
        "near",
        "while",
        "who",
        "that",
        "this",
        "some",
        "two",
        "three",
        "four",
        "five",
        "one",
        "other",
        "another",
        "next",
        "wearing",
    )
)


def frequent_nouns(
    test: Sequence[str], sources: Sequence[str], targets: Sequence[str], size: int, min_dice: float
) -> dict[str, str]:
    """English word -> German noun, by Dice over the training pairs, most frequent in test first."""
    frequent = Counter(
        word for line in test for word in _WORD.findall(line.lower()) if _candidate(word)
    )
    candidates = {word for word, _ in frequent.most_common(size * 4)}
    english: Counter[str] = Counter()
    german: Counter[str] = Counter()
    both: Counter[tuple[str, str]] = Counter()
    for source, target in zip(sources, targets, strict=True):
        words = candidates.intersection(_WORD.findall(source.lower()))
        nouns = {w for w in _WORD.findall(target)[1:] if w[0].isupper()}  # not sentence-initial
        english.update(words)
        german.update(nouns)
        both.update((w, n) for w in words for n in nouns)
    best: dict[str, tuple[float, str]] = {}
    for (word, noun), together in both.items():
        dice = 2 * together / (english[word] + german[noun])
        if dice > best.get(word, (0.0, ""))[0]:
            best[word] = (dice, noun)
    kept = [word for word, _ in frequent.most_common() if best.get(word, (0.0, ""))[0] >= min_dice]
    return {word: best[word][1] for word in kept[:size]}


def _candidate(word: str) -> bool:
    return word.isalpha() and len(word) >= 3 and word not in _STOP


def translate_all(
    translator: BundleTranslator, texts: Sequence[str], terms: TermFinder | None
) -> tuple[list[str], int]:
    """Outputs, and how many texts needed the fallback (a term or sentinel lost), batched as
    the service batches: every sentence in one call, then every fallback piece in another."""

    def count(sentence: str) -> int:
        return len(translator.tokenize(sentence))

    prepared = [
        prepare_text(text, "en", count, translator.max_input_tokens, protected=terms)
        for text in texts
    ]
    flat = iter(translator.translate([s for text in prepared for s in text.sentences]))
    translations = [
        [_keeping_placeholders(text, index, next(flat)) for index in range(len(text.sentences))]
        for text in prepared
    ]
    fallbacks = [text.fallbacks(done) for text, done in zip(prepared, translations, strict=True)]
    pieces = iter(
        _translate(translator, [p for fb in fallbacks for i in sorted(fb) for p in fb[i]])
    )
    answers = [{i: [next(pieces) for _ in fb[i]] for i in sorted(fb)} for fb in fallbacks]
    outputs = [
        text.restore(done, answer)
        for text, done, answer in zip(prepared, translations, answers, strict=True)
    ]
    return outputs, sum(bool(fb) for fb in fallbacks)


def _keeping_placeholders(text: PreparedText, index: int, best: TranslatedSentence) -> str:
    """As the service does: the beam's runner-up where it kept the placeholders the best lost."""
    hypotheses = [hypothesis.text for hypothesis in best.ranked]
    return hypotheses[text.choose(index, hypotheses)]


def _translate(translator: BundleTranslator, batch: list[str]) -> list[str]:
    return [t.text for t in translator.translate(batch)] if batch else []


def terms_kept(
    outputs: Sequence[str], hits: Sequence[list[str]], whole_words: bool = True
) -> tuple[int, int]:
    """(target-term occurrences found in the outputs, expected), per sentence; `whole_words`
    False also counts a term glued to a neighbouring word."""
    found = expected = 0
    for output, targets in zip(outputs, hits, strict=True):
        for target, wanted in Counter(targets).items():
            pattern = rf"(?<!\w){re.escape(target)}(?!\w)" if whole_words else re.escape(target)
            there = len(re.findall(pattern, output))
            found += min(there, wanted)
            expected += wanted
    return found, expected


def _timed(work: Callable[[], tuple[list[str], int]]) -> tuple[list[str], int, float]:
    started = time.perf_counter()
    outputs, damaged = work()
    return outputs, damaged, time.perf_counter() - started


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    for name in ("--bundle", "--sources", "--references", "--train-sources", "--train-targets"):
        parser.add_argument(name, type=Path, required=True)
    parser.add_argument("--terms", type=int, default=50, help="glossary entries")
    parser.add_argument("--min-dice", type=float, default=0.5)
    args = parser.parse_args(argv)
    manifest = open_verified(args.bundle)
    translator = BundleTranslator(args.bundle, manifest, ServiceSettings())
    texts = read_text_lines(args.sources)
    references = read_text_lines(args.references)
    glossary = frequent_nouns(
        texts,
        read_text_lines(args.train_sources),
        read_text_lines(args.train_targets),
        args.terms,
        args.min_dice,
    )
    matcher = TermMatcher(glossary)
    hits = [[m.target for m in matcher.find(text)] for text in texts]
    plain, _, plain_s = _timed(lambda: translate_all(translator, texts, None))
    glossed, damaged, glossed_s = _timed(lambda: translate_all(translator, texts, matcher.spans))
    _report(glossary, texts, references, hits, plain, glossed, damaged, glossed_s / plain_s)


def _report(
    glossary: dict[str, str],
    texts: Sequence[str],
    references: Sequence[str],
    hits: Sequence[list[str]],
    plain: Sequence[str],
    glossed: Sequence[str],
    damaged: int,
    time_ratio: float,
) -> None:
    with_hit = [i for i, found in enumerate(hits) if found]
    without = [i for i, found in enumerate(hits) if not found]
    kept_with, expected = terms_kept(glossed, hits)
    kept_without, _ = terms_kept(plain, hits)
    anywhere_with, _ = terms_kept(glossed, hits, whole_words=False)
    anywhere_without, _ = terms_kept(plain, hits, whole_words=False)
    unchanged = sum(plain[i] == glossed[i] for i in without)

    def chrf(outputs: Sequence[str], rows: Sequence[int]) -> str:
        picked = [outputs[i] for i in rows]
        return f"{sacrebleu.corpus_chrf(picked, [[references[i] for i in rows]]).score:.1f}"

    entries = ", ".join(f"{s}→{t}" for s, t in list(glossary.items())[:12])
    lines = [
        f"glossary: {len(glossary)} entries ({entries}, ...)",
        f"test sentences: {len(texts)}; with a glossary hit: {len(with_hit)}; "
        f"term occurrences: {expected}",
        "",
        "| | without glossary | with glossary |",
        "|---|---|---|",
        f"| target term in the output (whole word) | {kept_without}/{expected} "
        f"({100 * kept_without / expected:.1f}%) | {kept_with}/{expected} "
        f"({100 * kept_with / expected:.1f}%) |",
        f"| target term in the output (anywhere) | {anywhere_without}/{expected} "
        f"({100 * anywhere_without / expected:.1f}%) | {anywhere_with}/{expected} "
        f"({100 * anywhere_with / expected:.1f}%) |",
        f"| chrF, sentences with a hit | {chrf(plain, with_hit)} | {chrf(glossed, with_hit)} |",
        f"| chrF, all sentences | {chrf(plain, range(len(texts)))} "
        f"| {chrf(glossed, range(len(texts)))} |",
        "",
        f"sentences with a hit where the student left out a target term it was shown "
        f"(placeholder fallback): {damaged}/{len(with_hit)}",
        f"sentences without a hit, output unchanged: {unchanged}/{len(without)}",
        f"time with glossary / without: {time_ratio:.2f}",
    ]
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
