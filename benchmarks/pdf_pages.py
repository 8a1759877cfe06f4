"""Before/after picture of a PDF translated by a bundle, page by page, side by side. One run.

Usage::

    python -m benchmarks.pdf_pages --bundle service/bundles/en-de \\
        --out docs/images/pdf-before-after.png [--pdf IN.pdf]

Without ``--pdf`` it takes the real-looking PDF of tests/service/documents/test_formats_pdf.py
(three pages: a coloured heading, two columns, a picture, a table, an italic closing line),
translates it with the service's PDF format and the bundle's student (sentences prepared as the
service prepares them), and renders each page before (left) and after (right) with pypdfium2
(dev tool only; Apache-2.0/BSD-3-Clause). Picture: docs/documents.md (PDF).
"""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import pypdfium2
from PIL import Image

from bundle import open_verified
from service.documents.formats.pdf import PdfFormat
from service.documents.safety import Guard
from service.documents.settings import DocumentSettings
from service.engine.translator import BundleTranslator, long_input_tokens
from service.settings import ServiceSettings
from service.text import prepare_text
from tests.service.documents.test_formats_pdf import real_looking_pdf


def _pages(data: bytes, scale: float) -> list[Image.Image]:
    document = pypdfium2.PdfDocument(io.BytesIO(data))
    return [page.render(scale=scale).to_pil().convert("RGB") for page in document]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bundle", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--pdf", type=Path)
    parser.add_argument("--scale", type=float, default=0.8)
    args = parser.parse_args(argv)
    manifest = open_verified(args.bundle)
    translator = BundleTranslator(args.bundle, manifest, ServiceSettings())
    limit = long_input_tokens(manifest, 1.0)

    def count(sentence: str) -> int:
        return len(translator.tokenize(sentence))

    def translate(batch: list[str]) -> list[str]:
        out = []
        for text in batch:
            prepared = prepare_text(text, "en", count, translator.max_input_tokens, limit)
            out.append(prepared.restore([t.text for t in translator.translate(prepared.sentences)]))
        return out

    source = args.pdf.read_bytes() if args.pdf else real_looking_pdf()
    translated = PdfFormat().translate(source, translate, Guard(DocumentSettings()))
    before, after = _pages(source, args.scale), _pages(translated, args.scale)
    width, height = before[0].width, before[0].height
    sheet = Image.new("RGB", (2 * width + 10, len(before) * (height + 10)), "#888888")
    for row, (left, right) in enumerate(zip(before, after, strict=True)):
        sheet.paste(left, (0, row * (height + 10)))
        sheet.paste(right, (width + 10, row * (height + 10)))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(args.out, optimize=True)


if __name__ == "__main__":
    main()
