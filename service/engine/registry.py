"""Every bundle of the models folder, verified, loaded and wired to its dispatcher and cache."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bundle import BundleError, Manifest, open_verified
from service.engine.cache import SentenceCache
from service.engine.dispatcher import BatchListener, Dispatcher
from service.engine.translator import BundleTranslator, TranslatedSentence
from service.errors import ModelsUnavailableError, UnsupportedDirectionError
from service.settings import ServiceSettings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CachedTranslation:
    translation: TranslatedSentence
    input_tokens: int


@dataclass
class LoadedModel:
    """One served direction: its bundle, translator, dispatcher and sentence cache."""

    folder: Path
    manifest: Manifest
    translator: BundleTranslator
    dispatcher: Dispatcher
    cache: SentenceCache[CachedTranslation]

    @property
    def direction(self) -> str:
        return self.manifest.direction


def find_bundles(models_dir: Path) -> list[tuple[Path, Manifest]]:
    """Verify every bundle folder; raise once with every problem found.

    Teacher bundles (`role: teacher`) are skipped: they are the escalation target
    (MT_ROUTING_TEACHER_DIR), and serving one here would claim the student's direction.
    """
    if not models_dir.is_dir():
        raise ModelsUnavailableError(f"models folder {models_dir} does not exist")
    folders = sorted(
        path for path in models_dir.iterdir() if path.is_dir() and not path.name.startswith(".")
    )
    if not folders:
        raise ModelsUnavailableError(f"models folder {models_dir} holds no bundle folders")
    problems: list[str] = []
    found: list[tuple[Path, Manifest]] = []
    for folder in folders:
        try:
            found.append((folder, open_verified(folder)))
        except BundleError as error:
            problems.append(str(error))
    found = [(folder, manifest) for folder, manifest in found if not _is_teacher(folder, manifest)]
    if not found and not problems:
        raise ModelsUnavailableError(
            f"models folder {models_dir} holds only teacher bundles: put student bundles in it "
            "and the teachers in MT_ROUTING_TEACHER_DIR"
        )
    seen: dict[str, Path] = {}
    for folder, manifest in found:
        if manifest.direction in seen:
            problems.append(
                f"bundles {seen[manifest.direction]} and {folder} both serve {manifest.direction}"
            )
        seen[manifest.direction] = folder
    if problems:
        raise ModelsUnavailableError("; ".join(problems))
    return found


def _is_teacher(folder: Path, manifest: Manifest) -> bool:
    if manifest.role != "teacher":
        return False
    logger.info(
        "skipping %s: a teacher bundle (%s), not served as a student; "
        "teachers are read from MT_ROUTING_TEACHER_DIR",
        folder,
        manifest.direction,
    )
    return True


class ModelRegistry:
    """The loaded models, looked up by (source, target)."""

    def __init__(self, models: Sequence[LoadedModel]) -> None:
        self._by_direction = {(m.manifest.source_lang, m.manifest.target_lang): m for m in models}

    @classmethod
    def load(
        cls, settings: ServiceSettings, listeners: Sequence[BatchListener] = ()
    ) -> ModelRegistry:
        models = []
        for folder, manifest in find_bundles(settings.models_dir):
            translator = BundleTranslator(folder, manifest, settings)
            dispatcher = Dispatcher(
                manifest.direction,
                translator.translate_tokens,
                batching=settings.batching,
                max_tokens=settings.batch_max_tokens,
                max_wait_s=settings.max_batch_wait_ms / 1000,
                workers=settings.resolved_inter_threads(),
                queue_size=settings.queue_size,
                max_queue_wait_s=settings.max_queue_wait_ms / 1000,
                retry_after_seconds=settings.retry_after_seconds,
                listeners=listeners,
            )
            models.append(
                LoadedModel(
                    folder,
                    manifest,
                    translator,
                    dispatcher,
                    SentenceCache(
                        settings.cache_size,
                        settings.cache_max_bytes,
                        lambda entry: sum(
                            len(sentence.text)
                            for sentence in (entry.translation, *entry.translation.alternatives)
                        ),
                    ),
                )
            )
            logger.info(
                "loaded bundle %s %s (%s) from %s",
                manifest.name,
                manifest.version,
                manifest.direction,
                folder,
            )
        return cls(models)

    @property
    def models(self) -> list[LoadedModel]:
        return list(self._by_direction.values())

    def get(self, source: str, target: str) -> LoadedModel:
        model = self._by_direction.get((source, target))
        if model is None:
            served = ", ".join(sorted(m.direction for m in self.models)) or "none"
            raise UnsupportedDirectionError(
                f"no model translates {source}-{target} (served: {served})"
            )
        return model

    def sources_for(self, target: str) -> list[str]:
        return sorted(source for source, tgt in self._by_direction if tgt == target)

    def start(self) -> None:
        for model in self.models:
            model.dispatcher.start()

    def stop(self) -> None:
        for model in self.models:
            model.dispatcher.stop()
