"""HTML and XHTML: text and ``alt``/``title``/``placeholder`` attributes.

Scripts, styles, code, ``translate="no"`` and ``class="notranslate"`` subtrees are left alone.
An inline element inside a sentence (``<b>``, ``<a href>``) does not split it: the whole run
goes out as one segment and the elements come back around the translated words.

HTML is read as a partition of its source (:mod:`.html_source`): only translated text and
attribute values change, every other byte (doctype, comments, anything after ``</html>``, tag and
attribute spelling, ``/>``) stays. XHTML is XML: lxml parses it (with the XML safety checks) and
writes it back.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from lxml import etree

from service.documents.formats._tree import collect_runs, local_name
from service.documents.formats.base import (
    DocumentFormat,
    Extraction,
    Probe,
    require_text,
)
from service.documents.formats.html_source import ATOM, ATTRIBUTES, INLINE, SKIP, HtmlDocument
from service.documents.safety import Guard, parse_xml
from service.documents.segments import Unit

_SKIP = SKIP | {"head"}  # XHTML: the head's <title> is walked on its own
_HTML_RE = re.compile(
    r"<(?:!doctype\s+html|html|head|body|p|div|span|a|b|i|em|strong|h[1-6]|ul|ol|li|table|br)\b",
    re.IGNORECASE,
)


def _no_translate(element: etree._Element) -> bool:
    return element.get("translate") == "no" or "notranslate" in (element.get("class") or "")


def _classify(element: etree._Element) -> str:
    name = local_name(element)
    if not isinstance(element.tag, str) or name in ATOM or _no_translate(element):
        return "atom"
    if name in INLINE and all(_classify(c) != "block" for c in element):
        return "inline"
    return "block"


def _units_of(root: etree._Element, guard: Guard) -> tuple[list[Unit], list[object]]:
    """Runs of every translatable block, plus attribute units, of an XHTML tree."""
    attribute_units: list[tuple[etree._Element, str, Unit]] = []

    def on_element(element: etree._Element) -> None:
        if not isinstance(element.tag, str):
            return
        for attr in ATTRIBUTES:
            value = element.get(attr)
            if value:
                attribute_units.append((element, attr, Unit([value])))

    runs = []
    for block in _translatable_blocks(root):
        guard.check_time()
        runs.extend(collect_runs(block, _classify, on_element))
    units = [r.unit for r in runs] + [u for _, _, u in attribute_units]
    writers: list[object] = [*runs, *attribute_units]
    return units, writers


def _translatable_blocks(root: etree._Element) -> list[etree._Element]:
    """Top blocks to walk: the body (or the root), plus the document ``<title>``."""
    out: list[etree._Element] = []
    for element in root.iter():
        name = local_name(element)
        if name == "title" and element.getparent() is not None:
            out.append(element)
    bodies = [e for e in root.iter() if local_name(e) == "body"]
    out.extend(bodies or [root])
    return out


def _write_back(writers: list[object]) -> None:
    for writer in writers:
        if isinstance(writer, tuple):
            element, attr, unit = writer
            if unit.result is not None:
                element.set(attr, unit.output_text())
        else:
            writer.write_back()  # type: ignore[attr-defined]


class HtmlFormat(DocumentFormat):
    name = "html"
    extensions = (".html", ".htm")
    media_type = "text/html; charset=utf-8"
    accepts_any_text = True

    @classmethod
    def matches(cls, probe: Probe) -> bool:
        return probe.text is not None and bool(_HTML_RE.search(probe.text.text[:65536]))

    def extract(self, data: bytes, guard: Guard) -> Extraction:
        decoded = require_text(data)
        document = HtmlDocument(decoded.text, guard)

        def rebuild() -> bytes:
            return decoded.encode(document.render())

        return Extraction(document.units, rebuild, decoded.charset)


class XhtmlFormat(DocumentFormat):
    name = "xhtml"
    extensions = (".xhtml", ".xht")
    media_type = "application/xhtml+xml"

    @classmethod
    def matches(cls, probe: Probe) -> bool:
        root = probe.xml_root
        return root is not None and root[0] == "html" and "xmlns" in root[1]

    def extract(self, data: bytes, guard: Guard) -> Extraction:
        tree = parse_xml(data, guard)
        units, write_back = xhtml_units(tree.getroot(), guard)
        info = tree.docinfo

        def rebuild() -> bytes:
            write_back()
            declared = data.lstrip().startswith(b"<?xml")
            out: bytes = etree.tostring(
                tree, xml_declaration=declared, encoding=info.encoding or "UTF-8"
            )
            return out

        return Extraction(units, rebuild)


def xhtml_units(root: etree._Element, guard: Guard) -> tuple[list[Unit], Callable[[], None]]:
    """The units of an XHTML tree and the call that writes their translations into it (also
    used for the content documents of an EPUB)."""
    marked = _mark_skipped(root)
    units, writers = _units_of(root, guard)

    def write_back() -> None:
        _write_back(writers)
        _unmark(marked)

    return units, write_back


def _mark_skipped(root: etree._Element) -> list[etree._Element]:
    """Flag script/style/pre/... subtrees untranslatable; remember which we flagged."""
    marked = []
    for element in root.iter():
        skipped = isinstance(element.tag, str) and local_name(element) in _SKIP
        if skipped and element.get("translate") is None:
            element.set("translate", "no")
            marked.append(element)
    return marked


def _unmark(marked: list[etree._Element]) -> None:
    for element in marked:
        del element.attrib["translate"]
