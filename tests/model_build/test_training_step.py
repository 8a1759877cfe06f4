"""One training update, and the precision it runs in.

The step feeds the decoder the targets shifted right itself instead of handing the model its
labels (which would make the model compute a second, unused loss over the vocabulary): the update
must stay the one the labels path makes, bit for bit, so fp32 builds retrace older ones.
`precision: auto` must never pick bf16 on a CPU that only emulates it (several times slower).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
import torch
import torch.nn.functional as F  # noqa: N812
from transformers import MarianConfig, MarianMTModel

from model_build import precision
from model_build.config import TrainConfig
from model_build.steps import train as train_step

PAD = 99


def tiny_marian() -> Any:
    torch.manual_seed(1)
    config = MarianConfig(
        vocab_size=100, decoder_vocab_size=100, d_model=32, encoder_layers=2, decoder_layers=2,
        encoder_attention_heads=4, decoder_attention_heads=4, encoder_ffn_dim=64,
        decoder_ffn_dim=64, pad_token_id=PAD, eos_token_id=0, decoder_start_token_id=PAD,
        dropout=0.1,
    )  # fmt: skip
    return MarianMTModel(config).train()


def padded_batch() -> tuple[Any, Any]:
    generator = torch.Generator().manual_seed(2)
    inputs = torch.randint(1, PAD - 1, (6, 9), generator=generator)
    inputs[0, 6:] = PAD
    labels = torch.randint(1, PAD - 1, (6, 7), generator=generator)
    labels[1, 4:] = -100
    return inputs, labels


def update_through_labels(model: Any, inputs: Any, labels: Any, train: TrainConfig) -> Any:
    """The update as the model's own labels path would feed it."""
    optimizer = train_step.optimizer_for(model, train)
    logits = model(input_ids=inputs, attention_mask=inputs.ne(PAD), labels=labels).logits
    loss = F.cross_entropy(
        logits.view(-1, logits.shape[-1]), labels.view(-1), ignore_index=-100,
        label_smoothing=train.label_smoothing,
    )  # fmt: skip
    loss.backward()  # type: ignore[no-untyped-call]
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    return loss


def test_an_update_is_the_labels_paths_update_bit_for_bit_dropout_included() -> None:
    train = TrainConfig()
    ours = tiny_marian()
    reference = copy.deepcopy(ours)
    inputs, labels = padded_batch()

    torch.manual_seed(5)
    loss = train_step.training_step(
        ours, train_step.optimizer_for(ours, train), inputs, labels, PAD, train, None
    )
    torch.manual_seed(5)
    expected = update_through_labels(reference, inputs, labels, train)

    assert loss.item() == expected.item()
    for mine, theirs in zip(ours.parameters(), reference.parameters(), strict=True):
        assert torch.equal(mine, theirs)


def test_fp32_and_bf16_are_what_they_say_on_any_cpu() -> None:
    assert precision.autocast_dtype(TrainConfig(precision="fp32"), "cpu") is None
    assert precision.autocast_dtype(TrainConfig(precision="bf16"), "cpu") is torch.bfloat16


def test_auto_picks_bf16_only_where_the_cpu_multiplies_it_natively(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    auto = TrainConfig(precision="auto")
    for probe in ("_is_amx_tile_supported", "_is_avx512_bf16_supported"):
        monkeypatch.setattr(torch.cpu, probe, lambda: False, raising=False)
    assert not precision.native_bf16_cpu()
    assert precision.autocast_dtype(auto, "cpu") is None

    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: True, raising=False)
    assert precision.autocast_dtype(auto, "cpu") is torch.bfloat16
