"""Does the student keep placeholders and inline tags inside the sentence? One run, side by side.

Usage::

    python -m benchmarks.placeholders --bundle service/bundles/en-de --bundle OTHER_BUNDLE \\
        --sources ../shared/data/multi30k/val.en.gz --references ../shared/data/multi30k/val.de.gz

Puts 1 to 3 synthetic placeholders into every source sentence (seeded): ``<b>`` and ``<a href>``
around one to three words, ``{name}``, ``%d`` or ``<br/>`` before a word, ``{count}`` in place of
one, a URL at the end (before the full stop). The kinds and spans differ from the build's
augmentation (model_build/placeholders.py), which puts single sentinels around, before or in place
of one aligned word. Each bundle translates them through the service's own text preparation and
translator, and the run prints, per bundle:

- intact: sentences whose translation came back with every sentinel exactly once, so the whole
  sentence was translated as one (no fallback to the pieces between the placeholders);
- tags in order: translations that keep every opening tag before its closing tag (a fallback
  always does; a whole-sentence translation may swap them);
- BLEU of the plain sentences (no placeholders) and of the placeholder sentences with the
  placeholders taken out again, against the references.

Figures: docs/build.md ("Placeholders and inline tags").
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from collections.abc import Sequence
from pathlib import Path

import sacrebleu

from benchmarks.glossary import translate_all
from bundle import open_verified
from model_build.normal_range import read_text_lines
from service.engine.translator import BundleTranslator
from service.settings import ServiceSettings

_URL = "https://example.com/help"
_PLACEHOLDER = re.compile(r"</?[ab](?: [^>]*)?>|<br/>|\{\w+\}|%d|https://example\.com/help")
_SPAN_TAGS = (("<b>", "</b>"), (f'<a href="{_URL}">', "</a>"))


def synthetic(sentence: str, rng: random.Random) -> str:
    """`sentence` with 1 to 3 placeholders, none inside a word, spans not overlapping, each where
    the service shows it to the model (a URL goes before the full stop: after it, the service
    would cut it off as a sentence of its own)."""
    words = sentence.split()
    before = [""] * len(words)
    after = [""] * len(words)
    free = list(range(len(words)))
    url = False
    for _ in range(rng.choice((1, 1, 2, 2, 3))):
        kind = rng.choice(("bold", "link", "name", "number", "count", "break", "url"))
        if kind == "url" or not free:
            url = True
            continue
        start = rng.choice(free)
        if kind in ("bold", "link"):
            length = rng.randint(1, 3 if kind == "link" else 2)
            span = [i for i in range(start, min(start + length, len(words))) if i in free]
            span = span[: next((n for n, i in enumerate(span) if i != start + n), len(span))]
            opening, closing = _SPAN_TAGS[kind == "link"]
            before[span[0]] += opening
            after[span[-1]] = closing + after[span[-1]]
            free = [i for i in free if i not in span]
        elif kind == "count":
            words[start] = _trailing(words[start], "{count}")
            free.remove(start)
        else:
            before[start] += {"name": "{name} ", "number": "%d ", "break": "<br/>"}[kind]
            free.remove(start)
    if url:
        after[-1] += " " + _URL
    return " ".join(_wrapped(b, w, a) for b, w, a in zip(before, words, after, strict=True))


def _split_end(word: str) -> tuple[str, str]:
    """`word` and its trailing punctuation (``dog.`` → ``dog``, ``.``)."""
    core = word.rstrip(".,;:!?")
    return core, word[len(core) :]


def _trailing(word: str, replacement: str) -> str:
    """`word` replaced, its trailing punctuation kept (``dog.`` → ``{count}.``)."""
    return replacement + _split_end(word)[1]


def _wrapped(before: str, word: str, after: str) -> str:
    core, end = _split_end(word)
    return before + core + after + end


def without_placeholders(text: str) -> str:
    return " ".join(_PLACEHOLDER.sub(" ", text).split())


def tags_in_order(text: str) -> bool:
    """Every ``<b>``/``<a>`` opened before it is closed, as often as it is closed."""
    for name in ("b", "a"):
        depth = 0
        for tag in re.findall(rf"</?{name}(?=[ >])", text):
            depth += -1 if tag.startswith("</") else 1
            if depth < 0:
                return False
        if depth:
            return False
    return True


def measure(
    bundle: Path, plain: Sequence[str], marked: Sequence[str], references: Sequence[str]
) -> dict[str, float]:
    translator = BundleTranslator(bundle, open_verified(bundle), ServiceSettings())
    plain_out, _ = translate_all(translator, plain, None)
    marked_out, fallbacks = translate_all(translator, marked, None)
    return {
        "intact": 100 * (len(marked) - fallbacks) / len(marked),
        "tags_in_order": 100 * sum(map(tags_in_order, marked_out)) / len(marked),
        "plain_bleu": sacrebleu.corpus_bleu(plain_out, [list(references)]).score,
        "marked_bleu": sacrebleu.corpus_bleu(
            [without_placeholders(out) for out in marked_out], [list(references)]
        ).score,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bundle", type=Path, action="append", required=True)
    parser.add_argument("--sources", type=Path, required=True)
    parser.add_argument("--references", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    plain = read_text_lines(args.sources)
    references = read_text_lines(args.references)
    rng = random.Random(args.seed)
    marked = [synthetic(sentence, rng) for sentence in plain]
    lines = [
        f"{len(marked)} sentences, {sum(len(_PLACEHOLDER.findall(m)) for m in marked)} "
        f"placeholders; e.g. {marked[0]!r}",
        "",
        "| bundle | intact (no fallback) | tags in order | BLEU plain | BLEU with placeholders |",
        "|---|---|---|---|---|",
    ]
    for bundle in args.bundle:
        m = measure(bundle, plain, marked, references)
        lines.append(
            f"| {bundle} | {m['intact']:.1f}% | {m['tags_in_order']:.1f}% | "
            f"{m['plain_bleu']:.2f} | {m['marked_bleu']:.2f} |"
        )
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
