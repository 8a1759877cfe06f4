"""Office Open XML (docx, pptx, xlsx) at the XML level: paragraphs of runs become units.

Only the parts that carry text are parsed and rewritten; every other archive member (styles,
images, layouts, relationships) is copied unchanged. In a paragraph, runs are grouped by their
formatting (the serialized run properties): the dominant formatting is the paragraph's base and
travels untagged, other formats (bold, italic, a hyperlink's run style) become ``open``/``close``
tags, and so do the elements that wrap runs in Word (hyperlinks, tracked insertions and moves,
smart tags, inline content controls): their text is translated and stays inside them. Tabs,
breaks, drawings (with their text boxes, which are paragraphs of their own), fields, bookmarks
and tracked deletions are atoms that keep their order.
"""

from __future__ import annotations

import copy
import itertools
import re
from dataclasses import dataclass, field

from lxml import etree

from service.documents.formats.base import Extraction
from service.documents.safety import Guard, ZipPackage, open_zip, safe_xml_parser
from service.documents.segments import Piece, Tag, Unit

_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


@dataclass(frozen=True)
class Dialect:
    """Element names of one OOXML vocabulary (all in namespace ``ns``)."""

    ns: str
    paragraph: str
    parts: re.Pattern[str]
    leading: frozenset[str] = frozenset()
    trailing: frozenset[str] = frozenset()
    wrappers: frozenset[str] = frozenset()
    """Elements that wrap runs inside a paragraph (their runs in ``sdtContent`` for ``sdt``)."""
    bare_text: bool = False
    top_level_only: bool = False

    def q(self, name: str) -> str:
        return f"{{{self.ns}}}{name}"


@dataclass(eq=False)
class _Format:
    """An ``open`` tag's payload: run properties for the text inside."""

    rpr: etree._Element | None


@dataclass(eq=False)
class _Wrapper:
    """An ``open`` tag's payload: an element that wraps runs (a hyperlink, an insertion); the
    translated runs go into its `container` (itself, or a content control's ``sdtContent``)."""

    element: etree._Element
    container: etree._Element
    base: etree._Element | None


@dataclass(eq=False)
class _RunAtom:
    """An atom: a non-text run child (tab, break, drawing) that goes back into its own run."""

    rpr: etree._Element | None
    child: etree._Element


@dataclass
class _Paragraph:
    element: etree._Element
    dialect: Dialect
    base: etree._Element | None
    unit: Unit
    bare: bool
    kept_lead: list[etree._Element] = field(default_factory=list)
    kept_trail: list[etree._Element] = field(default_factory=list)

    def write_back(self) -> None:
        """Rebuild the runs from the translated pieces; an unchanged paragraph keeps its own
        runs, boundaries and revision ids, exactly as they were."""
        result = self.unit.result
        if result is None or not self.unit.changed:
            return
        d = self.dialect
        frames: list[tuple[list[etree._Element], etree._Element | None, etree._Element | None]]
        frames = [([], self.base, None)]
        for piece in result:
            children, rpr, _ = frames[-1]
            if isinstance(piece, str):
                children.append(_text_run(d, rpr, piece, self.bare))
            elif piece.kind == "open" and isinstance(piece.raw, _Format):
                frames.append((children, piece.raw.rpr, None))
            elif piece.kind == "open" and isinstance(piece.raw, _Wrapper):
                container = piece.raw.container
                for child in list(container):
                    container.remove(child)
                children.append(piece.raw.element)
                frames.append(([], piece.raw.base, container))
            elif piece.kind == "close":
                inner, _, wrapped = frames.pop()
                if wrapped is not None:
                    wrapped.extend(inner)
            elif isinstance(piece.raw, _RunAtom):
                run = etree.Element(d.q("r"))
                if piece.raw.rpr is not None:
                    run.append(copy.deepcopy(piece.raw.rpr))
                run.append(piece.raw.child)
                children.append(run)
            else:
                assert isinstance(piece.raw, etree._Element)
                children.append(piece.raw)
        built = frames[0][0]
        for child in list(self.element):
            self.element.remove(child)
        self.element.extend([*self.kept_lead, *built, *self.kept_trail])


def _text_run(d: Dialect, rpr: etree._Element | None, text: str, bare: bool) -> etree._Element:
    if bare:
        t = etree.Element(d.q("t"))
    else:
        run = etree.Element(d.q("r"))
        if rpr is not None:
            run.append(copy.deepcopy(rpr))
        t = etree.SubElement(run, d.q("t"))
    t.text = text
    if text != text.strip():
        t.set(_XML_SPACE, "preserve")
    return t if bare else run


def _key(rpr: etree._Element | None) -> bytes:
    return b"" if rpr is None else etree.tostring(rpr)


# An item is ("text", rpr, text) | ("atom", payload) | ("wrap", element, container, items)
_Item = tuple[object, ...]


def _items(d: Dialect, elements: list[etree._Element]) -> list[_Item]:
    items: list[_Item] = []
    for el in elements:
        name = etree.QName(el).localname if isinstance(el.tag, str) else ""
        in_ns = isinstance(el.tag, str) and etree.QName(el).namespace == d.ns
        if in_ns and name == "r":
            rpr = el.find(d.q("rPr"))
            for sub in el:
                if sub is rpr:
                    continue
                if sub.tag == d.q("t"):
                    items.append(("text", rpr, sub.text or ""))
                else:
                    items.append(("atom", _RunAtom(rpr, sub)))
        elif in_ns and name == "t" and d.bare_text:
            items.append(("text", None, el.text or ""))
        elif in_ns and name in d.wrappers and (container := _container(d, el)) is not None:
            items.append(("wrap", el, container, _items(d, list(container))))
        else:
            items.append(("atom", el))
    return items


def _container(d: Dialect, wrapper: etree._Element) -> etree._Element | None:
    """Where a wrapper's runs are: a content control's ``sdtContent``, else the wrapper."""
    return wrapper.find(d.q("sdtContent")) if _local(wrapper) == "sdt" else wrapper


def _dominant(items: list[_Item]) -> etree._Element | None:
    weights: dict[bytes, tuple[int, etree._Element | None]] = {}
    for item in items:
        if item[0] == "text":
            rpr = item[1]
            assert rpr is None or isinstance(rpr, etree._Element)
            count, _ = weights.get(_key(rpr), (0, rpr))
            weights[_key(rpr)] = (count + len(str(item[2])), rpr)
    if not weights:
        return None
    return max(weights.values(), key=lambda w: w[0])[1]


def _pieces(items: list[_Item], base: etree._Element | None) -> list[Piece]:
    pieces: list[Piece] = []
    base_key = _key(base)

    def text_key(item: _Item) -> bytes | None:
        if item[0] != "text":
            return None
        rpr = item[1]
        return _key(rpr if isinstance(rpr, etree._Element) else None)

    for key, group in itertools.groupby(items, key=text_key):
        members = list(group)
        if key is None:
            for item in members:
                if item[0] == "wrap":
                    element, container, inner = item[1:]
                    assert isinstance(element, etree._Element)
                    assert isinstance(container, etree._Element) and isinstance(inner, list)
                    inner_base = _dominant(inner)
                    pieces.append(Tag("open", _Wrapper(element, container, inner_base)))
                    pieces.extend(_pieces(inner, inner_base))
                    pieces.append(Tag("close", None))
                else:
                    pieces.append(Tag("atom", item[1]))
            continue
        text = "".join(str(item[2]) for item in members)
        if key == base_key:
            pieces.append(text)
        else:
            rpr = members[0][1]
            assert rpr is None or isinstance(rpr, etree._Element)
            pieces.extend([Tag("open", _Format(rpr)), text, Tag("close", None)])
    return pieces


def _paragraph(element: etree._Element, d: Dialect) -> _Paragraph:
    children = list(element)
    lead: list[etree._Element] = []
    trail: list[etree._Element] = []
    while children and _local(children[0]) in d.leading:
        lead.append(children.pop(0))
    while children and _local(children[-1]) in d.trailing:
        trail.insert(0, children.pop())
    items = _items(d, children)
    base = _dominant([i for i in items if i[0] == "text"])
    bare = d.bare_text and not any(_local(c) == "r" for c in children)
    return _Paragraph(element, d, base, Unit(_pieces(items, base)), bare, lead, trail)


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def extract_package(data: bytes, guard: Guard, dialects: list[Dialect]) -> Extraction:
    """Units of every text-bearing part of an OOXML package and a rebuild that rewrites them."""

    def wanted(name: str) -> bool:
        return any(d.parts.fullmatch(name) for d in dialects)

    package: ZipPackage = open_zip(data, guard, wanted)
    parts: list[tuple[str, etree._ElementTree, list[_Paragraph]]] = []
    for name in package.names:
        for d in dialects:
            if not d.parts.fullmatch(name):
                continue
            tree = etree.ElementTree(etree.fromstring(package.read(name), safe_xml_parser()))
            root = tree.getroot()
            found = (
                root.iterchildren(d.q(d.paragraph))
                if d.top_level_only
                else root.iter(d.q(d.paragraph))
            )
            paragraphs = [_paragraph(p, d) for p in found]
            parts.append((name, tree, paragraphs))
            guard.check_time()
    units = [p.unit for _, _, paragraphs in parts for p in paragraphs]

    def rebuild() -> bytes:
        replaced: dict[str, bytes] = {}
        for name, tree, paragraphs in parts:
            if not any(p.unit.changed for p in paragraphs):
                continue
            for p in paragraphs:
                p.write_back()
            replaced[name] = etree.tostring(
                tree, xml_declaration=True, encoding="UTF-8", standalone=True
            )
        return package.rewrite(replaced)

    return Extraction(units, rebuild)
