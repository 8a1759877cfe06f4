"""Document translation: formats that keep structure, safety against hostile files, jobs.

Public surface: :func:`include_documents` (wire the routes into an app), :class:`DocumentSettings`
(env prefix ``MT_DOC_``), :class:`DocumentService` (logic without FastAPI) and
``SegmentTranslator`` (the one seam to the translation engine: it answers ``Translations`` or a
list, and raises ``SegmentFailedError`` for a segment it cannot translate).
See ``docs/documents.md``.
"""

from service.documents.api_router import include_documents, pipeline_translator_factory
from service.documents.errors import SegmentFailedError
from service.documents.segments import SegmentTranslator, Translations
from service.documents.serving import DocumentService, TranslatorFactory
from service.documents.settings import DocumentSettings

__all__ = [
    "DocumentService",
    "DocumentSettings",
    "SegmentFailedError",
    "SegmentTranslator",
    "Translations",
    "TranslatorFactory",
    "include_documents",
    "pipeline_translator_factory",
]
