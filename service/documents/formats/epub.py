"""EPUB 2 and 3 (.epub): the XHTML content documents (chapters and the EPUB 3 navigation
document), the EPUB 2 table of contents (NCX) and the titles in the package metadata.

The book is found as the specification says: ``META-INF/container.xml`` names the package
document (OPF), whose manifest lists the content documents (``application/xhtml+xml``) and the
NCX. Content documents go through the same walker as ``.xhtml`` files (inline elements inside a
sentence, ``alt``/``title`` values, the ``<title>``); ids, links between chapters, the manifest,
spine and every other member (images, CSS, fonts, ``mimetype`` first and stored) stay as they
are, and a member whose text did not change keeps its bytes.
"""

from __future__ import annotations

import posixpath
from urllib.parse import unquote, urldefrag

from lxml import etree

from service.documents.errors import CorruptDocumentError, EncryptedDocumentError
from service.documents.formats._container import (
    EditedPart,
    package_extraction,
    serialize_like,
    stored_mimetype,
)
from service.documents.formats.base import DocumentFormat, Extraction, Probe
from service.documents.formats.html import xhtml_units
from service.documents.safety import Guard, ZipPackage, open_zip, parse_xml
from service.documents.segments import Unit

CONTAINER = "urn:oasis:names:tc:opendocument:xmlns:container"
OPF = "http://www.idpf.org/2007/opf"
DC = "http://purl.org/dc/elements/1.1/"
NCX = "http://www.daisy.org/z3986/2005/ncx/"
XMLENC = "http://www.w3.org/2001/04/xmlenc#"

_CONTAINER_XML = "META-INF/container.xml"
_ENCRYPTION_XML = "META-INF/encryption.xml"
_XML_SUFFIXES = (".xml", ".opf", ".ncx", ".xhtml", ".xht", ".html", ".htm")
_XHTML = "application/xhtml+xml"
_NCX = "application/x-dtbncx+xml"


def _read_tree(package: ZipPackage, name: str, guard: Guard) -> tuple[bytes, etree._ElementTree]:
    """A member parsed with the XML checks (the zip's streaming check sees only ``.xml``)."""
    if name not in package.names:
        raise CorruptDocumentError("The EPUB is missing its container or package document.")
    original = package.read(name)
    return original, parse_xml(original, guard)


def _package_document(package: ZipPackage, guard: Guard) -> str:
    """The OPF's name, from the first ``rootfile`` of the container."""
    _, container = _read_tree(package, _CONTAINER_XML, guard)
    rootfile = container.find(f".//{{{CONTAINER}}}rootfile")
    path = None if rootfile is None else rootfile.get("full-path")
    if not path:
        raise CorruptDocumentError("The EPUB names no package document.")
    return str(path)


def _resolve(base: str, href: str) -> str | None:
    """A manifest href as a member name (relative to the OPF's folder), None outside the book."""
    name = posixpath.normpath(posixpath.join(posixpath.dirname(base), unquote(urldefrag(href)[0])))
    return None if name.startswith("../") or name == ".." else name


def _manifest(opf: etree._ElementTree, opf_name: str) -> list[tuple[str, str]]:
    """(member name, media type) of every manifest item, in manifest order."""
    items = []
    for item in opf.getroot().iterfind(f"{{{OPF}}}manifest/{{{OPF}}}item"):
        name = _resolve(opf_name, item.get("href", ""))
        if name is not None:
            items.append((name, item.get("media-type", "")))
    return items


def _refuse_encrypted(package: ZipPackage, guard: Guard, names: set[str]) -> None:
    """DRM leaves a zip that opens with ciphertext where the text would be; fonts obfuscated
    the IDPF way are fine (they are copied)."""
    if _ENCRYPTION_XML not in package.names:
        return
    _, encryption = _read_tree(package, _ENCRYPTION_XML, guard)
    for reference in encryption.getroot().iter(f"{{{XMLENC}}}CipherReference"):
        if unquote(reference.get("URI", "")) in names:
            raise EncryptedDocumentError()


def _text_elements_part(
    name: str, original: bytes, tree: etree._ElementTree, elements: list[etree._Element]
) -> EditedPart:
    """A part whose translatable pieces are the plain text of some elements (titles, labels)."""
    slots = [(element, Unit([element.text or ""])) for element in elements]

    def serialize() -> bytes:
        for element, unit in slots:
            if unit.result is not None:
                element.text = unit.output_text()
        return serialize_like(original, tree)

    return EditedPart(name, [unit for _, unit in slots], serialize)


def _metadata_part(opf_name: str, original: bytes, opf: etree._ElementTree) -> EditedPart:
    titles = list(opf.getroot().iterfind(f"{{{OPF}}}metadata/{{{DC}}}title"))
    return _text_elements_part(opf_name, original, opf, titles)


def _ncx_part(package: ZipPackage, name: str, guard: Guard) -> EditedPart:
    original, ncx = _read_tree(package, name, guard)
    labels = [
        text
        for text in ncx.getroot().iter(f"{{{NCX}}}text")
        if etree.QName(text.getparent()).localname in ("navLabel", "docTitle")
    ]
    return _text_elements_part(name, original, ncx, labels)


def _content_part(package: ZipPackage, name: str, guard: Guard) -> EditedPart:
    original, tree = _read_tree(package, name, guard)
    units, write_back = xhtml_units(tree.getroot(), guard)

    def serialize() -> bytes:
        write_back()
        return serialize_like(original, tree)

    return EditedPart(name, units, serialize)


class EpubFormat(DocumentFormat):
    name = "epub"
    extensions = (".epub",)
    media_type = "application/epub+zip"

    @classmethod
    def matches(cls, probe: Probe) -> bool:
        return (
            probe.zip_names is not None
            and _CONTAINER_XML in probe.zip_names
            and stored_mimetype(probe.data) == cls.media_type
        )

    def extract(self, data: bytes, guard: Guard) -> Extraction:
        package = open_zip(data, guard, lambda name: name.lower().endswith(_XML_SUFFIXES))
        opf_name = _package_document(package, guard)
        original, opf = _read_tree(package, opf_name, guard)
        parts = [_metadata_part(opf_name, original, opf)]
        present = set(package.names)
        edited = [
            (name, kind)
            for name, kind in _manifest(opf, opf_name)
            if kind in (_XHTML, _NCX) and name in present
        ]
        _refuse_encrypted(package, guard, {name for name, _ in edited})
        for name, kind in edited:
            guard.check_time()
            build = _content_part if kind == _XHTML else _ncx_part
            parts.append(build(package, name, guard))
        return package_extraction(package, parts)
