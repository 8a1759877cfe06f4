"""Tiny, real models that tests build for themselves in seconds (no hub is reachable).

- `caption_pairs`: a small English→German corpus from templates (real words, real grammar).
- `make_marian_teacher`: a Marian/OPUS-MT-shaped checkpoint folder with its own SentencePiece
  models, loadable with `MarianMTModel`/`MarianTokenizer` exactly like a hub checkpoint.
- `make_bundle`: a sealed bundle (CTranslate2 int8 model + SentencePiece) for service tests.

Teachers can be trained for a few hundred steps so that their output is real German for the
templates, which keeps distillation tests meaningful (a random model emits loops).
"""

from __future__ import annotations

import itertools
import json
import random
from datetime import UTC, datetime
from pathlib import Path

SUBJECTS = [
    ("a man", "ein Mann"),
    ("a woman", "eine Frau"),
    ("a child", "ein Kind"),
    ("a dog", "ein Hund"),
    ("a girl", "ein Mädchen"),
    ("a boy", "ein Junge"),
    ("an old man", "ein alter Mann"),
    ("a young woman", "eine junge Frau"),
]
VERBS = [
    ("is running", "läuft"),
    ("is sitting", "sitzt"),
    ("is standing", "steht"),
    ("is playing", "spielt"),
    ("is sleeping", "schläft"),
    ("is walking", "geht"),
]
PLACES = [
    ("on the street", "auf der Straße"),
    ("in the park", "im Park"),
    ("on the beach", "am Strand"),
    ("in the snow", "im Schnee"),
    ("in front of a building", "vor einem Gebäude"),
    ("near the water", "in der Nähe des Wassers"),
    ("on a bench", "auf einer Bank"),
]


def caption_pairs(count: int | None = None, seed: int = 0) -> list[tuple[str, str]]:
    """English–German caption pairs, shuffled; all 336 combinations when `count` is None."""
    pairs = [
        (f"{s_en.capitalize()} {v_en} {p_en}.", f"{s_de.capitalize()} {v_de} {p_de}.")
        for (s_en, s_de), (v_en, v_de), (p_en, p_de) in itertools.product(SUBJECTS, VERBS, PLACES)
    ]
    random.Random(seed).shuffle(pairs)
    return pairs if count is None else pairs[:count]


def train_spm(lines: list[str], prefix: Path, vocab_size: int = 120) -> Path:
    import sentencepiece as spm

    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines),
        model_prefix=str(prefix),
        vocab_size=vocab_size,
        model_type="unigram",
        character_coverage=1.0,
        hard_vocab_limit=False,
        minloglevel=2,
    )
    return prefix.with_suffix(".model")


def _marian_vocab(spm_models: list[Path]) -> dict[str, int]:
    """OPUS-MT layout: </s>=0, <unk>=1, then pieces, <pad> last."""
    import sentencepiece as spm

    vocab = {"</s>": 0, "<unk>": 1}
    for model in spm_models:
        processor = spm.SentencePieceProcessor(model_file=str(model))
        for index in range(processor.get_piece_size()):
            piece = processor.id_to_piece(index)
            if piece not in vocab and not processor.is_control(index):
                vocab[piece] = len(vocab)
    vocab["<pad>"] = len(vocab)
    return vocab


def make_marian_teacher(
    folder: Path,
    pairs: list[tuple[str, str]] | None = None,
    train_steps: int = 0,
    d_model: int = 64,
    seed: int = 0,
) -> Path:
    """Write a tiny OPUS-MT-shaped checkpoint (model, source.spm, target.spm, vocab.json)."""
    import torch
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    pairs = pairs or caption_pairs()
    folder.mkdir(parents=True, exist_ok=True)
    source_spm = train_spm([en for en, _ in pairs], folder / "source")
    target_spm = train_spm([de for _, de in pairs], folder / "target")
    source_spm.rename(folder / "source.spm")
    target_spm.rename(folder / "target.spm")
    for leftover in folder.glob("*.vocab"):
        leftover.unlink()
    vocab = _marian_vocab([folder / "source.spm", folder / "target.spm"])
    (folder / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")

    torch.manual_seed(seed)
    config = MarianConfig(
        vocab_size=len(vocab),
        decoder_vocab_size=len(vocab),
        d_model=d_model,
        encoder_layers=2,
        decoder_layers=2,
        encoder_attention_heads=4,
        decoder_attention_heads=4,
        encoder_ffn_dim=d_model * 4,
        decoder_ffn_dim=d_model * 4,
        max_position_embeddings=128,
        pad_token_id=vocab["<pad>"],
        eos_token_id=0,
        forced_eos_token_id=0,
        decoder_start_token_id=vocab["<pad>"],
        activation_function="swish",
        share_encoder_decoder_embeddings=True,
        tie_word_embeddings=True,
        dropout=0.0,
    )
    model = MarianMTModel(config)
    tokenizer = MarianTokenizer(
        source_spm=str(folder / "source.spm"),
        target_spm=str(folder / "target.spm"),
        vocab=str(folder / "vocab.json"),
        source_lang="en",
        target_lang="de",
    )
    if train_steps:
        _fit(model, tokenizer, pairs, train_steps)
    model.generation_config.num_beams = 4
    model.generation_config.max_length = 64
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def _fit(model: object, tokenizer: object, pairs: list[tuple[str, str]], steps: int) -> None:
    """A few hundred Adam steps: enough for a tiny model to translate the templates."""
    import torch

    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)  # type: ignore[attr-defined]
    model.train()  # type: ignore[attr-defined]
    rng = random.Random(0)
    for _ in range(steps):
        batch = rng.sample(pairs, 32)
        encoded = tokenizer(  # type: ignore[operator]
            [en for en, _ in batch],
            text_target=[de for _, de in batch],
            padding=True,
            return_tensors="pt",
        )
        labels = encoded["labels"]
        labels[labels == tokenizer.pad_token_id] = -100  # type: ignore[attr-defined]
        loss = model(**encoded).loss  # type: ignore[operator]
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    model.eval()  # type: ignore[attr-defined]


def make_bundle(
    folder: Path,
    teacher: Path,
    source_lang: str = "en",
    target_lang: str = "de",
    quantization: str = "int8",
    normal_range: bool = True,
) -> Path:
    """Convert a tiny Marian checkpoint to CTranslate2 and seal it as a bundle (with its
    normal range measured on the template captions, as the bundle step does on dev)."""
    import shutil

    import ctranslate2
    from ctranslate2.converters import TransformersConverter

    from bundle import (
        Manifest,
        ModelInfo,
        Score,
        StudentInfo,
        TeacherInfo,
        TestSetQuality,
        TrainingData,
        seal,
    )
    from model_build.normal_range import measure

    folder.mkdir(parents=True, exist_ok=True)
    TransformersConverter(str(teacher)).convert(str(folder / "model"), quantization=quantization)
    shutil.copy(teacher / "source.spm", folder / "source.spm")
    shutil.copy(teacher / "target.spm", folder / "target.spm")
    (folder / "report.md").write_text("# Tiny test bundle\n", encoding="utf-8")
    config = json.loads((teacher / "config.json").read_text(encoding="utf-8"))
    manifest = Manifest(
        name=f"tiny-{source_lang}-{target_lang}",
        version="0.0.1",
        created_at=datetime.now(UTC),
        source_lang=source_lang,
        target_lang=target_lang,
        teacher=TeacherInfo(id="tests/tiny-teacher", family="marian", parameters=1_000_000),
        student=StudentInfo(
            preset="test",
            encoder_layers=config["encoder_layers"],
            decoder_layers=config["decoder_layers"],
            d_model=config["d_model"],
            ffn_dim=config["encoder_ffn_dim"],
            attention_heads=config["encoder_attention_heads"],
            parameters=100_000,
            source_vocab_size=config["vocab_size"],
            target_vocab_size=config["vocab_size"],
        ),
        model=ModelInfo(
            compute_type=quantization,
            ctranslate2_version=ctranslate2.__version__,
            max_input_tokens=config["max_position_embeddings"] - 1,
            max_output_tokens=config["max_position_embeddings"] - 1,
        ),
        data=TrainingData(sentences=336, sources=["tests/factories.py"], distilled=False),
        quality={
            "templates": TestSetQuality(sentences=10, student=Score(bleu=10.0, chrf=30.0)),
        },
    )
    if normal_range:
        sources = [en for en, _ in caption_pairs()]
        normal = measure(folder, manifest, sources, sources[:64])
        manifest = manifest.model_copy(update={"normal_range": normal})
    seal(folder, manifest)
    return folder


def make_m2m100_teacher(
    folder: Path,
    pairs: list[tuple[str, str]] | None = None,
    train_steps: int = 0,
    d_model: int = 64,
    seed: int = 0,
) -> Path:
    """Write a tiny M2M100 checkpoint with its own SentencePiece model and `__xx__` tokens.

    Loadable with `AutoTokenizer`/`AutoModelForSeq2SeqLM` like `facebook/m2m100_418M`: source
    sentences start with `__en__`, and the target language is forced as the first token.
    """
    import torch
    from transformers import M2M100Config, M2M100ForConditionalGeneration, M2M100Tokenizer

    pairs = pairs or caption_pairs()
    folder.mkdir(parents=True, exist_ok=True)
    joint = train_spm([en for en, _ in pairs] + [de for _, de in pairs], folder / "joint", 160)
    joint.rename(folder / "sentencepiece.bpe.model")
    (folder / "joint.vocab").unlink()
    import sentencepiece as spm

    processor = spm.SentencePieceProcessor(model_file=str(folder / "sentencepiece.bpe.model"))
    vocab = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
    for index in range(processor.get_piece_size()):
        piece = processor.id_to_piece(index)
        if piece not in vocab and not processor.is_control(index):
            vocab[piece] = len(vocab)
    (folder / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    tokenizer = M2M100Tokenizer(
        vocab_file=str(folder / "vocab.json"),
        spm_file=str(folder / "sentencepiece.bpe.model"),
        src_lang="en",
        tgt_lang="de",
    )
    torch.manual_seed(seed)
    # Pieces, then the 100 `__xx__` language tokens, then the "madeupword" fillers (as M2M100).
    vocab_size = max(tokenizer.lang_token_to_id.values()) + 1 + tokenizer.num_madeup_words
    config = M2M100Config(
        vocab_size=vocab_size,
        d_model=d_model,
        encoder_layers=2,
        decoder_layers=2,
        encoder_attention_heads=4,
        decoder_attention_heads=4,
        encoder_ffn_dim=d_model * 4,
        decoder_ffn_dim=d_model * 4,
        max_position_embeddings=128,
        pad_token_id=1,
        bos_token_id=0,
        eos_token_id=2,
        decoder_start_token_id=2,
        dropout=0.0,
        attention_dropout=0.0,
        activation_dropout=0.0,
    )
    model = M2M100ForConditionalGeneration(config)
    if train_steps:
        _fit(model, tokenizer, pairs, train_steps)
    model.generation_config.num_beams = 4
    model.generation_config.max_length = 64
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder
