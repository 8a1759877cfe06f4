"""Calibration: the escalation curve, the threshold a target picks, the probability table."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import sacrebleu

from model_build.calibration import (
    calibrate,
    calibration_table,
    choose_threshold,
    isotonic,
    point,
    share_below,
)
from model_build.confidence import Decoded
from model_build.config import CalibrateConfig, ConfigError, load_config
from tests.factories import caption_pairs

REPO = Path(__file__).resolve().parents[2]


def dev_set(size: int = 100, seed: int = 0) -> tuple[list[str], list[str], list[str], list[float]]:
    """References, a teacher that matches them, a student wrong on a known third of them, and
    a signal that is low exactly where the student is wrong (plus noise)."""
    rng = random.Random(seed)
    pairs = caption_pairs(size, seed)
    refs = [de for _, de in pairs]
    teacher = list(refs)
    wrong = set(rng.sample(range(size), size // 3))
    student = ["Ein Baseballspieler." if i in wrong else refs[i] for i in range(size)]
    signal = [(-1.2 if i in wrong else -0.1) + rng.uniform(-0.05, 0.05) for i in range(size)]
    return refs, teacher, student, signal


def test_escalating_nobody_scores_the_student_and_everybody_scores_the_teacher() -> None:
    refs, teacher, student, signal = dev_set()
    nobody, everybody = (point(signal, share, student, teacher, refs) for share in (0.0, 1.0))
    assert nobody.escalated == 0.0 and everybody.escalated == 1.0
    assert nobody.bleu == round(sacrebleu.corpus_bleu(student, [refs]).score, 2)
    assert everybody.bleu_vs_teacher == 100.0
    assert share_below(signal, nobody.threshold) == 0.0
    assert share_below(signal, everybody.threshold) == 1.0


def test_escalating_the_least_confident_third_recovers_the_whole_gap() -> None:
    refs, teacher, student, signal = dev_set()
    third = point(signal, 0.33, student, teacher, refs)
    assert third.bleu_vs_teacher == 100.0
    assert share_below(signal, third.threshold) == 0.33


def test_a_budget_escalates_that_share_of_dev_least_confident_first() -> None:
    refs, teacher, student, signal = dev_set()
    threshold, target = choose_threshold(
        signal, student, teacher, refs, CalibrateConfig(budget=0.2)
    )
    assert target == "budget 0.2"
    assert share_below(signal, threshold) == 0.2
    assert max(signal) > threshold > min(signal)


def test_a_bleu_share_target_picks_the_least_escalation_that_reaches_it() -> None:
    refs, teacher, student, signal = dev_set()
    config = CalibrateConfig(bleu_share=0.99)
    threshold, target = choose_threshold(signal, student, teacher, refs, config)
    escalated = share_below(signal, threshold)
    assert target == "bleu_share 0.99"
    assert 0.25 <= escalated <= 0.33  # the wrong third, not more
    fewer = point(signal, escalated - 0.02, student, teacher, refs)
    assert fewer.bleu < 0.99 * sacrebleu.corpus_bleu(teacher, [refs]).score


def test_the_probability_table_rises_with_the_signal_even_when_the_bins_do_not() -> None:
    assert isotonic([0.1, 0.5, 0.3, 0.9], [1, 1, 1, 1]) == [0.1, 0.4, 0.4, 0.9]
    rng = random.Random(1)
    signal = [rng.uniform(-2, 0) for _ in range(400)]
    matches = [rng.random() < 1 + s / 2 for s in signal]  # P(match) = 1 + signal/2
    table = calibration_table(signal, matches, bins=8)
    assert [b.sentences for b in table] == [50] * 8
    assert [b.signal_min for b in table] == sorted(b.signal_min for b in table)
    assert [b.p_match for b in table] == sorted(b.p_match for b in table)
    assert table[0].p_match < 0.3 and table[-1].p_match > 0.8


def test_calibrate_keeps_the_signal_that_finds_the_students_mistakes() -> None:
    refs, teacher, student, signal = dev_set()
    noise = [random.Random(2).uniform(-1, 0) for _ in signal]
    decoded = Decoded(student, {"mean_logprob": noise, "min_token_logprob": signal})
    routing = calibrate(decoded, teacher, refs, CalibrateConfig(budget=0.3), "t", "dev")
    assert routing.signal == "min_token_logprob"
    assert routing.signals_compared["min_token_logprob"] > routing.signals_compared["mean_logprob"]
    assert routing.dev_escalated == 0.3
    assert routing.quantiles["p50"] == pytest.approx(-0.1, abs=0.06)
    assert routing.probability(-1.2) < 0.1 and routing.probability(-0.1) > 0.9
    assert [p.escalated for p in routing.curve][:3] == [0.0, 0.05, 0.1]


def test_a_config_with_a_budget_and_a_bleu_target_or_an_unknown_signal_is_refused(
    tmp_path: Path,
) -> None:
    config = tmp_path / "build.yaml"
    source = (REPO / "model_build" / "configs" / "tiny-en-de.yaml").read_text(encoding="utf-8")
    config.write_text(source, encoding="utf-8")
    with pytest.raises(ConfigError, match="either `budget` or `bleu_share`"):
        load_config(config, {"calibrate.budget": 0.2, "calibrate.bleu_share": 0.97})
    with pytest.raises(ConfigError, match="unknown signal"):
        load_config(config, {"calibrate.signals": ["vibes"]})
    with pytest.raises(ConfigError, match=r"calibrate\.budget"):
        load_config(config, {"calibrate.budget": 1.5})
