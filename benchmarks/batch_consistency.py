"""Does a sentence's translation depend on the other sentences of its batch? One run.

Usage::

    python -m benchmarks.batch_consistency --bundle service/bundles/en-de \\
        --sources ../shared/data/multi30k/test_2016_flickr.en.gz \\
        --sources ../shared/data/newstest2021-en-de/newstest2021.en.gz --count 300

Each source set's first `count` sentences are translated alone (one call each), then in random
batches of 8 and 32, then in length-sorted batches, with the bundle's int8 and with float32;
prints how many translations differ from the one-at-a-time translation, and how many of the
differing sentences the routing checks flag as low confidence. Figures: docs/service.md.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

from bundle import open_verified
from model_build.normal_range import read_text_lines
from service.engine.translator import BundleTranslator
from service.routing import check_sentence
from service.settings import ServiceSettings


def translate_in_batches(
    translator: BundleTranslator, tokens: list[list[str]], order: list[int], size: int
) -> list[str]:
    out = [""] * len(tokens)
    for start in range(0, len(order), size):
        chosen = order[start : start + size]
        results = translator.translate_tokens([tokens[index] for index in chosen])
        for index, result in zip(chosen, results, strict=True):
            out[index] = result.text
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bundle", type=Path, required=True)
    parser.add_argument("--sources", type=Path, action="append", required=True)
    parser.add_argument("--count", type=int, default=300)
    args = parser.parse_args(argv)
    manifest = open_verified(args.bundle)
    lines = ["| set | compute | batches | differ | of which flagged |", "|---|---|---|---|---|"]
    for compute in ("default", "float32"):
        settings = ServiceSettings(inter_threads=1, compute_type=compute)
        translator = BundleTranslator(args.bundle, manifest, settings)
        for path in args.sources:
            sources = [line for line in read_text_lines(path) if line.strip()][: args.count]
            tokens = [translator.tokenize(s)[: translator.max_input_tokens] for s in sources]
            alone = [translator.translate_tokens([t])[0] for t in tokens]
            flagged = [
                check_sentence(s, len(t), a, manifest.normal_range).low
                for s, t, a in zip(sources, tokens, alone, strict=True)
            ]
            shuffled = list(range(len(tokens)))
            random.Random(0).shuffle(shuffled)
            by_length = sorted(range(len(tokens)), key=lambda index: len(tokens[index]))
            for label, order in (("random", shuffled), ("length-sorted", by_length)):
                for size in (8, 32):
                    batched = translate_in_batches(translator, tokens, order, size)
                    differ = [i for i, a in enumerate(alone) if a.text != batched[i]]
                    lines.append(
                        f"| {path.name} | {compute} | {label} {size} | {len(differ)}/{len(tokens)}"
                        f" | {sum(flagged[i] for i in differ)} |"
                    )
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
