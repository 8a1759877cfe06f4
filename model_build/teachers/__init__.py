"""Teacher backends: one small class per kind of teacher over `Teacher` (see base.py)."""

from __future__ import annotations

from model_build.config import BuildConfig
from model_build.teachers.base import Teacher


def teacher_class(family: str) -> type[Teacher]:
    """The backend class for a teacher family (imports nothing heavy)."""
    from model_build.teachers.ctranslate2 import CTranslate2Teacher
    from model_build.teachers.huggingface import (
        M2M100Teacher,
        MarianTeacher,
        MBart50Teacher,
        NLLBTeacher,
        T5TagTeacher,
    )
    from model_build.teachers.openai import OpenAIChatTeacher

    classes: dict[str, type[Teacher]] = {
        cls.family: cls
        for cls in (
            MarianTeacher,
            M2M100Teacher,
            NLLBTeacher,
            MBart50Teacher,
            T5TagTeacher,
            CTranslate2Teacher,
            OpenAIChatTeacher,
        )
    }
    return classes[family]


def load_teacher(
    config: BuildConfig, beam_size: int | None = None, threads: int | None = None
) -> Teacher:
    """The configured teacher, ready to translate (this loads its weights)."""
    cls = teacher_class(config.teacher.family)
    return cls(
        config.teacher,
        config.source_lang,
        config.target_lang,
        beam_size=beam_size or config.distill.beam_size,
        max_length=config.distill.max_length,
        threads=config.distill.threads if threads is None else threads,
    )


__all__ = ["Teacher", "load_teacher", "teacher_class"]
