"""EPUB 2 and 3 books written here from the specification (EPUB 3.3 / OPF 2.0.1): chapters,
navigation, NCX and titles translated; package structure, ids, links, images and CSS unchanged."""

from __future__ import annotations

import io
import zipfile

from lxml import etree

from service.documents.formats import detect
from service.documents.formats.epub import DC, NCX, OPF, EpubFormat
from service.documents.safety import Guard
from tests.service.documents.conftest import assert_members_identical, wrap
from tests.service.documents.test_formats_office import _PNG

XHTML = "http://www.w3.org/1999/xhtml"
CONTAINER_XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles>
    <rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>
  </rootfiles>
</container>
"""
OPF3 = """<?xml version="1.0" encoding="UTF-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="{version}" unique-identifier="uid">
  <metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
    <dc:identifier id="uid">urn:uuid:0b7f4c6e-2f4e-4d16-9a57-0d7a1c3b8e10</dc:identifier>
    <dc:title>The Garden at Night</dc:title>
    <dc:creator>Ann Lee</dc:creator>
    <dc:language>en</dc:language>
    <meta property="dcterms:modified">2024-01-01T00:00:00Z</meta>
  </metadata>
  <manifest>
    {nav}<item id="ncx" href="toc.ncx" media-type="application/x-dtbncx+xml"/>
    <item id="c1" href="text/chapter%201.xhtml" media-type="application/xhtml+xml"/>
    <item id="c2" href="text/chapter2.xhtml" media-type="application/xhtml+xml"/>
    <item id="css" href="style.css" media-type="text/css"/>
    <item id="img" href="images/cover.png" media-type="image/png"/>
  </manifest>
  <spine toc="ncx">
    <itemref idref="c1"/>
    <itemref idref="c2"/>
  </spine>
</package>
"""
NAV_ITEM = '<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>'
NAV = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops">
<head><title>Contents</title></head>
<body><nav epub:type="toc" id="toc"><h1>Contents</h1><ol>
<li><a href="text/chapter%201.xhtml">The first evening</a></li>
<li><a href="text/chapter2.xhtml#rain">When the rain came</a></li>
</ol></nav></body></html>
"""
NCX_DOC = """<?xml version="1.0" encoding="UTF-8"?>
<ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" version="2005-1">
  <head><meta name="dtb:uid" content="urn:uuid:0b7f4c6e-2f4e-4d16-9a57-0d7a1c3b8e10"/></head>
  <docTitle><text>The Garden at Night</text></docTitle>
  <navMap>
    <navPoint id="n1" playOrder="1"><navLabel><text>The first evening</text></navLabel>
      <content src="text/chapter%201.xhtml"/></navPoint>
    <navPoint id="n2" playOrder="2"><navLabel><text>When the rain came</text></navLabel>
      <content src="text/chapter2.xhtml#rain"/></navPoint>
  </navMap>
</ncx>
"""
EPUB2_DOCTYPE = (
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.1//EN" '
    '"http://www.w3.org/TR/xhtml11/DTD/xhtml11.dtd">'
)
CHAPTER1 = """<?xml version="1.0" encoding="UTF-8"?>
{doctype}
<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en">
<head><title>The first evening</title><link rel="stylesheet" href="../style.css"/></head>
<body>
<h1 id="start">The first evening</h1>
<p class="first">The garden was <em>quiet</em> and the moon was&#160;full.</p>
<p>Read <a href="chapter2.xhtml#rain">what happened next</a> before dawn.</p>
<p><img src="../images/cover.png" alt="A moonlit garden"/></p>
</body></html>
"""
CHAPTER2 = """<?xml version="1.0" encoding="UTF-8"?>
{doctype}
<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en">
<head><title>When the rain came</title></head>
<body>
<section id="rain"><h1>When the rain came</h1>
<p>Rain fell on the roses.<br/>Nobody saw it.</p>
<pre>keep   this</pre>
<p>1914</p></section>
</body></html>
"""
CSS = b"body { font-family: serif; }\n"


def epub(version: str = "3.0") -> bytes:
    """A small book: mimetype first and stored, container, OPF, chapters, NCX (both versions)
    and the navigation document (EPUB 3), a stylesheet and a picture."""
    doctype = "<!DOCTYPE html>" if version.startswith("3") else EPUB2_DOCTYPE
    members = {
        "META-INF/container.xml": CONTAINER_XML,
        "OEBPS/content.opf": OPF3.format(
            version=version, nav=NAV_ITEM if version.startswith("3") else ""
        ).encode(),
        "OEBPS/toc.ncx": NCX_DOC.encode(),
        "OEBPS/text/chapter 1.xhtml": CHAPTER1.format(doctype=doctype).encode(),
        "OEBPS/text/chapter2.xhtml": CHAPTER2.format(doctype=doctype).encode(),
        "OEBPS/style.css": CSS,
        "OEBPS/images/cover.png": _PNG,
    }
    if version.startswith("3"):
        members["OEBPS/nav.xhtml"] = NAV.encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("mimetype", "application/epub+zip", zipfile.ZIP_STORED)
        for name, body in members.items():
            zf.writestr(name, body, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _member(data: bytes, name: str) -> bytes:
    return zipfile.ZipFile(io.BytesIO(data)).read(name)


def _xml(data: bytes, name: str) -> etree._Element:
    return etree.fromstring(_member(data, name))


def _skeleton(root: etree._Element) -> list[tuple[str, dict[str, str]]]:
    """Every element and attribute in order; the translated attributes by name only."""
    return [
        (str(e.tag), {k: "" if k in ("alt", "title") else v for k, v in e.attrib.items()})
        for e in root.iter()
        if isinstance(e.tag, str)
    ]


def _texts(data: bytes, name: str, *tags: str) -> list[str]:
    root = _xml(data, name)
    return ["".join(e.itertext()) for e in root.iter(*(f"{{{XHTML}}}{t}" for t in tags))]


_EDITED = {
    "OEBPS/content.opf",
    "OEBPS/toc.ncx",
    "OEBPS/nav.xhtml",
    "OEBPS/text/chapter 1.xhtml",
    "OEBPS/text/chapter2.xhtml",
}


def _translated(data: bytes, guard: Guard) -> bytes:
    """Detected by content, translated; same members in the same order with the same
    compression, every member not edited byte for byte, edited ones with the same elements
    and attributes (ids, links, manifest, spine)."""
    assert detect(data, None).name == detect(data, "book.epub").name == "epub"
    out = EpubFormat().translate(data, wrap, guard)
    with zipfile.ZipFile(io.BytesIO(data)) as a, zipfile.ZipFile(io.BytesIO(out)) as b:
        assert [(i.filename, i.compress_type) for i in a.infolist()] == [
            (i.filename, i.compress_type) for i in b.infolist()
        ]
        for name in a.namelist():
            if name in _EDITED:
                assert _skeleton(_xml(out, name)) == _skeleton(_xml(data, name)), name
            else:
                assert a.read(name) == b.read(name), name
    return out


def test_epub3_chapters_navigation_toc_and_title_are_translated(guard: Guard) -> None:
    out = _translated(epub("3.0"), guard)
    chapter = "OEBPS/text/chapter 1.xhtml"
    assert _texts(out, chapter, "title", "h1", "p") == [
        "«The first evening»",
        "«The first evening»",
        "«The garden was quiet and the moon was\xa0full.»",
        "«Read what happened next before dawn.»",
        "",
    ]
    assert b"<em>quiet</em>" in _member(out, chapter)
    assert b'<a href="chapter2.xhtml#rain">what happened next</a>' in _member(out, chapter)
    assert 'alt="«A moonlit garden»"'.encode() in _member(out, chapter)
    assert _texts(out, "OEBPS/text/chapter2.xhtml", "h1", "p", "pre") == [
        "«When the rain came»",
        "«Rain fell on the roses.Nobody saw it.»",  # <br/> is an atom of one sentence
        "keep   this",
        "1914",
    ]
    assert _texts(out, "OEBPS/nav.xhtml", "h1", "li") == [
        "«Contents»",
        "«The first evening»",
        "«When the rain came»",
    ]
    opf = _xml(out, "OEBPS/content.opf")
    assert opf.findtext(f"{{{OPF}}}metadata/{{{DC}}}title") == "«The Garden at Night»"
    assert opf.findtext(f"{{{OPF}}}metadata/{{{DC}}}creator") == "Ann Lee"
    labels = [t.text for t in _xml(out, "OEBPS/toc.ncx").iter(f"{{{NCX}}}text")]
    assert labels == ["«The Garden at Night»", "«The first evening»", "«When the rain came»"]


def test_epub2_keeps_its_doctype_and_declarations(guard: Guard) -> None:
    data = epub("2.0")
    out = _translated(data, guard)
    chapter = _member(out, "OEBPS/text/chapter2.xhtml")
    assert chapter.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n' + EPUB2_DOCTYPE.encode())
    assert "«Rain fell on the roses.<br/>Nobody saw it.»".encode() in chapter
    assert _member(out, "OEBPS/content.opf").startswith(b'<?xml version="1.0" encoding="UTF-8"?>')


def test_an_untouched_epub_comes_back_byte_for_byte(guard: Guard) -> None:
    data = epub()
    out = EpubFormat().translate(data, lambda batch: batch, guard)
    assert_members_identical(data, out)
