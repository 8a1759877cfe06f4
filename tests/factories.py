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
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

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
        _fit_both_ways(model, _forced_language_encoder(tokenizer, ("en", "de")), pairs, train_steps)
    model.generation_config.num_beams = 4
    model.generation_config.max_length = 64
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


# Hub-shaped multilingual teachers -------------------------------------------------------------
# Each is saved as its hub snapshot is laid out (same model class, config fields, tokenizer class
# with its real special tokens and language codes) and trained both ways, en→de and de→en.
MADLAD_TAGS = ["<2en>", "<2de>", "<2fr>", "<2ro>", "<2zh>", "<2zh_Latn>"]


def _spm_file(
    folder: Path, name: str, pairs: list[tuple[str, str]], model_type: str, **extra: Any
) -> Path:
    """One joint SentencePiece model of both sides, saved as `name` (its `.vocab` removed)."""
    import sentencepiece as spm

    spm.SentencePieceTrainer.train(
        sentence_iterator=iter([en for en, _ in pairs] + [de for _, de in pairs]),
        model_prefix=str(folder / "spm"),
        vocab_size=200,
        model_type=model_type,
        character_coverage=1.0,
        hard_vocab_limit=False,
        minloglevel=2,
        **extra,
    )
    (folder / "spm.vocab").unlink()
    return (folder / "spm.model").rename(folder / name)


def _fit_both_ways(
    model: object, encode: Callable[[list[str], list[str], bool], Any],
    pairs: list[tuple[str, str]], steps: int,
) -> None:  # fmt: skip
    """Adam steps alternating en→de and de→en batches (`encode(src, tgt, reverse)`)."""
    import torch

    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)  # type: ignore[attr-defined]
    model.train()  # type: ignore[attr-defined]
    rng = random.Random(0)
    for step in range(steps):
        batch = rng.sample(pairs, 32)
        reverse = step % 2 == 1
        sources = [de if reverse else en for en, de in batch]
        targets = [en if reverse else de for en, de in batch]
        encoded = encode(sources, targets, reverse)
        loss = model(**encoded).loss  # type: ignore[operator]
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    model.eval()  # type: ignore[attr-defined]


def _forced_language_encoder(
    tokenizer: object, codes: tuple[str, str]
) -> Callable[[list[str], list[str], bool], object]:
    """Batches the way NLLB/mBART-50/M2M100 are trained: `src_lang`, `tgt_lang`, padded labels."""

    def encode(sources: list[str], targets: list[str], reverse: bool) -> object:
        source, target = reversed(codes) if reverse else codes
        tokenizer.src_lang, tokenizer.tgt_lang = source, target  # type: ignore[attr-defined]
        encoded = tokenizer(  # type: ignore[operator]
            sources, text_target=targets, padding=True, return_tensors="pt"
        )
        encoded["labels"][encoded["labels"] == tokenizer.pad_token_id] = -100  # type: ignore[attr-defined]
        return encoded

    return encode


def _bart_dims(d_model: int) -> dict[str, Any]:
    """The fields every BART-family config takes, at test size (fairseq ids, no dropout)."""
    return {
        "d_model": d_model, "encoder_layers": 2, "decoder_layers": 2,
        "encoder_attention_heads": 4, "decoder_attention_heads": 4,
        "encoder_ffn_dim": d_model * 4, "decoder_ffn_dim": d_model * 4,
        "max_position_embeddings": 128, "pad_token_id": 1, "bos_token_id": 0,
        "eos_token_id": 2, "decoder_start_token_id": 2, "scale_embedding": True,
        "dropout": 0.0, "attention_dropout": 0.0, "activation_dropout": 0.0,
    }  # fmt: skip


def _finish(model: object, folder: Path) -> None:
    model.generation_config.num_beams = 4  # type: ignore[attr-defined]
    model.generation_config.max_length = 64  # type: ignore[attr-defined]
    model.save_pretrained(folder)  # type: ignore[attr-defined]


def make_nllb_teacher(folder: Path, train_steps: int = 0, d_model: int = 64, seed: int = 0) -> Path:
    """A tiny `facebook/nllb-200-distilled-600M`: M2M100 weights, `NllbTokenizer` with its 202
    FLORES codes (`eng_Latn`, `deu_Latn`, ...) and `tokenizer.json`, as on the hub."""
    import torch
    from transformers import AutoTokenizer, M2M100Config, M2M100ForConditionalGeneration
    from transformers.models.nllb.tokenization_nllb import FAIRSEQ_LANGUAGE_CODES

    pairs = caption_pairs()
    folder.mkdir(parents=True, exist_ok=True)
    _spm_file(folder, "sentencepiece.bpe.model", pairs, "bpe")
    _write_json(folder / "tokenizer_config.json", {
        "tokenizer_class": "NllbTokenizer", "src_lang": "eng_Latn", "tgt_lang": "deu_Latn",
        "additional_special_tokens": FAIRSEQ_LANGUAGE_CODES, "model_max_length": 1024,
    })  # fmt: skip
    tokenizer = AutoTokenizer.from_pretrained(folder)
    torch.manual_seed(seed)
    dims = {**_bart_dims(d_model), "tokenizer_class": "NllbTokenizer"}  # as the hub config
    config = M2M100Config(vocab_size=len(tokenizer), **dims)
    model = M2M100ForConditionalGeneration(config)
    if train_steps:
        encode = _forced_language_encoder(tokenizer, ("eng_Latn", "deu_Latn"))
        _fit_both_ways(model, encode, pairs, train_steps)
    _finish(model, folder)
    tokenizer.save_pretrained(folder)
    return folder


def make_mbart50_teacher(
    folder: Path, train_steps: int = 0, d_model: int = 64, seed: int = 0
) -> Path:
    """A tiny `facebook/mbart-large-50-many-to-many-mmt`: `MBartForConditionalGeneration`,
    `MBart50Tokenizer` (`en_XX`, `de_DE`, ... 52 codes), and like that snapshot no
    `tokenizer.json`: transformers converts `sentencepiece.bpe.model` (which needs protobuf)."""
    import torch
    from transformers import AutoTokenizer, MBartConfig, MBartForConditionalGeneration
    from transformers.models.mbart50.tokenization_mbart50 import FAIRSEQ_LANGUAGE_CODES

    pairs = caption_pairs()
    folder.mkdir(parents=True, exist_ok=True)
    _spm_file(folder, "sentencepiece.bpe.model", pairs, "bpe")
    special = {
        "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "sep_token": "</s>",
        "cls_token": "<s>", "pad_token": "<pad>", "mask_token": "<mask>",
        "additional_special_tokens": FAIRSEQ_LANGUAGE_CODES,
    }  # fmt: skip
    _write_json(folder / "special_tokens_map.json", special)
    _write_json(folder / "tokenizer_config.json", {
        **special, "tokenizer_class": "MBart50Tokenizer", "tokenizer_file": None,
        "src_lang": "en_XX", "tgt_lang": "de_DE", "model_max_length": 1024,
    })  # fmt: skip
    tokenizer = AutoTokenizer.from_pretrained(folder)
    torch.manual_seed(seed)
    # The hub config's fields, which CTranslate2's converter reads (pre-norm, embedding norm).
    hub_fields: dict[str, Any] = {"normalize_before": True, "normalize_embedding": True,
                  "add_final_layer_norm": True, "activation_function": "relu"}  # fmt: skip
    config = MBartConfig(vocab_size=len(tokenizer), forced_eos_token_id=2,
                         **_bart_dims(d_model), **hub_fields)  # fmt: skip
    model = MBartForConditionalGeneration(config)
    if train_steps:
        encode = _forced_language_encoder(tokenizer, ("en_XX", "de_DE"))
        _fit_both_ways(model, encode, pairs, train_steps)
    _finish(model, folder)
    return folder


def make_madlad_teacher(
    folder: Path, train_steps: int = 0, d_model: int = 64, seed: int = 0
) -> Path:
    """A tiny `google/madlad400-3b-mt`: T5 (gated-GELU, untied), `T5Tokenizer` whose
    `spiece.model` holds the `<2xx>` target tags as pieces; the tag starts the source text."""
    import torch
    from transformers import AutoTokenizer, T5Config, T5ForConditionalGeneration

    pairs = caption_pairs()
    folder.mkdir(parents=True, exist_ok=True)
    _spm_file(folder, "spiece.model", pairs, "unigram", pad_id=0, eos_id=1, unk_id=2,
              bos_id=-1, user_defined_symbols=MADLAD_TAGS)  # fmt: skip
    _write_json(folder / "tokenizer_config.json", {
        "tokenizer_class": "T5Tokenizer", "extra_ids": 0, "additional_special_tokens": [],
        "eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>",
    })  # fmt: skip
    tokenizer = AutoTokenizer.from_pretrained(folder)
    torch.manual_seed(seed)
    fields: dict[str, Any] = {
        "vocab_size": len(tokenizer), "d_model": d_model, "d_kv": d_model // 4,
        "d_ff": d_model * 4, "num_layers": 2, "num_decoder_layers": 2, "num_heads": 4,
        "feed_forward_proj": "gated-gelu", "tie_word_embeddings": False, "dropout_rate": 0.0,
        "pad_token_id": 0, "eos_token_id": 1, "decoder_start_token_id": 0,
    }  # fmt: skip
    config = T5Config(**fields)
    model = T5ForConditionalGeneration(config)
    if train_steps:

        def encode(sources: list[str], targets: list[str], reverse: bool) -> object:
            tag = "<2en>" if reverse else "<2de>"
            encoded = tokenizer([f"{tag} {text}" for text in sources], text_target=targets,
                                padding=True, return_tensors="pt")  # fmt: skip
            encoded["labels"][encoded["labels"] == tokenizer.pad_token_id] = -100
            return encoded

        _fit_both_ways(model, encode, pairs, train_steps)
    _finish(model, folder)
    tokenizer.save_pretrained(folder)
    return folder


def _write_json(path: Path, value: object) -> None:
    path.write_text(json.dumps(value, ensure_ascii=False, indent=2), encoding="utf-8")
