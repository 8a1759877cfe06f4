"""A teacher already converted to CTranslate2, and the codecs that tokenize for it.

A CTranslate2 teacher folder holds `model.bin` with `source.spm` and `target.spm` beside it (or
is a bundle: `bundle.json`, `model/`, the two SentencePiece models). Multilingual models take
`source_prefix`/`target_prefix` tokens from the config (e.g. `target_prefix: ["__de__"]`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar, Protocol

from bundle import decoding_length
from model_build.config import TeacherConfig
from model_build.teachers.base import Teacher
from model_build.teachers.language_codes import is_language_token

SPECIALS = {"<s>", "</s>", "<unk>", "<pad>", "<mask>", "<blank>"}
# SentencePiece files beside model.bin: ours, or a hub checkpoint's copied by
# `ct2-transformers-converter --copy_files` (one joint model for NLLB, M2M100, mBART, T5).
SPM_LAYOUTS = (
    ("source.spm", "target.spm"),
    ("sentencepiece.bpe.model", "sentencepiece.bpe.model"),
    ("spiece.model", "spiece.model"),
)


def spm_files(folder: Path) -> tuple[Path, Path] | None:
    """The source and target SentencePiece models of a CTranslate2 teacher folder."""
    for source, target in SPM_LAYOUTS:
        if (folder / source).is_file() and (folder / target).is_file():
            return folder / source, folder / target
    return None


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
        text: str = self.target.decode([t for t in tokens if self.is_text(t)])
        return text

    def is_text(self, token: str) -> bool:
        """False for what a multilingual model adds to its pieces: `deu_Latn`, `<s>`, ...

        A converted NLLB or M2M100 teacher emits its language token first when no
        `target_prefix` forces it; SentencePiece would write it into the text verbatim.
        """
        index = self.target.piece_to_id(token)
        if index == self.target.unk_id() or self.target.is_control(index):
            return False
        return not is_language_token(token)


def model_vocabulary(model_dir: Path, side: str) -> set[str]:
    """The tokens of a CTranslate2 model's `side` ("source"/"target") vocabulary."""
    for name in (f"{side}_vocabulary", "shared_vocabulary"):
        if (model_dir / f"{name}.json").is_file():
            return set(json.loads((model_dir / f"{name}.json").read_text(encoding="utf-8")))
        if (model_dir / f"{name}.txt").is_file():
            return set((model_dir / f"{name}.txt").read_text(encoding="utf-8").splitlines())
    return set()


def prefix_problems(folder: Path, config: TeacherConfig, spms: tuple[Path, Path]) -> list[str]:
    """Prefix tokens that are not language tokens of the model (garbage when forced)."""
    import sentencepiece as spm

    problems = []
    for side, prefix in (("source", config.source_prefix), ("target", config.target_prefix)):
        vocabulary = model_vocabulary(folder, side)
        model_file = spms[0] if side == "source" else spms[1]
        pieces = spm.SentencePieceProcessor(model_file=str(model_file))
        ordinary = {pieces.id_to_piece(i) for i in range(pieces.get_piece_size())}
        codes = {t for t in vocabulary if is_language_token(t) or t not in ordinary} - SPECIALS
        for token in prefix:
            if token not in codes:
                problems.append(
                    f"teacher.{side}_prefix: {token!r} is not a language token of {folder} "
                    f"(its vocabulary has {_some(codes)})"
                )
    return problems


def _some(tokens: set[str], count: int = 8) -> str:
    if not tokens:
        return "none: it is not a multilingual model"
    more = f", ... {len(tokens)} in all" if len(tokens) > count else ""
    return ", ".join(sorted(tokens)[:count]) + more


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
        ids = self.tokenizer.convert_tokens_to_ids([t for t in tokens if not is_language_token(t)])
        text: str = self.tokenizer.decode(ids, skip_special_tokens=True)
        return text.strip()


def spm_codec_for(folder: Path, config: TeacherConfig | None = None) -> tuple[Path, SpmCodec]:
    """The CTranslate2 model folder and tokenizer of a plain CT2 folder or a bundle."""
    source_prefix = list(config.source_prefix) if config else []
    target_prefix = list(config.target_prefix) if config else []
    model_dir = folder
    source_spm, target_spm = spm_files(folder) or (folder / "source.spm", folder / "target.spm")
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
    length_ratio: float | None = None
    """Bound each call's output as the service does (`bundle.decoding_length`); None: the
    model's positions, as distillation decodes."""

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
        length_ratio: float | None = None,
    ) -> CTranslate2Teacher:
        """A CTranslate2 model with an explicit codec (bypasses the config's folder)."""
        teacher = cls.__new__(cls)
        Teacher.__init__(teacher, config, "", "", beam_size, max_length, threads)
        teacher._open(model_dir, codec, compute_type, threads)
        teacher.length_ratio = length_ratio
        return teacher

    def _open(self, model_dir: Path, codec: Codec, compute_type: str, threads: int = 0) -> None:
        import ctranslate2

        device = (
            "cuda" if self.config.device != "cpu" and ctranslate2.get_cuda_device_count() else "cpu"
        )
        self.codec = codec
        self.max_length = max_decoding_length(model_dir, self.max_length)
        self.replicas = cpu_replicas(threads) if device == "cpu" else 1
        # A student converted with a shortlist decodes as the service serves it.
        self.use_vmap = (model_dir / "vmap.txt").is_file()
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
        spms = spm_files(folder)
        missing = [] if (folder / "model.bin").is_file() else ["model.bin"]
        if spms is None:
            missing.append("source.spm and target.spm (or the checkpoint's SentencePiece model)")
        if missing or spms is None:
            return [f"CTranslate2 teacher folder {folder} has no {name}" for name in missing]
        return prefix_problems(folder, config, spms)

    @property
    def batch_sentences(self) -> int:
        return SUB_BATCH_SENTENCES * self.replicas

    def translate(self, batch: list[str]) -> list[str]:
        prefix = self.codec.target_prefix
        tokens = [self.codec.encode(text) for text in batch]
        limit = self.max_length
        if self.length_ratio is not None and tokens:
            longest = max(len(sentence) for sentence in tokens)
            limit = decoding_length(self.length_ratio, longest, self.max_length)
        results = self.translator.translate_batch(
            tokens,
            target_prefix=[list(prefix) for _ in batch] if prefix else None,
            beam_size=self.beam_size,
            max_decoding_length=limit,
            max_batch_size=SUB_BATCH_SENTENCES if self.replicas > 1 else 0,
            use_vmap=self.use_vmap,
        )
        texts = []
        for result in results:
            tokens = result.hypotheses[0][len(prefix) :]
            self.output_tokens += len(tokens)
            texts.append(self.codec.decode(tokens))
        return texts

    def close(self) -> None:
        del self.translator


def max_decoding_length(model_dir: Path, wanted: int = 256) -> int:
    """`wanted`, or less when the model's decoder has fewer positions (its last one is EOS's)."""
    positions = decoder_positions(model_dir)
    return wanted if positions is None else min(wanted, positions - 1)


def decoder_positions(model_dir: Path) -> int | None:
    """Target positions a CTranslate2 model has encodings for (None: unbounded, e.g. T5).

    Read from `model.bin`'s variable headers (the data is skipped), so every decoding bound
    comes from the model itself rather than from a number that may not match it.
    """
    import struct

    with (model_dir / "model.bin").open("rb") as stream:

        def read(fmt: str) -> Any:
            return struct.unpack(fmt, stream.read(struct.calcsize(fmt)))[0]

        def string() -> str:
            return stream.read(read("H"))[:-1].decode("utf-8")

        read("I")  # binary version
        string()  # spec name
        read("I")  # spec revision
        for _ in range(read("I")):
            name = string()
            shape = [read("I") for _ in range(read("B"))]
            read("B")  # dtype
            stream.seek(read("I"), os.SEEK_CUR)
            if name.startswith("decoder/") and name.endswith("position_encodings/encodings"):
                return int(shape[0])
    return None
