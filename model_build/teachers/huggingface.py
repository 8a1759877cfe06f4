"""Hugging Face seq2seq teachers: Marian/OPUS-MT, M2M100, NLLB, mBART-50 and T5 with `<2xx>` tags.

Each family differs only in how the languages are named: a forced first target token (M2M100,
NLLB, mBART-50), a tag put before the source text (T5/MADLAD), or nothing (one-direction Marian).
A model is a hub id (with `revision`) or a local folder; it runs on GPU when one is present.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, ClassVar

from model_build.config import TeacherConfig
from model_build.teachers.base import Teacher
from model_build.teachers.hub import unreachable_hub_problem
from model_build.teachers.language_codes import language_codes, resolve, tokenizer_tokens

log = logging.getLogger(__name__)


def _device(choice: str) -> str:
    import torch

    if choice == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return choice


class HFSeq2SeqTeacher(Teacher):
    """A transformers seq2seq checkpoint run with `generate` (beam search), fp32 on CPU."""

    family: ClassVar[str] = "hf"

    def __init__(self, config: TeacherConfig, *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)
        import torch
        from transformers import AutoModelForSeq2SeqLM

        self.device = _device(config.device)
        if self.threads:
            torch.set_num_threads(self.threads)
        self.tokenizer = self.load_tokenizer(config)
        self.codes, problems = self.resolve_codes(
            config, self.tokenizer, self.source_lang, self.target_lang
        )
        if problems:
            raise ValueError("; ".join(problems))
        self._configure_tokenizer()
        self.skip_ids = self.special_ids()
        model = AutoModelForSeq2SeqLM.from_pretrained(config.model, revision=config.revision)
        dtype = torch.float16 if self.device == "cuda" else torch.float32
        self.model = model.to(self.device, dtype=dtype).eval()

    @staticmethod
    def load_tokenizer(config: TeacherConfig) -> Any:
        from transformers import AutoTokenizer

        return AutoTokenizer.from_pretrained(config.model, revision=config.revision)

    # Language handling, overridden per family -------------------------------------------
    @classmethod
    def coded_sides(cls, config: TeacherConfig, codes: set[str]) -> tuple[str, ...]:
        """Which sides ("source", "target") this family names with a language code."""
        return ()

    @classmethod
    def resolve_codes(
        cls, config: TeacherConfig, tokenizer: Any, source_lang: str, target_lang: str
    ) -> tuple[dict[str, str], list[str]]:
        """The tokenizer's own code per coded side, and what stops one being found."""
        codes = language_codes(cls.family, tokenizer_tokens(tokenizer))
        wanted = {"source": (source_lang, config.source_code),
                  "target": (target_lang, config.target_code)}  # fmt: skip
        found: dict[str, str] = {}
        problems: list[str] = []
        for side in cls.coded_sides(config, codes):
            lang, override = wanted[side]
            variable = f"teacher.{side}_code"
            result = resolve(cls.family, codes, lang, override, variable, config.model)
            if result.code is None:
                problems.append(str(result.problem))
            else:
                found[side] = result.code
        return found, problems

    def _configure_tokenizer(self) -> None:
        """Set what the tokenizer needs to know about the direction (source language)."""

    def source_text(self, text: str) -> str:
        return text

    def forced_bos(self) -> str | None:
        """The token forced as the first target token, if the family uses one."""
        return None

    def special_ids(self) -> set[int]:
        """Ids never part of a translation: special tokens and every language code."""
        codes = language_codes(self.family, tokenizer_tokens(self.tokenizer))
        ids = set(self.tokenizer.convert_tokens_to_ids(sorted(codes))) if codes else set()
        return ids | set(self.tokenizer.all_special_ids)

    # ------------------------------------------------------------------------------------
    @classmethod
    def check(
        cls, config: TeacherConfig, source_lang: str, target_lang: str, check_endpoint: bool
    ) -> list[str]:
        unreachable = unreachable_hub_problem(config.model, config.revision)
        if unreachable is not None:
            return [unreachable]
        try:
            tokenizer = cls.load_tokenizer(config)
        except Exception as exc:  # any loader failure is a config problem to report
            return [f"cannot load the tokenizer of {config.model}: {exc}"]
        return cls.resolve_codes(config, tokenizer, source_lang, target_lang)[1]

    def translate(self, batch: list[str]) -> list[str]:
        import torch

        encoded = self.tokenizer(
            [self.source_text(text) for text in batch],
            return_tensors="pt",
            padding=True,
            truncation=True,
            max_length=self.max_length,
        ).to(self.device)
        extra: dict[str, Any] = {}
        bos = self.forced_bos()
        if bos is not None:
            extra["forced_bos_token_id"] = self.tokenizer.convert_tokens_to_ids(bos)
        with torch.inference_mode():
            output = self.model.generate(
                **encoded,
                num_beams=self.beam_size,
                max_new_tokens=self.max_length,
                max_length=None,
                **extra,
            )
        # transformers 5 does not count language tokens (`__de__`) as special: drop them too.
        rows = [[i for i in row if i not in self.skip_ids] for row in output.tolist()]
        self.output_tokens += sum(len(row) for row in rows)
        texts: list[str] = self.tokenizer.batch_decode(rows, skip_special_tokens=True)
        return [text.strip() for text in texts]

    def parameters(self) -> int | None:
        return int(sum(p.numel() for p in self.model.parameters()))

    def to_ctranslate2(self, output_dir: Path, quantization: str) -> Teacher:
        """This teacher converted to CTranslate2 (for the side-by-side speed measurement),
        bounded as the service bounds a teacher bundle."""
        from bundle import MAX_LENGTH_RATIO
        from model_build.teachers.ctranslate2 import CTranslate2Teacher, HFCodec

        if not (output_dir / "model.bin").exists():
            convert_checkpoint(self.config, output_dir, quantization)
        bos = self.forced_bos()
        codec = HFCodec(self.tokenizer, self.source_text, [bos] if bos else [])
        return CTranslate2Teacher.from_folder(
            self.config,
            output_dir,
            codec,
            self.beam_size,
            self.max_length,
            quantization,
            self.threads,
            length_ratio=MAX_LENGTH_RATIO,
        )


def convert_checkpoint(config: TeacherConfig, output_dir: Path, quantization: str) -> None:
    """A hub checkpoint converted to CTranslate2 (its language tokens kept in the vocabulary,
    T5's output scale as transformers 5 applies it)."""
    from ctranslate2.converters import TransformersConverter

    class Converter(TransformersConverter):  # type: ignore[misc]
        def load_tokenizer(self, *args: Any, **kwargs: Any) -> Any:
            return _LanguageTokensInVocab(super().load_tokenizer(*args, **kwargs))

        def load_model(self, *args: Any, **kwargs: Any) -> Any:
            return _t5_output_scale_as_transformers(super().load_model(*args, **kwargs))

    Converter(config.model, revision=config.revision).convert(
        str(output_dir), quantization=quantization, force=True
    )


def _t5_output_scale_as_transformers(model: Any) -> Any:
    """Tell CTranslate2 whether T5's decoder output is scaled by d_model**-0.5.

    transformers 5 always sets `tie_word_embeddings` on a T5 config and keeps the old meaning
    in `scale_decoder_outputs` (False for T5 v1.1, mT5, MADLAD); CTranslate2 4.x still reads
    `tie_word_embeddings`, so it scaled MADLAD's logits by d_model**-0.5: the same argmax
    (greedy agreed) but flattened probabilities, so beam search ranked hypotheses differently.
    """
    scale = getattr(model.config, "scale_decoder_outputs", None)
    if scale is not None:
        model.config.tie_word_embeddings = bool(scale)
    return model


class _LanguageTokensInVocab:
    """A tokenizer whose `get_vocab` includes M2M100's `__xx__` language tokens.

    transformers 5 keeps them out of `get_vocab()`, and CTranslate2's converter builds the
    model's vocabulary from it, so without them the vocabulary is too short to convert.
    """

    def __init__(self, tokenizer: Any) -> None:
        self._tokenizer = tokenizer

    def __getattr__(self, name: str) -> Any:
        return getattr(self._tokenizer, name)

    def get_vocab(self) -> dict[str, int]:
        vocab = dict(self._tokenizer.get_vocab())
        vocab.update(getattr(self._tokenizer, "lang_token_to_id", {}))
        return vocab


class MarianTeacher(HFSeq2SeqTeacher):
    """OPUS-MT: one direction per model; multi-target models take a `>>de<<` source tag."""

    family = "marian"

    @classmethod
    def coded_sides(cls, config: TeacherConfig, codes: set[str]) -> tuple[str, ...]:
        return ("target",) if codes or config.target_code else ()

    def source_text(self, text: str) -> str:
        code = self.codes.get("target")
        return f"{code} {text}" if code else text


class ForcedLanguageTeacher(HFSeq2SeqTeacher):
    """A source language token from `src_lang` and the target code forced as first token."""

    @classmethod
    def coded_sides(cls, config: TeacherConfig, codes: set[str]) -> tuple[str, ...]:
        return ("source", "target")

    def _configure_tokenizer(self) -> None:
        self.tokenizer.src_lang = self.codes["source"]

    def forced_bos(self) -> str | None:
        return self.codes["target"]


class M2M100Teacher(ForcedLanguageTeacher):
    """M2M100: `__en__` source token, forced `__de__` first target token."""

    family = "m2m100"

    def _configure_tokenizer(self) -> None:
        self.tokenizer.src_lang = self.codes["source"].strip("_")  # it adds the `__` itself


class NLLBTeacher(ForcedLanguageTeacher):
    """NLLB-200: FLORES codes such as `deu_Latn`, as source token and forced first token."""

    family = "nllb"


class MBart50Teacher(ForcedLanguageTeacher):
    """mBART-50 many-to-many: codes such as `de_DE`, handled like NLLB's."""

    family = "mbart50"


class T5TagTeacher(HFSeq2SeqTeacher):
    """T5-family models (MADLAD-400 style) that take the target as a `<2de>` source tag."""

    family = "t5"

    @classmethod
    def coded_sides(cls, config: TeacherConfig, codes: set[str]) -> tuple[str, ...]:
        return ("target",)

    def source_text(self, text: str) -> str:
        return f"{self.codes['target']} {text}"
