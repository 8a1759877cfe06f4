"""A Hugging Face teacher checkpoint as a `family: ctranslate2` teacher folder.

Usage: `python -m model_build.teachers.conversion CHECKPOINT OUT [--quantization int8]`.

`ct2-transformers-converter` fails on M2M100 checkpoints under transformers 5 ("Source
vocabulary 0 has size 169 but the model expected 269": the `__xx__` language tokens are no
longer in `get_vocab()`). This runs the same fix-up as the build's own conversion
(`huggingface.convert_checkpoint`) and puts the checkpoint's SentencePiece model beside
`model.bin` as `source.spm`/`target.spm`, which is what a CTranslate2 teacher folder needs.
"""

from __future__ import annotations

import argparse
import logging
import shutil
from pathlib import Path

from model_build.config import TeacherConfig
from model_build.teachers.ctranslate2 import SPM_LAYOUTS

log = logging.getLogger(__name__)


def convert_teacher(checkpoint: Path, out: Path, quantization: str = "int8") -> Path:
    """Convert `checkpoint` into `out` (model.bin, vocabulary, source.spm, target.spm)."""
    from model_build.teachers.huggingface import convert_checkpoint

    layout = next((names for names in SPM_LAYOUTS if (checkpoint / names[0]).is_file()), None)
    if layout is None:
        raise FileNotFoundError(f"{checkpoint} has no SentencePiece model ({SPM_LAYOUTS})")
    config = TeacherConfig(family="ctranslate2", model=str(checkpoint))
    convert_checkpoint(config, out, quantization)
    shutil.copy(checkpoint / layout[0], out / "source.spm")
    shutil.copy(checkpoint / layout[1], out / "target.spm")
    log.info("converted %s to %s (%s)", checkpoint, out, quantization)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--quantization", default="int8")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    convert_teacher(args.checkpoint, args.out, args.quantization)


if __name__ == "__main__":
    main()
