"""A sentence with placeholders stays whole when the beam found a translation that kept them:
the embedded student (trained with placeholders) and the real service on loopback."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from bundle import open_verified
from service.engine.translator import BundleTranslator
from service.settings import EMBEDDED_BUNDLES, ServiceSettings
from service.text import PreparedText, prepare_text
from tests.service.server import RunningService, running_service

BUNDLE = EMBEDDED_BUNDLES / "en-de"

# Captions of Multi30k val with placeholders, as `python -m benchmarks.placeholders` puts them,
# where bundle 0.3.0's best hypothesis did not keep them as given and a runner-up did. The tests
# below find, with the embedded bundle, the ones where that still holds (0.3.2 is the same student
# with a smaller shortlist, so not all of them).
MARKED = [
    "A female playing a {count} on her violin.",
    'A cute baby <b>is smiling</b> at another <a href="https://example.com/help">child</a>.',
    "A child is {count} ready <br/>to read a book.",
    '<a href="https://example.com/help">A dog jumps</a> %d for %d a yellow and black ball.',
    "Woman in {name} coat outside a house while {count}",
    "A man on the coaching staff for OU has <br/>sunglasses on his head during a football game.",
    "A brown dog runs %d on the sand %d carrying a stick.",
    "<b>Many</b> asian children made a train under %d a viet nam sign.",
]


@pytest.fixture(scope="module")
def translator() -> BundleTranslator:
    return BundleTranslator(BUNDLE, open_verified(BUNDLE), ServiceSettings())


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningService]:
    log = tmp_path_factory.mktemp("logs") / "service.log"
    with running_service(EMBEDDED_BUNDLES, log, MT_CACHE_SIZE="0") as running:
        yield running


def prepared(translator: BundleTranslator, text: str) -> PreparedText:
    return prepare_text(text, "en", translator.count_tokens, translator.max_input_tokens)


def test_only_a_sentence_with_a_sentinel_gets_the_beams_other_hypotheses(
    translator: BundleTranslator,
) -> None:
    plain, marked = translator.translate(
        ["A dog runs in the snow.", "A dog [1]runs[2] in the snow."]
    )
    assert plain.alternatives == ()
    assert 1 <= len(marked.alternatives) <= 3  # the beam of 4, less the best


def test_asking_for_every_hypothesis_leaves_the_best_unchanged() -> None:
    """What the translator relies on: the same beam search, only more of it returned."""
    import ctranslate2

    model = ctranslate2.Translator(str(BUNDLE / "model"), device="cpu", compute_type="int8")
    translator = BundleTranslator(BUNDLE, open_verified(BUNDLE), ServiceSettings())
    batch = [translator.tokenize(text) for text in MARKED]

    def best(hypotheses: int) -> list[list[str]]:
        results = model.translate_batch(batch, beam_size=4, num_hypotheses=hypotheses)
        return [result.hypotheses[0] for result in results]

    assert best(4) == best(1)


def test_a_runner_up_that_kept_the_placeholders_as_given_is_served_instead(
    translator: BundleTranslator, embedded: RunningService
) -> None:
    """Where the best hypothesis lost a placeholder (pieces would follow) or invented one (it
    would be dropped), the beam's first hypothesis that kept them as given is the answer."""
    rescued = []
    for text in MARKED:
        prep = prepared(translator, text)
        [best] = translator.translate(prep.sentences)
        hypotheses = [hypothesis.text for hypothesis in best.ranked]
        pick = prep.choose(0, hypotheses)
        if len(prep.sentences) == 1 and pick:
            rescued.append((text, prep.restore([hypotheses[pick]])))
    assert rescued, "no caption whose best hypothesis a runner-up beat on placeholders"

    answers = []
    for text, _ in rescued:  # one at a time, as computed above: padding can change a beam
        body = {"text": [text], "source": "en", "target": "de"}
        answer = httpx.post(f"{embedded.url}/v1/translate", json=body, timeout=60).json()
        answers += answer["translations"]

    assert answers == [whole for _, whole in rescued]


def test_every_placeholder_survives_whichever_hypothesis_is_served(
    embedded: RunningService,
) -> None:
    body = {"text": MARKED, "source": "en", "target": "de"}
    answer = httpx.post(f"{embedded.url}/v1/translate", json=body, timeout=60).json()
    placeholder = re.compile(r"</?[ab](?: [^>]*)?>|<br/>|\{\w+\}|%d")
    for source, translation in zip(MARKED, answer["translations"], strict=True):
        assert sorted(placeholder.findall(translation)) == sorted(placeholder.findall(source))
