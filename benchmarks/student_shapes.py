"""What a student shape would cost to decode, measured before training it.

Usage::

    python -m benchmarks.student_shapes model_build/configs/multi30k-en-de.yaml \\
        --teacher work/teacher-en-de --shape 6/2/1536 --shape 6/1/1536 --shape 6/2/512 \\
        [--sentences 200] [--length 14] [--rounds 3]

A shape is ``encoder layers/decoder layers/decoder FFN[/d_model]`` (heads and the encoder's FFN
stay the config's). Each is built with random weights in the config's vocabulary, converted to
CTranslate2 int8 with the build's vocabulary map (when it has one) and timed on the first test
set's sentences, beam 4, in the layout the evaluate step and the service use (one single-threaded
replica per core, sub-batches of 16). Random weights write text of random length, so every system,
the trained student and the teacher bundle (a CTranslate2 folder from ``model-build`` or
``benchmarks.cascade``) included, decodes exactly ``--length`` tokens per sentence: the ratios
compare the work per decoding step, not the lengths the models choose. Rounds interleave the
systems; the median time per round is reported with its ratio against the teacher. With a map,
the trained student is also timed without it: what the output layer behind the map costs.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

log = logging.getLogger("benchmarks.student_shapes")


def parse_shape(text: str) -> dict[str, int]:
    """``6/2/1536`` or ``6/2/1536/192`` → config overrides (d_model last, when given)."""
    parts = [int(part) for part in text.split("/")]
    names = ("encoder_layers", "decoder_layers", "decoder_ffn_dim", "d_model")
    return dict(zip(names, parts, strict=False))


def build_shape(config_path: Path, shape: dict[str, int], out: Path) -> Path:
    """A randomly initialised student of `shape`, converted like the build converts its own."""
    import torch
    from ctranslate2.converters import TransformersConverter
    from transformers import MarianMTModel

    from model_build.config import load_config
    from model_build.steps import train as train_step
    from model_build.steps.convert import vocabulary_map_of
    from model_build.workdir import WorkDir

    sizes = {f"student.{key}": value for key, value in shape.items() if key != "decoder_ffn_dim"}
    config = load_config(config_path, sizes)
    work = WorkDir(config.work_path)
    vocab_dir, _ = work.require("vocab")
    vocab = train_step.Vocabulary(vocab_dir)
    student = train_step.student_config(config, len(vocab.ids), vocab.pad)
    student.decoder_ffn_dim = shape["decoder_ffn_dim"]
    torch.manual_seed(1)
    checkpoint = out / "checkpoint"
    train_step._save_model(MarianMTModel(student), vocab_dir, checkpoint)
    vmap = vocabulary_map_of(config, work)
    TransformersConverter(str(checkpoint)).convert(
        str(out / "model"), vmap=str(vmap) if vmap else None, quantization="int8", force=True
    )
    return out / "model"


class System:
    """One CTranslate2 model with its SentencePiece, translating a fixed number of steps."""

    def __init__(
        self, name: str, model: Path, spm: Path, threads: int, use_vmap: bool = True
    ) -> None:
        import ctranslate2
        import sentencepiece

        self.name = name
        self.use_vmap = use_vmap and (model / "vmap.txt").is_file()
        self.translator = ctranslate2.Translator(
            str(model), device="cpu", compute_type="int8", inter_threads=threads, intra_threads=1
        )
        self.spm = sentencepiece.SentencePieceProcessor(model_file=str(spm))
        self.times: list[float] = []

    def run(self, sentences: list[str], length: int) -> list[int]:
        """Times one pass; returns the number of tokens decoded for each sentence."""
        tokens = [[*self.spm.encode(text, out_type=str), "</s>"] for text in sentences]
        start = time.perf_counter()
        results = self.translator.translate_batch(
            tokens,
            beam_size=4,
            min_decoding_length=length,
            max_decoding_length=length,
            max_batch_size=16,
            use_vmap=self.use_vmap,
        )
        self.times.append(time.perf_counter() - start)
        return [len(result.hypotheses[0]) for result in results]


def spm_of(folder: Path) -> Path:
    """A bundle's source SentencePiece model, or a work folder's."""
    for candidate in (folder / "source.spm", folder.parent / "source.spm"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"no source.spm next to {folder}")


def measure(args: Any) -> list[dict[str, Any]]:
    from model_build.config import load_config
    from model_build.workdir import WorkDir

    config = load_config(args.config)
    work = WorkDir(config.work_path)
    prepared, _ = work.require("prepare")
    test = sorted((prepared / "test").glob("*.src"))[0]
    sentences = test.read_text(encoding="utf-8").splitlines()[: args.sentences]
    vocab_dir, _ = work.require("vocab")
    converted, _ = work.require("convert")
    teacher_model = args.teacher / "model"
    systems = [
        System("teacher (CTranslate2 int8)", teacher_model, spm_of(teacher_model), args.threads),
        System("trained student", converted / "model", vocab_dir / "source.spm", args.threads),
    ]
    if (converted / "model" / "vmap.txt").is_file():  # what the map saves, on the same steps
        full = System("trained, full output layer", converted / "model",
                      vocab_dir / "source.spm", args.threads, use_vmap=False)  # fmt: skip
        systems.append(full)
    with tempfile.TemporaryDirectory() as tmp:
        for text in args.shape:
            model = build_shape(args.config, parse_shape(text), Path(tmp) / text.replace("/", "-"))
            systems.append(System(f"random {text}", model, vocab_dir / "source.spm", args.threads))
        for system in systems:
            if set(system.run(sentences[:16], args.length)) != {args.length}:  # and warm-up
                raise SystemExit(f"{system.name} does not decode {args.length} tokens a sentence")
            system.times.clear()
        for round_ in range(args.rounds):
            for system in systems:
                system.run(sentences, args.length)
            log.info("round %d of %d done", round_ + 1, args.rounds)
    teacher_time = statistics.median(systems[0].times)
    return [
        {
            "system": system.name,
            "seconds": round(statistics.median(system.times), 3),
            "speed_up": round(teacher_time / statistics.median(system.times), 2),
        }
        for system in systems
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("config", type=Path)
    parser.add_argument("--teacher", type=Path, required=True, help="a teacher bundle folder")
    parser.add_argument("--shape", action="append", default=[], help="enc/dec/decoder FFN")
    parser.add_argument("--sentences", type=int, default=200)
    parser.add_argument("--length", type=int, default=14, help="tokens decoded per sentence")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2, help="replicas, one thread each")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    rows = measure(args)
    log.info("%-28s %9s %9s", "system", "seconds", "speed-up")
    for row in rows:
        log.info("%-28s %9.3f %8.2fx", row["system"], row["seconds"], row["speed_up"])


if __name__ == "__main__":
    main()
