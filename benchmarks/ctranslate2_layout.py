"""How a bundle's model runs on this CPU: thread layout, batch size and beam, one run.

Usage::

    python -m benchmarks.ctranslate2_layout --bundle service/bundles/en-de \\
        --sources val.en --references val.de

Prints the figures behind the service's defaults (``MT_INTER_THREADS``, ``MT_INTRA_THREADS``,
``MT_BATCH_MAX_TOKENS``) and the bundle's beam: sentences/s of the service's own
``BundleTranslator`` (raw ``translate_batch``, batches split evenly over the replicas as the
dispatcher's workers do), and BLEU by beam size when references are given.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from benchmarks.service_bench import raw_throughput
from bundle import open_verified
from service.engine.translator import BundleTranslator
from service.settings import ServiceSettings


def translator(bundle: Path, replicas: int, threads: int, beam: int = 4) -> BundleTranslator:
    settings = ServiceSettings(inter_threads=replicas, intra_threads=threads, beam_size=beam)
    return BundleTranslator(bundle, open_verified(bundle), settings)


def table(title: str, header: str, rows: list[str]) -> list[str]:
    columns = header.count("|") - 1
    return [f"## {title}", "", header, "|---" * columns + "|", *rows, ""]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bundle", type=Path, required=True)
    parser.add_argument("--sources", type=Path, required=True, help="one sentence per line")
    parser.add_argument("--references", type=Path, help="the sources' references, for BLEU")
    parser.add_argument("--count", type=int, default=400, help="sentences for the speed tables")
    args = parser.parse_args(argv)
    sources = args.sources.read_text(encoding="utf-8").splitlines()
    sample = sources[: args.count]

    layout = []
    for replicas, threads in ((1, 2), (1, 1), (2, 1)):
        model = translator(args.bundle, replicas, threads)
        speed = raw_throughput(model, sample, 16 * replicas, replicas)
        layout.append(f"| {replicas} x {threads} | {speed:.0f} |")
    single = translator(args.bundle, 1, 1)
    batches = [
        f"| {batch} | {raw_throughput(single, sample, batch, 1):.0f} |"
        for batch in (1, 4, 8, 16, 32)
    ]
    out = table("thread layout (beam 4, 16 sentences per replica and call)",
                "| replicas x threads | sentences/s |", layout)  # fmt: skip
    out += table("batch size (1 replica, 1 thread, beam 4)", "| batch | sentences/s |", batches)
    if args.references:
        import sacrebleu

        refs = args.references.read_text(encoding="utf-8").splitlines()[: len(sources)]
        beams = []
        for beam in (1, 2, 4):
            served = translator(args.bundle, 2, 1, beam)
            hyps = [t.text for i in range(0, len(sources), 32)
                    for t in served.translate(sources[i : i + 32])]  # fmt: skip
            speed = raw_throughput(served, sample, 32, 2)
            bleu = sacrebleu.corpus_bleu(hyps, [refs]).score
            beams.append(f"| {beam} | {bleu:.2f} | {speed:.0f} |")
        out += table("beam (2 replicas x 1 thread, BLEU on all sources)",
                     "| beam | BLEU | sentences/s |", beams)  # fmt: skip
    sys.stdout.write("\n".join(out))


if __name__ == "__main__":
    main()
