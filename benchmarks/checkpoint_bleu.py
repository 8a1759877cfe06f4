"""A trained student's BLEU and chrF, as the evaluate step scores it, in minutes.

Usage::

    python -m benchmarks.checkpoint_bleu work/multi30k-en-de [work/other ...]

Converts each work folder's `train/model` to CTranslate2 int8 with the full vocabulary (no
shortlist: the shipped student's figures were measured so) and translates the folder's own
prepared sets (every `prepare/test/*.src`, then dev) with beam 4 and 2 threads, as the evaluate
step's student row does, without the rest of that step (teachers, speed, calibration). For
comparing students side by side, e.g. a rebuild against the shipped figures (docs/build.md,
"Reproducing the build on another machine").
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import sacrebleu

from model_build.steps.evaluate import load_student, translate_all
from model_build.workdir import read_lines


def prepared_sets(work: Path) -> dict[str, tuple[Path, Path]]:
    """name -> (sources, references): the test sets, then dev."""
    folder = work / "prepare"
    sets = {
        path.stem: (path, path.with_suffix(".ref")) for path in sorted(folder.glob("test/*.src"))
    }
    sets["dev"] = (folder / "dev.src", folder / "dev.ref")
    return sets


def scores(work: Path, beam: int = 4, threads: int = 2) -> list[tuple[str, float, float]]:
    """(set, BLEU, chrF) of `work`'s student, int8, on each prepared set."""
    from ctranslate2.converters import TransformersConverter

    checkpoint = work / "train" / "model"
    with tempfile.TemporaryDirectory() as folder:
        model = Path(folder) / "model"
        TransformersConverter(str(checkpoint)).convert(str(model), quantization="int8")
        student = load_student(model, checkpoint, beam, threads)
        rows = []
        for name, (source_file, reference_file) in prepared_sets(work).items():
            references = read_lines(reference_file)
            hyps = translate_all(student, read_lines(source_file), name)
            bleu = sacrebleu.corpus_bleu(hyps, [references]).score
            rows.append((name, bleu, sacrebleu.corpus_chrf(hyps, [references]).score))
        student.close()
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("work", type=Path, nargs="+", help="work folders with train/model")
    parser.add_argument("--beam", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    lines = ["| student | set | BLEU | chrF |", "|---|---|---|---|"]
    for work in args.work:
        for name, bleu, chrf in scores(work, args.beam, args.threads):
            lines.append(f"| {work} | {name} | {bleu:.2f} | {chrf:.2f} |")
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
