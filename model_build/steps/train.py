"""train: the student, a Marian transformer in transformers (so CTranslate2 converts it).

Usage: `model-build train CONFIG`. Writes::

    <work>/.train.partial/last/      # checkpoint to resume from (weights, optimizer, position)
    <work>/train/
      model/          # best by dev chrF: MarianMTModel + source.spm, target.spm, vocab.json
      dev.log.json    # (step, chrF) of every evaluation
      done.json

Token-budget batches, AdamW with inverse-square-root decay after warm-up, label smoothing;
bf16 autocast where the hardware does it natively (model_build/precision.py); early stopping
after `patience` evaluations without improvement; optionally the average of the last checkpoints
(model_build/averaging.py) when it scores better on dev. The budget is counted in work, never in
time: `max_steps` and `max_epochs` end training the same way on every machine. `max_minutes` is only
a safety stop: hit first, it fails the step loudly (the checkpoint is kept, so a re-run with more
minutes resumes), because a model cut by the clock depends on the machine it was built on. Seeds are
fixed (data order, initialisation, dropout), and a killed run resumes from its last checkpoint.
"""

from __future__ import annotations

import json
import logging
import random
import shutil
import time
from pathlib import Path
from typing import Any

from tqdm import tqdm

from model_build import averaging
from model_build.config import BuildConfig, TrainConfig
from model_build.hardware import hardware_name
from model_build.precision import autocast, autocast_dtype
from model_build.steps.vocab import student_data_fingerprint, student_pairs
from model_build.workdir import Artifact, StepError, WorkDir, fingerprint, read_lines

log = logging.getLogger(__name__)


class Vocabulary:
    """Source/target SentencePiece pieces → Marian ids, exactly as the service tokenizes."""

    def __init__(self, folder: Path) -> None:
        import sentencepiece as spm

        self.folder = folder
        self.source = spm.SentencePieceProcessor(model_file=str(folder / "source.spm"))
        self.target = spm.SentencePieceProcessor(model_file=str(folder / "target.spm"))
        self.ids: dict[str, int] = json.loads((folder / "vocab.json").read_text(encoding="utf-8"))
        self.pieces = {index: piece for piece, index in self.ids.items()}
        self.eos, self.unk, self.pad = self.ids["</s>"], self.ids["<unk>"], self.ids["<pad>"]

    def encode(self, text: str, target: bool = False, limit: int = 255) -> list[int]:
        processor = self.target if target else self.source
        pieces: list[str] = processor.encode(text, out_type=str)
        return [self.ids.get(piece, self.unk) for piece in pieces[:limit]] + [self.eos]

    def decode(self, ids: list[int]) -> str:
        pieces = [self.pieces[i] for i in ids if i not in (self.eos, self.pad)]
        text: str = self.target.decode(pieces)
        return text


class SafetyStopError(StepError):
    """Training hit `train.max_minutes` before its budget in steps or epochs."""


def step_fingerprint(config: BuildConfig, work: WorkDir) -> str:
    # The safety stop does not change the model (it only fails the step), so raising it must not
    # throw the checkpoint away.
    # Nor does averaging left off: builds from before it existed keep their checkpoints.
    ignored = {"max_minutes"} | (
        set() if config.train.average_checkpoints else {"average_checkpoints"}
    )
    budget = config.train.model_dump(mode="json", exclude=ignored)
    return fingerprint(
        "train",
        config.student,
        budget,
        work.upstream("vocab"),
        student_data_fingerprint(config, work),
    )


def run(config: BuildConfig, work: WorkDir, force: bool = False) -> Artifact:
    vocab_dir, _ = work.require("vocab")
    prepared, _ = work.require("prepare")
    return work.run_step(
        "train",
        step_fingerprint(config, work),
        lambda out: _build(config, work, vocab_dir, prepared, out),
        force,
        keep_partial=True,
    )


def student_config(config: BuildConfig, vocab_size: int, pad: int) -> Any:
    from transformers import MarianConfig

    dims = config.student.dims()
    return MarianConfig(
        vocab_size=vocab_size,
        decoder_vocab_size=vocab_size,
        d_model=dims["d_model"],
        encoder_layers=dims["encoder_layers"],
        decoder_layers=dims["decoder_layers"],
        encoder_attention_heads=dims["attention_heads"],
        decoder_attention_heads=dims["attention_heads"],
        encoder_ffn_dim=dims["ffn_dim"],
        decoder_ffn_dim=dims["ffn_dim"],
        max_position_embeddings=config.student.max_positions,
        pad_token_id=pad,
        eos_token_id=0,
        forced_eos_token_id=0,
        decoder_start_token_id=pad,
        activation_function="swish",
        share_encoder_decoder_embeddings=True,
        tie_word_embeddings=True,
        scale_embedding=True,
        dropout=config.train.dropout,
        attention_dropout=config.train.dropout,
        activation_dropout=0.0,
    )


def make_batches(lengths: list[int], budget: int, rng: random.Random) -> list[list[int]]:
    """Length-sorted (with shuffled ties) batches under a padded-token budget, shuffled."""
    order = sorted(range(len(lengths)), key=lambda i: (lengths[i], rng.random()))
    batches: list[list[int]] = []
    batch: list[int] = []
    for index in order:
        if batch and lengths[index] * (len(batch) + 1) > budget:
            batches.append(batch)
            batch = []
        batch.append(index)
    if batch:
        batches.append(batch)
    rng.shuffle(batches)
    return batches


def optimizer_for(model: Any, train: TrainConfig) -> Any:
    import torch

    return torch.optim.AdamW(
        model.parameters(), lr=train.learning_rate, betas=(0.9, 0.98), eps=1e-9
    )


def training_step(
    model: Any, optimizer: Any, inputs: Any, labels: Any, pad: int, train: TrainConfig, dtype: Any
) -> Any:
    """One update on a padded batch (`labels` padded with -100); returns the loss tensor."""
    import torch
    import torch.nn.functional as F  # noqa: N812
    from transformers.models.marian.modeling_marian import shift_tokens_right

    # The decoder's inputs are made here rather than by passing `labels`: given labels, the model
    # also computes its own unsmoothed loss, a second softmax over the vocabulary (2-4% of a step).
    config = model.config
    decoder_inputs = shift_tokens_right(labels, config.pad_token_id, config.decoder_start_token_id)
    with autocast(dtype, inputs.device.type):
        logits = model(
            input_ids=inputs, attention_mask=inputs.ne(pad), decoder_input_ids=decoder_inputs
        ).logits
    loss = F.cross_entropy(
        logits.float().view(-1, logits.shape[-1]),
        labels.view(-1),
        ignore_index=-100,
        label_smoothing=train.label_smoothing,
    )
    loss.backward()  # type: ignore[no-untyped-call]
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
    return loss


def _build(
    config: BuildConfig, work: WorkDir, vocab_dir: Path, prepared: Path, out: Path
) -> dict[str, Any]:
    import torch
    from transformers import MarianMTModel

    train = config.train
    if train.threads:
        torch.set_num_threads(train.threads)
    device = "cuda" if train.device != "cpu" and torch.cuda.is_available() else "cpu"
    dtype = autocast_dtype(train, device)
    random.seed(train.seed)
    torch.manual_seed(train.seed)

    vocab = Vocabulary(vocab_dir)
    limit = config.student.max_positions - 1
    sources, targets = student_pairs(config, work)
    src_ids = [vocab.encode(s, limit=limit) for s in sources]
    tgt_ids = [vocab.encode(t, target=True, limit=limit) for t in targets]
    lengths = [max(len(s), len(t)) for s, t in zip(src_ids, tgt_ids, strict=True)]
    dev_src = read_lines(prepared / "dev.src")[: train.eval_sentences]
    dev_ref = read_lines(prepared / "dev.ref")[: train.eval_sentences]

    model: Any = MarianMTModel(student_config(config, len(vocab.ids), vocab.pad))
    model = model.to(device)
    optimizer = optimizer_for(model, train)
    warmup = max(train.warmup_steps, 1)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min((step + 1) / warmup, (warmup / (step + 1)) ** 0.5)
    )
    state: dict[str, Any] = {
        "step": 0, "epoch": 0, "batch": 0, "elapsed": 0.0, "best": -1.0, "stale": 0, "log": [],
        "tokens": 0,
    }  # fmt: skip
    last = out / "last"
    averaged = out / "averaged"
    if (last / "state.pt").exists():
        saved = torch.load(last / "state.pt", weights_only=False)
        model.load_state_dict(saved["model"])
        optimizer.load_state_dict(saved["optimizer"])
        scheduler.load_state_dict(saved["scheduler"])
        state = saved["state"]
        torch.set_rng_state(saved["rng"])
        log.info("train: resuming at step %d (epoch %d)", state["step"], state["epoch"])

    def evaluate() -> float:
        import sacrebleu

        model.eval()
        hyps: list[str] = []
        with torch.inference_mode(), autocast(dtype, device):
            for start in range(0, len(dev_src), 64):
                batch = [vocab.encode(s, limit=limit) for s in dev_src[start : start + 64]]
                inputs = pad_rows(batch, vocab.pad, device)
                generated = model.generate(
                    input_ids=inputs,
                    attention_mask=inputs.ne(vocab.pad),
                    num_beams=1,
                    max_new_tokens=min(2 * inputs.shape[1] + 10, limit),
                )
                hyps += [vocab.decode(row.tolist()) for row in generated]
        model.train()
        return float(sacrebleu.corpus_chrf(hyps, [dev_ref]).score)

    def save_last() -> None:
        tmp = out / "last.tmp"
        tmp.mkdir(exist_ok=True)
        torch.save(
            {
                "model": model.state_dict(),
                "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(),
                "state": state,
                "rng": torch.get_rng_state(),
            },
            tmp / "state.pt",
        )
        if last.exists():
            shutil.rmtree(last)
        tmp.rename(last)

    def out_of_budget() -> str | None:
        if train.max_steps is not None and state["step"] >= train.max_steps:
            return "max_steps"
        if train.max_epochs is not None and state["epoch"] >= train.max_epochs:
            return "max_epochs"
        if train.max_minutes is not None and elapsed() >= train.max_minutes * 60:
            return "max_minutes"
        if state["stale"] >= train.patience:
            return "early_stopping"
        return None

    started = time.monotonic()
    elapsed_before = state["elapsed"]

    def elapsed() -> float:
        return float(elapsed_before + time.monotonic() - started)

    def checkpoint() -> None:
        chrf = evaluate()
        state["log"].append({"step": state["step"], "chrf": round(chrf, 2)})
        if chrf > state["best"]:
            state["best"], state["stale"] = chrf, 0
            _save_model(model, vocab_dir, out / "model")
        else:
            state["stale"] += 1
        if train.average_checkpoints > 1:
            averaging.keep(model.state_dict(), averaged, state["step"], train.average_checkpoints)
        state["elapsed"] = elapsed()
        save_last()
        log.info("train: step %d dev chrF %.2f (best %.2f)", state["step"], chrf, state["best"])

    def tokens_in(batch: list[int]) -> int:
        return sum(len(src_ids[i]) + len(tgt_ids[i]) for i in batch)

    model.train()
    total = train.max_steps or None
    reason = out_of_budget()
    with tqdm(total=total, initial=state["step"], desc="train", unit="step") as bar:
        while reason is None:
            batches = make_batches(
                lengths, train.batch_tokens, random.Random(train.seed + state["epoch"])
            )
            for batch in batches[state["batch"] :]:
                inputs = pad_rows([src_ids[i] for i in batch], vocab.pad, device)
                labels = pad_rows([tgt_ids[i] for i in batch], -100, device)
                loss = training_step(model, optimizer, inputs, labels, vocab.pad, train, dtype)
                scheduler.step()
                state["step"] += 1
                state["batch"] += 1
                state["tokens"] = state.get("tokens", 0) + tokens_in(batch)
                bar.update()
                bar.set_postfix(loss=f"{loss.item():.3f}", epoch=state["epoch"])
                if state["step"] % train.eval_every == 0:
                    checkpoint()
                if (reason := out_of_budget()) is not None:
                    break
            else:
                state["epoch"] += 1
                state["batch"] = 0
                reason = out_of_budget()
    if reason == "max_minutes":
        state["elapsed"] = elapsed()
        save_last()
        raise SafetyStopError(safety_stop_message(train, state["step"], elapsed()))
    if not state["log"] or state["log"][-1]["step"] != state["step"]:
        checkpoint()
    if len(kept := averaging.checkpoints(averaged)) > 1:
        model.load_state_dict(averaging.average(kept))
        chrf = evaluate()
        state["log"].append({"step": state["step"], "chrf": round(chrf, 2), "averaged": len(kept)})
        log.info("train: average of the last %d checkpoints: dev chrF %.2f", len(kept), chrf)
        if chrf > state["best"]:
            state["best"], state["averaged"] = chrf, len(kept)
            _save_model(model, vocab_dir, out / "model")
    shutil.rmtree(last, ignore_errors=True)
    shutil.rmtree(averaged, ignore_errors=True)
    (out / "dev.log.json").write_text(json.dumps(state["log"], indent=1), encoding="utf-8")
    parameters = int(sum(p.numel() for p in model.parameters()))
    log.info("train: stopped (%s) after %d steps, best dev chrF %.2f", reason, state["step"],
             state["best"])  # fmt: skip
    seconds = elapsed()
    return {
        "steps": state["step"],
        "epochs": state["epoch"],
        "tokens": state.get("tokens", 0),
        "stopped_by": reason,
        "best_dev_chrf": round(state["best"], 2),
        "averaged_checkpoints": state.get("averaged", 0),
        "parameters": parameters,
        "seed": train.seed,
        "precision": str(dtype).replace("torch.", "") if dtype else "fp32",
        "device": device,
        "threads": torch.get_num_threads(),
        "hardware": hardware_name(),
        "torch_version": torch.__version__,
        "seconds": round(seconds, 1),
        "seconds_per_step": round(seconds / max(state["step"], 1), 3),
        "sentences": len(sources),
    }


def safety_stop_message(train: TrainConfig, step: int, seconds: float) -> str:
    budget = f"{train.max_steps} steps" if train.max_steps else f"{train.max_epochs} epochs"
    return (
        f"train.max_minutes={train.max_minutes:g} reached at step {step} of {budget} "
        f"({seconds / max(step, 1):.2f} s a step): a model cut by the clock would depend on this "
        "machine. Run again with a larger train.max_minutes (e.g. --set train.max_minutes=...): "
        "training resumes from its checkpoint."
    )


def pad_rows(rows: list[list[int]], value: int, device: str) -> Any:
    import torch

    width = max(len(row) for row in rows)
    return torch.tensor([row + [value] * (width - len(row)) for row in rows], device=device)


def _save_model(model: Any, vocab_dir: Path, folder: Path) -> None:
    """A self-contained transformers folder (weights + Marian tokenizer files), atomically."""
    from transformers import MarianTokenizer

    tmp = folder.with_name(folder.name + ".tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    model.save_pretrained(tmp)
    for name in ("source.spm", "target.spm", "vocab.json"):
        shutil.copy(vocab_dir / name, tmp / name)
    tokenizer = MarianTokenizer(
        source_spm=str(tmp / "source.spm"),
        target_spm=str(tmp / "target.spm"),
        vocab=str(tmp / "vocab.json"),
    )
    tokenizer.save_pretrained(tmp)
    if folder.exists():
        shutil.rmtree(folder)
    tmp.rename(folder)
