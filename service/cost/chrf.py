"""chrF (character n-gram F-score) of one hypothesis against one reference.

The same figure as ``sacrebleu.sentence_chrf`` with its defaults (character n-grams 1..6,
whitespace removed, beta 2, averaged over the orders both sides have), in a few lines so that
serving does not depend on sacrebleu (a build dependency).
"""

from __future__ import annotations

from collections import Counter

CHAR_ORDER = 6
BETA = 2


def _ngrams(text: str, order: int) -> Counter[str]:
    return Counter(text[i : i + order] for i in range(len(text) - order + 1))


def chrf(hypothesis: str, reference: str) -> float:
    """chrF2 in [0, 100]."""
    hyp, ref = "".join(hypothesis.split()), "".join(reference.split())
    precision = recall = 0.0
    orders = 0
    for order in range(1, CHAR_ORDER + 1):
        hyp_grams, ref_grams = _ngrams(hyp, order), _ngrams(ref, order)
        hyp_count, ref_count = sum(hyp_grams.values()), sum(ref_grams.values())
        if hyp_count == 0 or ref_count == 0:
            continue
        matches = sum(min(count, ref_grams[gram]) for gram, count in hyp_grams.items())
        precision += matches / hyp_count
        recall += matches / ref_count
        orders += 1
    if orders == 0:
        return 0.0
    precision, recall = precision / orders, recall / orders
    if precision + recall == 0:
        return 0.0
    factor = BETA**2
    return 100 * (1 + factor) * precision * recall / (factor * precision + recall)
