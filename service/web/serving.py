"""The page's logic, no FastAPI: the page itself, its assets, model summaries and the bundle's
build report rendered safely.

Everything the page shows comes from the service: assets are files of this package (no CDN:
the service runs on offline nodes), and the report's Markdown is rendered with raw HTML off,
so a report cannot inject markup into the service's origin.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from markdown_it import MarkdownIt

from bundle import Manifest
from service.documents.formats import FORMATS
from service.engine.registry import LoadedModel, ModelRegistry
from service.web.protocol import ModelsResponse, ModelSummary, TestSetSummary
from service.web.settings import WebSettings

STATIC = Path(__file__).resolve().parent / "static"

#: Only same-origin scripts, styles, images and requests; no inline script, no framing.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
REPORT_NAME = "report.md"
REPORT_IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}


@dataclass(frozen=True)
class Asset:
    body: bytes
    media_type: str


def load_assets() -> dict[str, Asset]:
    """The page's static files, read once: a fixed list, so no path from a URL reaches disk."""
    return {
        "app.js": Asset((STATIC / "app.js").read_bytes(), "text/javascript; charset=utf-8"),
        "app.css": Asset((STATIC / "app.css").read_bytes(), "text/css; charset=utf-8"),
    }


def accepted_extensions() -> list[str]:
    """Every extension the document endpoint takes (a new format shows up by itself)."""
    return [extension for fmt in FORMATS for extension in fmt.extensions]


def render_page(settings: WebSettings) -> str:
    """index.html with its settings and formats filled in (values, never user input)."""
    template = (STATIC / "index.html").read_text(encoding="utf-8")
    extensions = accepted_extensions()
    values = {
        "__DEBOUNCE_MS__": str(settings.ui_debounce_ms),
        "__ACCEPT_LIST__": ", ".join(extensions),
        "__ACCEPT__": ",".join(extensions),
    }
    for placeholder, value in values.items():
        template = template.replace(placeholder, html.escape(value))
    return template


def _test_set_summary(name: str, manifest: Manifest) -> TestSetSummary:
    quality = manifest.quality[name]
    teacher = quality.teacher
    kept = None
    if teacher is not None and teacher.bleu > 0:
        kept = round(100 * quality.student.bleu / teacher.bleu, 1)
    return TestSetSummary(
        test_set=name,
        sentences=quality.sentences,
        student_bleu=quality.student.bleu,
        student_chrf=quality.student.chrf,
        teacher_bleu=None if teacher is None else teacher.bleu,
        teacher_chrf=None if teacher is None else teacher.chrf,
        bleu_kept_percent=kept,
    )


def model_summary(model: LoadedModel) -> ModelSummary:
    manifest = model.manifest
    has_report = (model.folder / REPORT_NAME).is_file()
    return ModelSummary(
        direction=model.direction,
        source=manifest.source_lang,
        target=manifest.target_lang,
        name=manifest.name,
        version=manifest.version,
        teacher=manifest.teacher.id,
        teacher_family=manifest.teacher.family,
        quality=[_test_set_summary(name, manifest) for name in sorted(manifest.quality)],
        report_url=f"/ui/models/{model.direction}/report" if has_report else None,
    )


def models(registry: ModelRegistry) -> ModelsResponse:
    ordered = sorted(registry.models, key=lambda m: m.direction)
    return ModelsResponse(models=[model_summary(model) for model in ordered])


def find_model(registry: ModelRegistry, direction: str) -> LoadedModel | None:
    return next((m for m in registry.models if m.direction == direction), None)


def render_report(model: LoadedModel) -> str | None:
    """The bundle's report.md as an HTML page; raw HTML in it is shown as text."""
    path = model.folder / REPORT_NAME
    if not path.is_file():
        return None
    markdown = MarkdownIt("commonmark", {"html": False}).enable("table")
    body = markdown.render(path.read_text(encoding="utf-8", errors="replace"))
    title = html.escape(f"{model.manifest.name} {model.manifest.version}: build report")
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<title>{title}</title>\n<link rel="stylesheet" href="/ui/static/app.css">\n'
        f'</head>\n<body>\n<main class="report">\n{body}</main>\n</body>\n</html>\n'
    )


def report_image(model: LoadedModel, name: str) -> Asset | None:
    """An image the report links, if the bundle lists it (its checksum was verified at load)."""
    suffix = PurePosixPath(name).suffix.lower()
    if "/" in name or name not in model.manifest.files or suffix not in REPORT_IMAGE_TYPES:
        return None
    return Asset((model.folder / name).read_bytes(), REPORT_IMAGE_TYPES[suffix])
