"""Seconds per training step of a build's student, fp32 against bf16 autocast, side by side.

Usage::

    python -m benchmarks.train_precision model_build/configs/multi30k-en-de.yaml \\
        [--steps 12] [--rounds 3] [--isa native --isa avx2] [--set student.decoder_layers=1]

The train step's own update (`model_build.steps.train.training_step`, its optimizer, the config's
student, threads and token budget) on real batches: the config's work folder must hold the
vocab step and the training pairs (a build run up to `vocab`). Each measurement runs in a fresh
process, precisions interleaved round by round; ``--isa avx2`` runs one with oneDNN and ATen
kept to AVX2, as on a CPU without AVX-512 and AMX. ``--set`` overrides the config as
``model-build --set`` does (another student shape on the same data). The reference build pins
fp32 so that every CPU trains the same model; this measures what that costs where bf16 would be
fast (docs/build.md, "The reference build").
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

_ISA_ENV = {"native": {}, "avx2": {"ONEDNN_MAX_CPU_ISA": "AVX2", "ATEN_CPU_CAPABILITY": "avx2"}}
_SAMPLE_PAIRS = 20_000


def seconds_per_step(
    config_path: Path, sets: list[str], precision: str, steps: int, warmup: int = 2
) -> float:
    """Mean wall time of `steps` updates after `warmup`, in this process."""
    import torch
    from transformers import MarianMTModel

    from model_build.config import load_config, parse_overrides
    from model_build.precision import autocast_dtype
    from model_build.steps import train as train_step
    from model_build.steps.vocab import student_pairs
    from model_build.workdir import WorkDir

    config = load_config(config_path, {**parse_overrides(sets), "train.precision": precision})
    work = WorkDir(config.work_path)
    vocab_dir, _ = work.require("vocab")
    torch.set_num_threads(config.train.threads or torch.get_num_threads())
    torch.manual_seed(config.train.seed)
    vocab = train_step.Vocabulary(vocab_dir)
    sources, targets = student_pairs(config, work)
    rng = random.Random(config.train.seed)
    picked = rng.sample(range(len(sources)), min(_SAMPLE_PAIRS, len(sources)))
    limit = config.student.max_positions - 1
    src = [vocab.encode(sources[i], limit=limit) for i in picked]
    tgt = [vocab.encode(targets[i], target=True, limit=limit) for i in picked]
    lengths = [max(len(s), len(t)) for s, t in zip(src, tgt, strict=True)]
    batches = train_step.make_batches(lengths, config.train.batch_tokens, rng)[: warmup + steps]

    model = MarianMTModel(train_step.student_config(config, len(vocab.ids), vocab.pad)).train()
    optimizer = train_step.optimizer_for(model, config.train)
    dtype = autocast_dtype(config.train, "cpu")
    started = 0.0
    for done, batch in enumerate(batches):
        if done == warmup:
            started = time.perf_counter()
        inputs = train_step.pad_rows([src[i] for i in batch], vocab.pad, "cpu")
        labels = train_step.pad_rows([tgt[i] for i in batch], -100, "cpu")
        train_step.training_step(model, optimizer, inputs, labels, vocab.pad, config.train, dtype)
    return (time.perf_counter() - started) / max(len(batches) - warmup, 1)


def measure_in_child(config: Path, sets: list[str], precision: str, isa: str, steps: int) -> float:
    """`seconds_per_step` in a fresh interpreter with `isa`'s environment."""
    command = [sys.executable, "-m", "benchmarks.train_precision", str(config), "--child",
               precision, "--steps", str(steps)]  # fmt: skip
    command += [f"--set={pair}" for pair in sets]
    env = {**os.environ, **_ISA_ENV[isa]}
    done = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    return float(json.loads(done.stdout.strip().splitlines()[-1])["seconds_per_step"])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("config", type=Path)
    parser.add_argument("--steps", type=int, default=12, help="timed updates per measurement")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--isa", action="append", choices=sorted(_ISA_ENV))
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="override a config value, as model-build --set")  # fmt: skip
    parser.add_argument("--child", choices=("fp32", "bf16"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        seconds = seconds_per_step(args.config, args.set, args.child, args.steps)
        sys.stdout.write(json.dumps({"seconds_per_step": seconds}) + "\n")
        return

    runs = [(isa, precision) for isa in args.isa or ["native"] for precision in ("fp32", "bf16")]
    times: dict[tuple[str, str], list[float]] = {run: [] for run in runs}
    for round_number in range(1, args.rounds + 1):
        for isa, precision in runs:
            seconds = measure_in_child(args.config, args.set, precision, isa, args.steps)
            times[(isa, precision)].append(seconds)
            sys.stderr.write(f"round {round_number}: {isa} {precision} {seconds:.3f} s/step\n")
    out = sys.stdout
    out.write("| ISA | fp32 s/step | bf16 s/step | bf16 speed-up |\n|---|---|---|---|\n")
    for isa in args.isa or ["native"]:
        fp32 = statistics.median(times[(isa, "fp32")])
        bf16 = statistics.median(times[(isa, "bf16")])
        out.write(f"| {isa} | {fp32:.3f} | {bf16:.3f} | {fp32 / bf16:.2f}x |\n")
    out.write(f"\nmedian of {args.rounds} rounds, {args.steps} updates each\n")


if __name__ == "__main__":
    main()
