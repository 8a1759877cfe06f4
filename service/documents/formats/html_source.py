"""HTML read as a partition of its source, so that everything but translated text keeps its bytes.

The tokenizer (`_html_tokens`) cuts the page into tokens (text, start tag, end tag, comment,
doctype, ...) whose source slices, joined, are the page again. A small tree builder nests them
(void elements, the usual implied ends of ``<p>``, ``<li>``, ``<td>``, ...); it drops nothing, so
text after ``</html>`` or in a stray tag is still there. A *run* is a contiguous range of tokens
between two block boundaries: it goes out as one unit and, once translated, that range alone is
written anew; a translated ``alt``/``title``/``placeholder`` replaces only its value in its tag.
Nesting deeper than ``xml_max_depth`` is refused rather than flattened or cut.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from service.documents.errors import UnsafeDocumentError
from service.documents.formats._html_tokens import Token, tokenize
from service.documents.safety import Guard
from service.documents.segments import Piece, Tag, Unit

#: Subtrees left alone (their text is not prose); inside a run they are atoms.
SKIP = frozenset({"script", "style", "noscript", "template", "svg", "math", "textarea", "pre"})
#: Elements moved whole inside a sentence.
ATOM = frozenset({
    "br", "wbr", "img", "input", "code", "kbd", "samp", "var", "script", "style", "svg",
    "math", "select", "textarea", "button", "object", "iframe", "audio", "video", "canvas",
    "embed", "picture", "noscript", "template",
})  # fmt: skip
#: Elements that stay inside a sentence, their content translated with it.
INLINE = frozenset({
    "a", "abbr", "b", "bdi", "bdo", "big", "cite", "data", "del", "dfn", "em", "font", "i",
    "ins", "label", "mark", "q", "s", "small", "span", "strike", "strong", "sub", "sup", "time",
    "tt", "u",
})  # fmt: skip
ATTRIBUTES = ("alt", "title", "placeholder")

_VOID = frozenset({
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
    "source", "track", "wbr", "basefont", "frame", "keygen",
})  # fmt: skip
_CLOSES_P = frozenset({
    "address", "article", "aside", "blockquote", "details", "dialog", "div", "dl", "dd", "dt",
    "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
    "header", "hgroup", "hr", "li", "main", "menu", "nav", "ol", "p", "pre", "section",
    "table", "ul",
})  # fmt: skip
#: A start tag closes an open element of these names, unless one of the boundary names is
#: opened more recently (``<li>`` closes the previous ``<li>`` of its own list only).
_IMPLIED_END: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "li": (frozenset({"li"}), frozenset({"ul", "ol", "menu"})),
    "dt": (frozenset({"dt", "dd"}), frozenset({"dl"})),
    "dd": (frozenset({"dt", "dd"}), frozenset({"dl"})),
    "td": (frozenset({"td", "th"}), frozenset({"tr", "table"})),
    "th": (frozenset({"td", "th"}), frozenset({"tr", "table"})),
    "tr": (frozenset({"tr", "td", "th"}), frozenset({"table", "thead", "tbody", "tfoot"})),
    "thead": (frozenset({"thead", "tbody", "tfoot", "tr", "td", "th"}), frozenset({"table"})),
    "tbody": (frozenset({"thead", "tbody", "tfoot", "tr", "td", "th"}), frozenset({"table"})),
    "tfoot": (frozenset({"thead", "tbody", "tfoot", "tr", "td", "th"}), frozenset({"table"})),
    "option": (frozenset({"option"}), frozenset({"select", "datalist", "optgroup"})),
    "optgroup": (frozenset({"option", "optgroup"}), frozenset({"select"})),
}
_P_BOUNDARY = frozenset({"button", "table", "td", "th", "li", "div", "body", "html"})


@dataclass(frozen=True)
class MarkupRules:
    """Which elements are left alone, moved whole, kept inside a sentence or split it: HTML's
    by default; DeepL's ``tag_handling`` options make other ones (``service.api.deepl``).

    ``inline=None`` keeps every element not in ``splitting`` inside its sentence;
    ``inline_in_text`` also keeps one whose siblings include text (XML's outline detection);
    ``xml`` means no void elements and no implied end tags: every element is closed in the source.
    """

    skip: frozenset[str] = SKIP
    atoms: frozenset[str] = ATOM
    inline: frozenset[str] | None = INLINE
    splitting: frozenset[str] = frozenset()
    inline_in_text: bool = False
    attributes: tuple[str, ...] = ATTRIBUTES
    xml: bool = False


HTML_RULES = MarkupRules()


@dataclass(eq=False)
class Element:
    """An element over tokens ``start..last``; ``end`` is its end tag's token, if written."""

    name: str
    start: int
    attrs: dict[str, str | None]
    children: list[Element | int] = field(default_factory=list)
    end: int | None = None
    last: int = -1
    skipped: bool = False


class _Builder:
    """Nests tokens into elements, bounded in depth."""

    def __init__(self, tokens: list[Token], max_depth: int, rules: MarkupRules) -> None:
        self.tokens = tokens
        self.max_depth = max_depth
        self.rules = rules
        self.root = Element("#document", -1, {})
        self.stack: list[Element] = [self.root]
        self.elements: list[Element] = []

    def build(self) -> Element:
        for index, token in enumerate(self.tokens):
            if token.kind in ("start", "void"):
                self._start(index, token)
            elif token.kind == "end":
                self._end(index, token)
            else:
                self.stack[-1].children.append(index)
        while len(self.stack) > 1:
            self.stack.pop().last = len(self.tokens) - 1
        return self.root

    def _start(self, index: int, token: Token) -> None:
        self._close_implied(token.name, index)
        parent = self.stack[-1]
        element = Element(token.name, index, token.attrs, last=index)
        skip = token.name in self.rules.skip
        element.skipped = parent.skipped or skip or no_translate(token.attrs)
        parent.children.append(element)
        self.elements.append(element)
        if token.kind == "void" or (token.name in _VOID and not self.rules.xml):
            return
        self.stack.append(element)
        if len(self.stack) - 1 > self.max_depth:
            markup = "XML" if self.rules.xml else "HTML"
            raise UnsafeDocumentError(
                f"The {markup} is nested more than {self.max_depth} levels deep."
            )

    def _close_implied(self, name: str, index: int) -> None:
        if self.rules.xml:
            return
        if name in _CLOSES_P:
            self._close_open(frozenset({"p"}), _P_BOUNDARY, index)
        if name in _IMPLIED_END:
            self._close_open(*_IMPLIED_END[name], index)

    def _close_open(self, names: frozenset[str], boundary: frozenset[str], index: int) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            open_name = self.stack[depth].name
            if open_name in names:
                self._pop_to(depth, index - 1)
                return
            if open_name in boundary:
                return

    def _end(self, index: int, token: Token) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].name == token.name:
                element = self.stack[depth]
                self._pop_to(depth, index - 1)
                element.end = element.last = index
                return
        self.stack[-1].children.append(index)  # a stray end tag: kept as it is

    def _pop_to(self, depth: int, last: int) -> None:
        while len(self.stack) > depth:
            self.stack.pop().last = last


def no_translate(attrs: dict[str, str | None]) -> bool:
    return attrs.get("translate") == "no" or "notranslate" in (attrs.get("class") or "")


@dataclass
class Run:
    """Tokens ``first..last`` of the source, translated as one unit."""

    first: int
    last: int
    unit: Unit


@dataclass
class AttributeUnit:
    """A translatable attribute value of the start tag at token ``token``."""

    token: int
    name: str
    unit: Unit


class HtmlDocument:
    """Tokens, the runs and attributes to translate, and the page written back from them."""

    def __init__(self, source: str, guard: Guard, rules: MarkupRules = HTML_RULES) -> None:
        self.tokens = tokenize(source, guard)
        self.rules = rules
        builder = _Builder(self.tokens, guard.settings.xml_max_depth, rules)
        root = builder.build()
        self.inline = _inline_elements(builder.elements, rules, self._in_text(root, builder))
        self.runs = self._runs(root, guard)
        self.attributes = [
            AttributeUnit(e.start, name, Unit([value]))
            for e in builder.elements
            if not e.skipped
            for name in rules.attributes
            if (value := e.attrs.get(name))
        ]

    def _in_text(self, root: Element, builder: _Builder) -> set[Element]:
        """Elements with text among their siblings (only asked for by ``inline_in_text``)."""
        if not self.rules.inline_in_text:
            return set()
        found: set[Element] = set()
        for parent in [root, *builder.elements]:
            texts = (self.tokens[c] for c in parent.children if isinstance(c, int))
            if any(token.kind == "text" and token.raw.strip() for token in texts):
                found.update(c for c in parent.children if isinstance(c, Element))
        return found

    @property
    def units(self) -> list[Unit]:
        return [r.unit for r in self.runs] + [a.unit for a in self.attributes]

    def _runs(self, root: Element, guard: Guard) -> list[Run]:
        runs: list[Run] = []
        blocks = [root]
        while blocks:
            block = blocks.pop()
            guard.check_time()
            nested: list[Element] = []
            current: list[Element | int] = []
            for child in block.children:
                if isinstance(child, Element) and self._kind(child) == "block":
                    runs.extend(self._run(current))
                    nested.append(child)
                    current = []
                else:
                    current.append(child)
            runs.extend(self._run(current))
            blocks.extend(reversed(nested))
        return runs

    def _kind(self, element: Element) -> str:
        if element.skipped or element.name in self.rules.atoms:
            return "atom"
        return "inline" if element in self.inline else "block"

    def _run(self, children: list[Element | int]) -> list[Run]:
        if not children:
            return []
        first, last = _span(children[0])[0], _span(children[-1])[1]
        return [Run(first, last, Unit(self._pieces(children)))]

    def _pieces(self, children: list[Element | int]) -> list[Piece]:
        """Text, inline elements as open/close tags around their content, the rest as atoms."""
        pieces: list[Piece] = []
        stack: list[tuple[list[Element | int], int, Tag | None]] = [(children, 0, None)]
        while stack:
            items, position, closing = stack.pop()
            if position == len(items):
                if closing is not None:
                    pieces.append(closing)
                continue
            stack.append((items, position + 1, closing))
            child = items[position]
            if isinstance(child, int):
                token = self.tokens[child]
                text = token.kind == "text"
                pieces.append(html.unescape(token.raw) if text else Tag("atom", (child, child)))
            elif self._kind(child) == "inline":
                pieces.append(Tag("open", child.start))
                stack.append((child.children, 0, Tag("close", child.end)))
            else:
                pieces.append(Tag("atom", _span(child)))
        return pieces

    def render(self) -> str:
        """The page: original tokens, with translated runs and attribute values put in."""
        raws = [t.raw for t in self.tokens]
        for attribute in self.attributes:
            if attribute.unit.result is not None:
                value = attribute.unit.output_text()
                raws[attribute.token] = replace_attribute(
                    raws[attribute.token], attribute.name, value
                )
        out: list[str] = []
        replaced = {r.first: r for r in self.runs if r.unit.result is not None}
        index = 0
        while index < len(raws):
            run = replaced.get(index)
            if run is None:
                out.append(raws[index])
                index += 1
                continue
            out.append("".join(_render(p, raws) for p in run.unit.output()))
            index = run.last + 1
        return "".join(out)


def _inline_elements(
    elements: list[Element], rules: MarkupRules, in_text: set[Element]
) -> set[Element]:
    """Inline elements (by `rules`) with no block inside (children decided before parents)."""
    inline: set[Element] = set()
    for element in reversed(elements):
        if element.skipped or element.name in rules.splitting:
            continue
        named = rules.inline is None or element.name in rules.inline
        if not (named or element in in_text):
            continue
        if all(_is_atom_or_inline(c, inline, rules) for c in element.children):
            inline.add(element)
    return inline


def _is_atom_or_inline(child: Element | int, inline: set[Element], rules: MarkupRules) -> bool:
    if isinstance(child, int):
        return True
    return child.skipped or child.name in rules.atoms or child in inline


def _span(child: Element | int) -> tuple[int, int]:
    if isinstance(child, int):
        return child, child
    return child.start, child.last


def _render(piece: Piece, raws: list[str]) -> str:
    """Text escaped; a tag as its token's current raw (an implied end tag as nothing)."""
    if isinstance(piece, str):
        return piece.replace("&", "&amp;").replace("<", "&lt;")  # ">" needs no escape in text
    raw = piece.raw
    if isinstance(raw, tuple):
        first, last = raw
        return "".join(raws[first : last + 1])
    return raws[raw] if isinstance(raw, int) else ""


_TAG_NAME_RE = re.compile(r"</?[^\s/>]*")
_ATTRIBUTE_RE = re.compile(
    r"""[\s/]*([^\s"'>/=][^\s"'>/=]*)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>]*))?"""
)


def replace_attribute(tag: str, name: str, value: str) -> str:
    """The start tag with one attribute's value replaced, quoted as it was (unquoted: ``"``).

    Attributes are walked in order from the tag name, so text inside another attribute's value
    is never taken for the attribute; of duplicates the first counts, as in browsers.
    """
    match = _TAG_NAME_RE.match(tag)
    pos = match.end() if match else 0
    while (attribute := _ATTRIBUTE_RE.match(tag, pos)) and attribute.end() > pos:
        pos = attribute.end()
        if attribute.group(1).lower() != name or attribute.group(2) is None:
            continue
        old = attribute.group(2)
        quote = old[0] if old[:1] in ('"', "'") else '"'
        entity = "&#34;" if quote == '"' else "&#39;"
        escaped = html.escape(value, quote=False).replace(quote, entity)
        return tag[: attribute.start(2)] + quote + escaped + quote + tag[attribute.end(2) :]
    return tag
