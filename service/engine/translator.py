"""One bundle's CTranslate2 translator and SentencePiece processors.

`BundleTranslator.translate_tokens` is blocking and CPU-bound: only the dispatcher's worker
thread calls it, never the event loop.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import ctranslate2
import sentencepiece as spm

from bundle import Manifest, decoding_length
from service.settings import ServiceSettings

END_OF_SENTENCE = "</s>"


@dataclass(frozen=True)
class DecodeOptions:
    """How CTranslate2 decodes: the bundle's choices, optionally overridden by settings."""

    beam_size: int
    max_length_ratio: float
    max_decoding_length: int
    repetition_penalty: float
    no_repeat_ngram_size: int

    @classmethod
    def from_bundle(cls, manifest: Manifest, settings: ServiceSettings) -> DecodeOptions:
        return cls(
            beam_size=settings.beam_size or manifest.model.beam_size,
            max_length_ratio=manifest.model.max_length_ratio,
            max_decoding_length=min(settings.max_decoding_length, output_positions(manifest)),
            repetition_penalty=settings.repetition_penalty,
            no_repeat_ngram_size=settings.no_repeat_ngram_size,
        )

    def decoding_length(self, longest_input: int) -> int:
        """Target-token bound for a batch (`bundle.decoding_length`)."""
        return decoding_length(self.max_length_ratio, longest_input, self.max_decoding_length)


def _has_sentinel(tokens: list[str]) -> bool:
    """An input with a sentinel: ``[``, a number, ``]``, however cut (``▁[``, ``1``, ``]``)."""
    return any("[" in piece for piece in tokens)


def long_input_tokens(manifest: Manifest, factor: float) -> int:
    """Source tokens beyond which a sentence is cut at clause boundaries before translation:
    `factor` x the 99th percentile of the training sentences (a student trained on 14-token
    captions drops most of a 140-token run-on sentence); the model's limit without a range."""
    normal = manifest.normal_range
    if normal is None or factor <= 0:
        return manifest.model.max_input_tokens
    return min(
        manifest.model.max_input_tokens, max(8, math.ceil(factor * normal.source_tokens_p99))
    )


def output_positions(manifest: Manifest) -> int:
    """Target tokens the decoder can generate: its positions less the forced target prefix."""
    positions = manifest.model.max_output_tokens or manifest.model.max_input_tokens
    return max(1, positions - len(manifest.tokenizer.target_prefix))


@dataclass(frozen=True)
class TranslatedSentence:
    text: str
    output_tokens: int
    score: float = 0.0
    """Mean token log-probability of the best hypothesis (CTranslate2's length-normalized score)."""
    hit_limit: bool = False
    """Decoding stopped at the length bound, not at an end marker: the output may be cut."""
    alternatives: tuple[TranslatedSentence, ...] = ()
    """The beam's other hypotheses, best first; only for an input with a sentinel (``[1]``,
    service/text), whose best hypothesis may have lost it where a runner-up kept it."""

    @property
    def ranked(self) -> list[TranslatedSentence]:
        """This hypothesis, then the beam's others: the order `PreparedText.choose` reads."""
        return [self, *self.alternatives]


class BundleTranslator:
    """Tokenize, translate and detokenize sentences with one bundle."""

    def __init__(self, folder: Path, manifest: Manifest, settings: ServiceSettings) -> None:
        self.manifest = manifest
        self.options = DecodeOptions.from_bundle(manifest, settings)
        # The shortlist: the output layer scores only what the map allows for this batch.
        self.use_vocabulary_map = manifest.model.vocabulary_map is not None
        self.max_input_tokens = manifest.model.max_input_tokens
        self.long_input_tokens = long_input_tokens(manifest, settings.long_sentence_factor)
        self._source_prefix = list(manifest.tokenizer.source_prefix)
        self._target_prefix = list(manifest.tokenizer.target_prefix)
        self._source = spm.SentencePieceProcessor(
            model_file=str(folder / manifest.tokenizer.source_spm)
        )
        self._target = spm.SentencePieceProcessor(
            model_file=str(folder / manifest.tokenizer.target_spm)
        )
        self._model = ctranslate2.Translator(
            str(folder / manifest.model.path),
            device="cpu",
            compute_type=settings.compute_type,
            inter_threads=settings.resolved_inter_threads(),
            intra_threads=settings.intra_threads,
        )

    def tokenize(self, sentence: str) -> list[str]:
        """Source tokens exactly as the student was trained on: prefix, pieces, end marker."""
        pieces: list[str] = self._source.encode(sentence, out_type=str)
        return [*self._source_prefix, *pieces, END_OF_SENTENCE]

    def source_pieces(self, text: str) -> list[str]:
        """The source vocabulary's pieces of `text`, without prefix or end marker."""
        pieces: list[str] = self._source.encode(text, out_type=str)
        return pieces

    def count_tokens(self, sentence: str) -> int:
        return len(self.tokenize(sentence))

    def translate_tokens(self, batch: list[list[str]]) -> list[TranslatedSentence]:
        """Translate tokenized sentences in one CTranslate2 call (blocking)."""
        if not batch:
            return []
        options = self.options
        limit = options.decoding_length(max(len(tokens) for tokens in batch))
        wanted = [_has_sentinel(tokens) for tokens in batch]
        results = self._model.translate_batch(
            batch,
            target_prefix=[self._target_prefix] * len(batch) if self._target_prefix else None,
            beam_size=options.beam_size,
            max_decoding_length=limit,
            repetition_penalty=options.repetition_penalty,
            no_repeat_ngram_size=options.no_repeat_ngram_size,
            max_input_length=0,
            return_scores=True,
            use_vmap=self.use_vocabulary_map,
            # Every hypothesis of the beam: the same search, only more of what it found is
            # returned (with CTranslate2's default length_penalty=1 there is no early exit, so
            # the best is unchanged); asked only when a sentence needs it.
            num_hypotheses=options.beam_size if any(wanted) else 1,
        )
        return [
            self._sentence(result, 0, limit, alternatives=want)
            for result, want in zip(results, wanted, strict=True)
        ]

    def _sentence(
        self, result: ctranslate2.TranslationResult, rank: int, limit: int, alternatives: bool
    ) -> TranslatedSentence:
        hypothesis = result.hypotheses[rank]
        tokens = hypothesis[len(self._target_prefix) :]
        others = range(rank + 1, len(result.hypotheses)) if alternatives else range(0)
        return TranslatedSentence(
            self._target.decode(tokens),
            len(tokens),
            score=float(result.scores[rank]),
            hit_limit=len(hypothesis) >= limit,
            alternatives=tuple(self._sentence(result, k, limit, False) for k in others),
        )

    def translate(self, sentences: list[str]) -> list[TranslatedSentence]:
        """Convenience for warm-up and benchmarks: plain sentences in, one blocking call."""
        return self.translate_tokens([self.tokenize(sentence) for sentence in sentences])
