"""A teacher bundle served in-process: the teacher itself in CTranslate2, next to the student.

The bundles of a folder are loaded exactly as the student's (`ModelRegistry.load`: verified,
one dispatcher and sentence cache per direction), on their own dispatchers so that teacher
work never queues behind student batches. The teacher's CPU time is attributed like the
student's (the cost accounting's attributor is its batch listener, each call carries its own
`RequestContext`), and priced at the same vCPU price.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from service.engine.dispatcher import BatchListener
from service.engine.registry import LoadedModel, ModelRegistry
from service.errors import QueueFullError, ServiceError, UnsupportedDirectionError
from service.pipeline import RequestContext, translate_cached
from service.settings import ServiceSettings
from service.teachers.base import TeacherAnswer, TeacherClient, TeacherError


class BundleTeacher(TeacherClient):
    def __init__(
        self,
        name: str,
        folder: Path,
        settings: ServiceSettings,
        usd_per_cpu_second: float,
        listeners: Sequence[BatchListener] = (),
    ) -> None:
        self.name = name
        self.folder = folder
        self.usd_per_cpu_second = usd_per_cpu_second
        self._settings = settings.model_copy(update={"models_dir": folder})
        self._listeners = list(listeners)
        self._registry: ModelRegistry | None = None

    async def start(self) -> None:
        """Load and verify the bundles (off the event loop); raises like the student's load."""
        registry = await asyncio.to_thread(ModelRegistry.load, self._settings, self._listeners)
        registry.start()
        self._registry = registry

    async def close(self) -> None:
        if self._registry is not None:
            await asyncio.to_thread(self._registry.stop)
            self._registry = None

    @property
    def models(self) -> list[LoadedModel]:
        return self._registry.models if self._registry is not None else []

    async def translate(self, texts: list[str], source: str, target: str) -> TeacherAnswer:
        if self._registry is None:
            raise TeacherError("unavailable", f"{self.name} is not started")
        try:
            model = self._registry.get(source, target)
        except UnsupportedDirectionError:
            raise TeacherError("unavailable", f"{self.name} has no {source}-{target}") from None
        context = RequestContext()
        try:
            entries = await translate_cached(model, texts, model.translator.tokenize, context)
        except QueueFullError:
            raise TeacherError("unavailable", f"{self.name}: queue full") from None
        except ServiceError as error:
            raise TeacherError("bad_answer", f"{self.name}: {error.code}") from None
        translations = [entry.translation.text for entry in entries]
        return self.answer(texts, translations, context.cpu_seconds * self.usd_per_cpu_second)
