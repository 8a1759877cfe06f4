"""A teacher already converted to CTranslate2, and the codecs that tokenize for it.

A CTranslate2 teacher folder holds `model.bin` with `source.spm` and `target.spm` beside it (or
is a bundle: `bundle.json`, `model/`, the two SentencePiece models). Multilingual models take
`source_prefix`/`target_prefix` tokens from the config (e.g. `target_prefix: ["__de__"]`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar, Protocol

from model_build.config import TeacherConfig
from model_build.teachers.base import Teacher

# On CPU a call is cut into sub-batches of this many sentences that the replicas translate
# in parallel (16 was the fastest of 16/32/64 for both the tiny student and a 6+6 teacher).
SUB_BATCH_SENTENCES = 16


def cpu_replicas(threads: int) -> int:
    """One single-threaded CTranslate2 replica per core.

    On a 2-vCPU node, one replica with 2 intra-op (OpenMP) threads ran 3x slower than one
    with 1 thread (its small matrices pay the thread synchronisation), while 2 replicas of 1
    thread each ran 1.7x faster again (benchmarks/ctranslate2_layout.py): parallel batches,
    not parallel matrix products.
    """
    return threads or os.cpu_count() or 1


class Codec(Protocol):
    target_prefix: list[str]

    def encode(self, text: str) -> list[str]: ...

    def decode(self, tokens: list[str]) -> str: ...


class SpmCodec:
    """Tokenize exactly as the service does: pieces + `</s>`, after the source prefix."""

    def __init__(
        self,
        source_spm: Path,
        target_spm: Path,
        source_prefix: list[str] | None = None,
        target_prefix: list[str] | None = None,
    ) -> None:
        import sentencepiece as spm

        self.source = spm.SentencePieceProcessor(model_file=str(source_spm))
        self.target = spm.SentencePieceProcessor(model_file=str(target_spm))
        self.source_prefix = source_prefix or []
        self.target_prefix = target_prefix or []

    def encode(self, text: str) -> list[str]:
        pieces: list[str] = self.source.encode(text, out_type=str)
        return [*self.source_prefix, *pieces, "</s>"]

    def decode(self, tokens: list[str]) -> str:
        text: str = self.target.decode(tokens)
        return text


class HFCodec:
    """Tokenize with a transformers tokenizer (a teacher converted from a hub checkpoint)."""

    def __init__(
        self, tokenizer: Any, source_text: Callable[[str], str], target_prefix: list[str]
    ) -> None:
        self.tokenizer = tokenizer
        self.source_text = source_text
        self.target_prefix = target_prefix

    def encode(self, text: str) -> list[str]:
        ids = self.tokenizer(self.source_text(text)).input_ids
        tokens: list[str] = self.tokenizer.convert_ids_to_tokens(ids)
        return tokens

    def decode(self, tokens: list[str]) -> str:
        ids = self.tokenizer.convert_tokens_to_ids(tokens)
        text: str = self.tokenizer.decode(ids, skip_special_tokens=True)
        return text.strip()


def spm_codec_for(folder: Path, config: TeacherConfig | None = None) -> tuple[Path, SpmCodec]:
    """The CTranslate2 model folder and tokenizer of a plain CT2 folder or a bundle."""
    source_prefix = list(config.source_prefix) if config else []
    target_prefix = list(config.target_prefix) if config else []
    model_dir, source_spm, target_spm = folder, folder / "source.spm", folder / "target.spm"
    if (folder / "bundle.json").is_file():
        from bundle import read_manifest

        manifest = read_manifest(folder)
        model_dir = folder / manifest.model.path
        source_spm = folder / manifest.tokenizer.source_spm
        target_spm = folder / manifest.tokenizer.target_spm
        source_prefix = source_prefix or list(manifest.tokenizer.source_prefix)
        target_prefix = target_prefix or list(manifest.tokenizer.target_prefix)
    return model_dir, SpmCodec(source_spm, target_spm, source_prefix, target_prefix)


class CTranslate2Teacher(Teacher):
    family: ClassVar[str] = "ctranslate2"

    def __init__(self, config: TeacherConfig, *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)
        model_dir, codec = spm_codec_for(Path(config.model), config)
        self._open(model_dir, codec, config.compute_type, self.threads)

    @classmethod
    def from_folder(
        cls,
        config: TeacherConfig,
        model_dir: Path,
        codec: Codec,
        beam_size: int,
        max_length: int,
        compute_type: str = "default",
        threads: int = 0,
    ) -> CTranslate2Teacher:
        """A CTranslate2 model with an explicit codec (bypasses the config's folder)."""
        teacher = cls.__new__(cls)
        Teacher.__init__(teacher, config, "", "", beam_size, max_length, threads)
        teacher._open(model_dir, codec, compute_type, threads)
        return teacher

    def _open(self, model_dir: Path, codec: Codec, compute_type: str, threads: int = 0) -> None:
        import ctranslate2

        device = (
            "cuda" if self.config.device != "cpu" and ctranslate2.get_cuda_device_count() else "cpu"
        )
        self.codec = codec
        self.replicas = cpu_replicas(threads) if device == "cpu" else 1
        self.translator = ctranslate2.Translator(
            str(model_dir),
            device=device,
            compute_type=compute_type,
            inter_threads=self.replicas,
            intra_threads=1 if device == "cpu" else threads,
        )

    @classmethod
    def check(
        cls, config: TeacherConfig, source_lang: str, target_lang: str, check_endpoint: bool
    ) -> list[str]:
        folder = Path(config.model)
        if (folder / "bundle.json").is_file():
            return []
        return [
            f"CTranslate2 teacher folder {folder} has no {name}"
            for name in ("model.bin", "source.spm", "target.spm")
            if not (folder / name).is_file()
        ]

    @property
    def batch_sentences(self) -> int:
        return SUB_BATCH_SENTENCES * self.replicas

    def translate(self, batch: list[str]) -> list[str]:
        prefix = self.codec.target_prefix
        results = self.translator.translate_batch(
            [self.codec.encode(text) for text in batch],
            target_prefix=[list(prefix) for _ in batch] if prefix else None,
            beam_size=self.beam_size,
            max_decoding_length=self.max_length,
            max_batch_size=SUB_BATCH_SENTENCES if self.replicas > 1 else 0,
        )
        texts = []
        for result in results:
            tokens = result.hypotheses[0][len(prefix) :]
            self.output_tokens += len(tokens)
            texts.append(self.codec.decode(tokens))
        return texts

    def close(self) -> None:
        del self.translator
