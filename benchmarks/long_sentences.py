"""What cutting long sentences at clause punctuation does to run-on input. One run.

Usage::

    python -m benchmarks.long_sentences --bundle service/bundles/en-de \\
        --sources ../shared/data/multi30k/val.en.gz --references ../shared/data/multi30k/val.de.gz

Joins random groups of 8 captions into one run-on sentence each (", " between them), translates
them through the service's own text preparation and translator with MT_LONG_SENTENCE_FACTOR
0 (cut only at the model's limit) and 1.0, 1.5, 2.0, and prints chrF against the captions'
joined references and the mean output length. Figures: README (MT_LONG_SENTENCE_FACTOR).
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import sacrebleu

from bundle import open_verified
from model_build.normal_range import read_text_lines
from service.engine.translator import BundleTranslator, long_input_tokens
from service.settings import ServiceSettings
from service.text import prepare_text


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bundle", type=Path, required=True)
    parser.add_argument("--sources", type=Path, required=True)
    parser.add_argument("--references", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=25)
    args = parser.parse_args(argv)
    manifest = open_verified(args.bundle)
    translator = BundleTranslator(args.bundle, manifest, ServiceSettings())
    sources = read_text_lines(args.sources)
    references = read_text_lines(args.references)
    rng = random.Random(2)
    groups = [rng.sample(range(len(sources)), 8) for _ in range(args.runs)]
    run_ons = [", ".join(sources[i].strip().rstrip(".") for i in g) + "." for g in groups]
    joined = [" ".join(references[i].strip() for i in g) for g in groups]

    def count(sentence: str) -> int:
        return len(translator.tokenize(sentence))

    lines = ["| factor | cut above tokens | chrF | mean output chars |", "|---|---|---|---|"]
    for factor in (0.0, 1.0, 1.5, 2.0):
        limit = long_input_tokens(manifest, factor)
        outputs = []
        for text in run_ons:
            prepared = prepare_text(text, "en", count, translator.max_input_tokens, limit)
            outputs.append(
                prepared.restore([t.text for t in translator.translate(prepared.sentences)])
            )
        chrf = sacrebleu.corpus_chrf(outputs, [joined]).score
        mean = sum(map(len, outputs)) // len(outputs)
        lines.append(f"| {factor} | {limit} | {chrf:.1f} | {mean} |")
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
