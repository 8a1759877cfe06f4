"""XLIFF 1.2 and 2.0: each source still to translate is translated into its target.

A target a translator already wrote is kept (setting ``existing_translations``: ``keep``, the
default; ``overwrite`` replaces it). Still to translate: no target or an empty one, 1.2
``state="new"``/``"needs-translation"``, 2.0 ``state="initial"`` written on the segment. A target
written here is marked for review (1.2 ``state="needs-review-translation"``, 2.0 segment
``state="translated"``), and the file's target language (1.2 ``target-language``, 2.0
``trgLang``) is set to the requested one unless it already names that language.

Ids, notes, alt-trans and every other element stay. Inline codes keep their identity: paired
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
#: Per version: the element holding sources, the path to them from it, the states that mean
#: "still to translate", and the element carrying the state.
_V12 = ("trans-unit", "{ns}source", {"new", "needs-translation"}, "target")
_V20 = ("unit", "{ns}segment/{ns}source", {"initial"}, "segment")


def _classify(element: etree._Element) -> str:
    return "inline" if local_name(element) in _PAIRED else "atom"


@dataclass
class _Target:
    """A source element and where its translation goes."""

    source: etree._Element
    unit: Unit
    version: str

    def write_back(self) -> None:
        if self.unit.result is None:
            return
        target = _target_of(self.source)
        if target is None:
            target = _new_target(self.source)
        else:
            target.text = None
            for child in list(target):
                target.remove(child)
        pieces = [_copy_tag(p) for p in self.unit.result]
        Writer(target, 0, target, "text").write(pieces)
        if self.version == XLIFF12:
            target.set("state", "needs-review-translation")
        else:
            parent = self.source.getparent()
            assert parent is not None
            parent.set("state", "translated")


def _target_of(source: etree._Element) -> etree._Element | None:
    parent = source.getparent()
    assert parent is not None
    return parent.find(f"{{{etree.QName(source).namespace}}}target")


def _new_target(source: etree._Element) -> etree._Element:
    ns = etree.QName(source).namespace
    parent = source.getparent()
    assert parent is not None
    target = etree.Element(f"{{{ns}}}target")
    seg_source = parent.find(f"{{{ns}}}seg-source")
    (source if seg_source is None else seg_source).addnext(target)
    target.tail = source.tail
    return target


def _to_translate(source: etree._Element, pending: set[str], state_on: str, keep: bool) -> bool:
    """Whether a source gets a (new) target under the existing-translations policy."""
    target = _target_of(source)
    if not keep or target is None:
        return True
    if not ("".join(target.itertext()).strip() or len(target)):
        return True
    holder = target if state_on == "target" else source.getparent()
    assert holder is not None
    return holder.get("state") in pending


def _copy_tag(piece: Piece) -> Piece:
    """Targets get copies of the source's inline elements; the source stays as it was."""
    if isinstance(piece, str) or piece.kind == "close":
        return piece
    assert isinstance(piece.raw, etree._Element)
    clone = copy.deepcopy(piece.raw)
    clone.tail = None
    return Tag(piece.kind, clone, piece.id)


def _set_target_language(root: etree._Element, ns: str, target: str | None) -> None:
    """Name the requested language unless the file already names it (``de-DE`` for ``de``)."""
    if not target:
        return
    holders = root.iter(f"{{{ns}}}file") if ns == XLIFF12 else [root]
    attr = "target-language" if ns == XLIFF12 else "trgLang"
    for holder in holders:
        current = (holder.get(attr) or "").lower()
        if current.split("-")[0].split("_")[0] != target.lower().split("-")[0]:
            holder.set(attr, target)


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
        if ns not in (XLIFF12, XLIFF20):
            raise UnsupportedDocumentError("Only XLIFF 1.2 and 2.0 are supported.")
        holders, path, pending, state_on = _V12 if ns == XLIFF12 else _V20
        keep = guard.settings.existing_translations == "keep"
        targets: list[_Target] = []
        for holder in root.iter(f"{{{ns}}}{holders}"):
            if holder.get("translate") == "no":
                continue
            for source in holder.iterfind(path.format(ns=f"{{{ns}}}")):
                if _to_translate(source, pending, state_on, keep):
                    unit = Unit(content_pieces(source, _classify))
                    targets.append(_Target(source, unit, ns))
            guard.check_time()
        info = tree.docinfo

        def rebuild() -> bytes:
            for target in targets:
                target.write_back()
            _set_target_language(root, ns, extraction.target)
            out: bytes = etree.tostring(
                tree, xml_declaration=True, encoding=info.encoding or "UTF-8"
            )
            return out

        extraction = Extraction([t.unit for t in targets], rebuild)
        return extraction
