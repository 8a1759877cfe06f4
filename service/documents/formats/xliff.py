"""XLIFF 1.2 and 2.0: each source is translated into its target.

Ids, notes, states and every other element stay. Inline codes keep their identity: paired
codes (1.2 ``<g>``/``<mrk>``, 2.0 ``<pc>``/``<mrk>``) wrap the translated words; standalone codes
(1.2 ``<x/>``, ``<bx/>``, ``<ex/>``, ``<ph>``, ``<bpt>``, ``<ept>``, ``<it>``; 2.0 ``<ph/>``,
``<sc/>``, ``<ec/>``, ``<sm/>``, ``<em/>``) are atoms. Units marked ``translate="no"`` are skipped.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from lxml import etree

from service.documents.errors import UnsupportedDocumentError
from service.documents.formats._tree import Writer, content_pieces, local_name
from service.documents.formats.base import DocumentFormat, Extraction, Probe
from service.documents.safety import Guard, parse_xml
from service.documents.segments import Piece, Tag, Unit

XLIFF12 = "urn:oasis:names:tc:xliff:document:1.2"
XLIFF20 = "urn:oasis:names:tc:xliff:document:2.0"
_PAIRED = {"g", "mrk", "pc"}


def _classify(element: etree._Element) -> str:
    return "inline" if local_name(element) in _PAIRED else "atom"


@dataclass
class _Target:
    """A source element and where its translation goes."""

    source: etree._Element
    unit: Unit

    def write_back(self) -> None:
        if self.unit.result is None:
            return
        ns = etree.QName(self.source).namespace
        parent = self.source.getparent()
        assert parent is not None
        target = parent.find(f"{{{ns}}}target")
        if target is None:
            target = etree.Element(f"{{{ns}}}target")
            anchor = self.source
            seg_source = parent.find(f"{{{ns}}}seg-source")
            if seg_source is not None:
                anchor = seg_source
            anchor.addnext(target)
            target.tail = self.source.tail
        else:
            target.text = None
            for child in list(target):
                target.remove(child)
        pieces = [_copy_tag(p) for p in self.unit.result]
        Writer(target, 0, target, "text").write(pieces)


def _copy_tag(piece: Piece) -> Piece:
    """Targets get copies of the source's inline elements; the source stays as it was."""
    if isinstance(piece, str) or piece.kind == "close":
        return piece
    assert isinstance(piece.raw, etree._Element)
    clone = copy.deepcopy(piece.raw)
    clone.tail = None
    return Tag(piece.kind, clone, piece.id)


class XliffFormat(DocumentFormat):
    name = "xliff"
    extensions = (".xliff", ".xlf")
    media_type = "application/xliff+xml"

    @classmethod
    def matches(cls, probe: Probe) -> bool:
        root = probe.xml_root
        return root is not None and root[0] == "xliff"

    def extract(self, data: bytes, guard: Guard) -> Extraction:
        tree = parse_xml(data, guard)
        root = tree.getroot()
        ns = etree.QName(root).namespace
        if ns == XLIFF12:
            holders = "trans-unit"
        elif ns == XLIFF20:
            holders = "unit"
        else:
            raise UnsupportedDocumentError("Only XLIFF 1.2 and 2.0 are supported.")
        targets: list[_Target] = []
        for holder in root.iter(f"{{{ns}}}{holders}"):
            if holder.get("translate") == "no":
                continue
            for source in holder.iter(f"{{{ns}}}source"):
                targets.append(_Target(source, Unit(content_pieces(source, _classify))))
            guard.check_time()
        info = tree.docinfo

        def rebuild() -> bytes:
            for target in targets:
                target.write_back()
            out: bytes = etree.tostring(
                tree, xml_declaration=True, encoding=info.encoding or "UTF-8"
            )
            return out

        return Extraction([t.unit for t in targets], rebuild)
