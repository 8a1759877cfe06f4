"""Mixed content of lxml trees (HTML, XHTML, XLIFF) as units, and writing it back.

A *run* is the text and inline elements between two block boundaries of one parent. Inline
elements become ``open``/``close`` tags around their content, other elements (``<br>``, ``<img>``,
``<code>``, XLIFF ``<ph/>``) become atoms that are moved whole. Writing back reuses the original
element objects, so their attributes and untouched content stay exactly as they were.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lxml import etree

from service.documents.segments import Piece, Tag, Unit

#: How an element takes part in a run: "inline" (content translated), "atom" (kept whole),
#: "block" (ends the run; the walker recurses into it).
Classifier = Callable[[etree._Element], str]


def local_name(element: etree._Element) -> str:
    if not isinstance(element.tag, str):
        return ""
    return str(etree.QName(element).localname).lower()


def flatten(element: etree._Element, classify: Classifier) -> list[Piece]:
    """Pieces of an inline element: open tag, its text and children, close tag (tail excluded)."""
    pieces: list[Piece] = [Tag("open", element), element.text or ""]
    for child in element:
        pieces.extend(_child_pieces(child, classify))
    pieces.append(Tag("close", element))
    return pieces


def content_pieces(element: etree._Element, classify: Classifier) -> list[Piece]:
    """Pieces of an element's whole content (text and children, no open/close of its own)."""
    pieces: list[Piece] = [element.text or ""]
    for child in element:
        pieces.extend(_child_pieces(child, classify))
    return pieces


def _child_pieces(child: etree._Element, classify: Classifier) -> list[Piece]:
    pieces: list[Piece] = (
        flatten(child, classify) if classify(child) == "inline" else [Tag("atom", child)]
    )
    pieces.append(child.tail or "")
    return pieces


@dataclass
class Run:
    """A run inside ``parent``: its lead text slot (``parent.text`` or a block's tail) and the
    inline children that follow."""

    parent: etree._Element
    lead: etree._Element
    lead_attr: str
    children: list[etree._Element]
    unit: Unit

    def write_back(self) -> None:
        """Replace the run's content by the unit's translated pieces."""
        if self.unit.result is None:
            return
        index = 0 if self.lead_attr == "text" else list(self.parent).index(self.lead) + 1
        for child in self.children:
            self.parent.remove(child)
        setattr(self.lead, self.lead_attr, None)
        writer = Writer(self.parent, index, self.lead, self.lead_attr)
        writer.write(self.unit.result)


class Writer:
    """Replays pieces into a container: text into the current slot, elements inserted in order."""

    def __init__(
        self, container: etree._Element, index: int, slot: etree._Element, slot_attr: str
    ) -> None:
        self.stack: list[list[object]] = [[container, index]]
        self.slot = (slot, slot_attr)

    def write(self, pieces: list[Piece]) -> None:
        for piece in pieces:
            if isinstance(piece, str):
                self._text(piece)
            elif piece.kind == "close":
                element = self.stack.pop()[0]
                assert isinstance(element, etree._Element)
                self.slot = (element, "tail")
            else:
                element = piece.raw
                assert isinstance(element, etree._Element)
                self._insert(element)
                if piece.kind == "open":
                    element.text = None
                    for child in list(element):
                        element.remove(child)
                    self.stack.append([element, 0])
                    self.slot = (element, "text")
                else:
                    self.slot = (element, "tail")

    def _text(self, text: str) -> None:
        element, attr = self.slot
        setattr(element, attr, (getattr(element, attr) or "") + text)

    def _insert(self, element: etree._Element) -> None:
        frame = self.stack[-1]
        container, index = frame
        assert isinstance(container, etree._Element) and isinstance(index, int)
        element.tail = None
        container.insert(index, element)
        frame[1] = index + 1


def collect_runs(
    element: etree._Element,
    classify: Classifier,
    on_element: Callable[[etree._Element], None] | None = None,
) -> list[Run]:
    """Every run under ``element`` (which is treated as a block), in document order."""
    runs: list[Run] = []
    stack: list[etree._Element] = [element]
    while stack:
        block = stack.pop()
        if on_element is not None:
            on_element(block)
        pieces: list[Piece] = [block.text or ""]
        lead, lead_attr = block, "text"
        children: list[etree._Element] = []
        nested: list[etree._Element] = []
        for child in block:
            kind = classify(child)
            if kind == "block":
                runs.append(Run(block, lead, lead_attr, children, Unit(pieces)))
                nested.append(child)
                pieces, lead, lead_attr, children = [child.tail or ""], child, "tail", []
                continue
            if on_element is not None:
                for node in child.iter():
                    on_element(node)
            children.append(child)
            pieces.extend(_child_pieces(child, classify))
        runs.append(Run(block, lead, lead_attr, children, Unit(pieces)))
        stack.extend(reversed(nested))
    return runs
