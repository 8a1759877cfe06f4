"""The student's confidence signals, from decoding as the service decodes.

What the calibration (`model_build.calibration`) compares: per sentence the best hypothesis
(the service's own: same tokens, beam, length penalty, vocabulary map and length bound) and the
values of every signal in `model_build.config.SIGNALS`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from bundle import decoding_length
from model_build.config import SIGNALS

_BATCH = 32


@dataclass
class Decoded:
    """The student's translations of a list of sentences, with one value per signal."""

    hyps: list[str] = field(default_factory=list)
    signals: dict[str, list[float]] = field(default_factory=dict)


@dataclass(frozen=True)
class Hypothesis:
    """What decoding reports about one sentence, from which every signal is computed."""

    scores: list[float]  # length-normalised log-prob of each returned hypothesis, best first
    token_log_probs: list[float]  # of the best hypothesis, its end marker included
    source_tokens: int
    output_tokens: int


def _margin(h: Hypothesis) -> float:
    return h.scores[0] - h.scores[1] if len(h.scores) > 1 else 0.0


def _min_token(h: Hypothesis) -> float:
    return min(h.token_log_probs) if h.token_log_probs else h.scores[0]


SIGNAL_FUNCTIONS: dict[str, Callable[[Hypothesis], float]] = {
    "mean_logprob": lambda h: h.scores[0],
    "min_token_logprob": _min_token,
    "nbest_margin": _margin,
    "mean_logprob_x_margin": lambda h: h.scores[0] + 0.5 * max(-1.0, -_margin(h)),
    "mean_and_min_logprob": lambda h: h.scores[0] + 0.1 * _min_token(h),
}
assert tuple(SIGNAL_FUNCTIONS) == SIGNALS


class StudentDecoder:
    """A CTranslate2 model decoded as the service decodes it, reporting the signals too.

    The best hypothesis is the service's (same tokens, beam and length penalty); the second
    hypothesis gives the n-best margin, a teacher-forced re-score of the best one the token
    log-probabilities (only when a signal needs them).
    """

    def __init__(
        self,
        model_dir: Path,
        source_spm: Path,
        target_spm: Path,
        beam_size: int,
        source_prefix: Sequence[str] = (),
        target_prefix: Sequence[str] = (),
        positions: int = 255,
        max_length_ratio: float = 3.0,
    ) -> None:
        import ctranslate2
        import sentencepiece as spm

        self.source = spm.SentencePieceProcessor(model_file=str(source_spm))
        self.target = spm.SentencePieceProcessor(model_file=str(target_spm))
        self.translator = ctranslate2.Translator(str(model_dir), device="cpu", intra_threads=1)
        self.use_vmap = (Path(model_dir) / "vmap.txt").is_file()  # scored as the service decodes
        self.beam_size = beam_size
        self.source_prefix = list(source_prefix)
        self.target_prefix = list(target_prefix)
        self.positions = positions
        self.max_length_ratio = max_length_ratio

    @classmethod
    def for_bundle(cls, folder: Path) -> StudentDecoder:
        from bundle import read_manifest

        manifest = read_manifest(folder)
        return cls(
            folder / manifest.model.path,
            folder / manifest.tokenizer.source_spm,
            folder / manifest.tokenizer.target_spm,
            manifest.model.beam_size,
            manifest.tokenizer.source_prefix,
            manifest.tokenizer.target_prefix,
            manifest.model.max_output_tokens or manifest.model.max_input_tokens,
            manifest.model.max_length_ratio,
        )

    def decode(
        self,
        sources: list[str],
        signals: Sequence[str],
        desc: str = "student",
        progress: bool = True,
    ) -> Decoded:
        rescore = any(name in ("min_token_logprob", "mean_and_min_logprob") for name in signals)
        decoded = Decoded(signals={name: [] for name in signals})
        steps = range(0, len(sources), _BATCH)
        for start in tqdm(steps, desc=desc, unit="batch", disable=not progress):
            for text, hypothesis in self._batch(sources[start : start + _BATCH], rescore):
                decoded.hyps.append(text)
                for name in signals:
                    decoded.signals[name].append(float(SIGNAL_FUNCTIONS[name](hypothesis)))
        return decoded

    def _limit(self, longest_input: int) -> int:
        """The service's target-token bound for a batch (ratio bound, decoder positions)."""
        positions = self.positions - len(self.target_prefix)
        return decoding_length(self.max_length_ratio, longest_input, positions)

    def _batch(self, sources: list[str], rescore: bool) -> list[tuple[str, Hypothesis]]:
        tokens = [[*self.source_prefix, *self.source.encode(s, out_type=str), "</s>"]
                  for s in sources]  # fmt: skip
        prefix = self.target_prefix
        results = self.translator.translate_batch(
            tokens,
            target_prefix=[prefix] * len(tokens) if prefix else None,
            beam_size=self.beam_size,
            num_hypotheses=min(2, self.beam_size),
            max_decoding_length=self._limit(max(len(t) for t in tokens)),
            max_input_length=0,
            return_scores=True,
            use_vmap=self.use_vmap,
        )
        best = [result.hypotheses[0] for result in results]
        rescored = self.translator.score_batch(tokens, best) if rescore else None
        out = []
        for i, (source, result) in enumerate(zip(tokens, results, strict=True)):
            log_probs = list(rescored[i].log_probs)[len(prefix) :] if rescored else []
            hypothesis = Hypothesis(
                scores=[float(s) for s in result.scores],
                token_log_probs=[float(p) for p in log_probs],
                source_tokens=len(source),
                output_tokens=len(best[i]) - len(prefix),
            )
            out.append((self.target.decode(best[i][len(prefix) :]), hypothesis))
        return out
