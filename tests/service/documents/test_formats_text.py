"""Text formats keep structure byte for byte outside the translated spans."""

from __future__ import annotations

import re

import polib
from lxml import etree

from service.documents.formats import detect
from service.documents.formats.html import HtmlFormat, XhtmlFormat
from service.documents.formats.markdown import MarkdownFormat
from service.documents.formats.po import PoFormat
from service.documents.formats.srt import SrtFormat
from service.documents.formats.txt import TxtFormat
from service.documents.formats.vtt import VttFormat
from service.documents.formats.xliff import XliffFormat
from service.documents.safety import Guard
from tests.service.documents.conftest import shout, wrap


def _blank_line_positions(text: str) -> list[int]:
    return [i for i, line in enumerate(text.splitlines()) if not line.strip()]


def test_txt_keeps_utf16_bom_line_breaks_and_blank_lines(guard: Guard) -> None:
    source = "First paragraph, line one\r\nline two.\r\n\r\n   Indented one.\r\n\r\n\r\nLast."
    data = b"\xff\xfe" + source.encode("utf-16-le")
    out = TxtFormat().translate(data, wrap, guard)
    assert out.startswith(b"\xff\xfe")
    text = out[2:].decode("utf-16-le")
    assert text.count("\r\n") == source.count("\r\n")
    assert _blank_line_positions(text) == _blank_line_positions(source)
    assert text.splitlines()[3] == "   «Indented one.»"
    paragraphs = [p for p in re.split(r"(?:\r\n){2,}", text) if p.strip()]
    assert all(p.strip().startswith("«") and p.strip().endswith("»") for p in paragraphs)


def test_txt_utf8_bom_is_kept(guard: Guard) -> None:
    out = TxtFormat().translate(b"\xef\xbb\xbfHello there.\n", wrap, guard)
    assert out == "\ufeff«Hello there.»\n".encode()


MARKDOWN = """---
title: Release notes
tags: [a, b]
---
# Getting started #

Install the package with `pip install thing` and read
the [guide](https://example.com/guide "The guide") first.

```python
print("do not translate")
```

- First **important** item
- Second item with ![a small cat](img/cat.png)

> Quoted wisdom here.

| Name | Value |
|------|-------|
| Speed | 42 |

    indented code block stays

Visit <https://example.com> or https://example.org/path for snake_case details.
"""


def test_markdown_translates_prose_and_keeps_code_urls_front_matter(guard: Guard) -> None:
    out = MarkdownFormat().translate(MARKDOWN.encode(), wrap, guard).decode()
    kept = [
        "---\ntitle: Release notes\ntags: [a, b]\n---\n",
        "`pip install thing`",
        '](https://example.com/guide "The guide")',
        '```python\nprint("do not translate")\n```\n',
        "](img/cat.png)",
        "|------|-------|",
        "    indented code block stays\n",
        "<https://example.com>",
        "https://example.org/path",
    ]
    for fragment in kept:
        assert fragment in out, fragment
    assert "# «Getting started» #" in out
    assert "- «First **important** item»" in out
    assert "> «Quoted wisdom here.»" in out
    assert "| «Name» | «Value» |" in out and "| «Speed» | 42 |" in out
    assert out.count("\n") == MARKDOWN.count("\n")


def test_markdown_structure_is_unchanged(guard: Guard) -> None:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark").enable("table")
    out = MarkdownFormat().translate(MARKDOWN.encode(), wrap, guard).decode()
    before = [t.type for t in md.parse(MARKDOWN)]
    after = [t.type for t in md.parse(out)]
    assert before == after


HTML = """<!DOCTYPE html>
<html><head><title>My page</title>
<style>p { color: red; } /* Hello */</style>
<script>var greeting = "<b>Hello</b> world";</script></head>
<body><h1>Hello <b>bold</b> world</h1>
<p>Press <a href="/save" title="Save it">Save</a> now.<br>Next <code>x = 1</code> done.
<img src="cat.png" alt="A cat"></p>
<div>Lead text <p>Inner paragraph</p> tail text</div>
<form><input name="q" placeholder="Your name"></form>
<p translate="no">Brand Name</p>
</body></html>
"""


def _structure(root: etree._Element) -> list[tuple[str, dict[str, str]]]:
    return [
        (
            str(e.tag),
            {k: v for k, v in e.attrib.items() if k not in ("alt", "title", "placeholder")},
        )
        for e in root.iter()
        if isinstance(e.tag, str)
    ]


def test_html_inline_tags_stay_inside_one_translated_sentence(guard: Guard) -> None:
    import lxml.html

    out = HtmlFormat().translate(HTML.encode(), wrap, guard).decode()
    assert "<h1>«Hello <b>bold</b> world»</h1>" in out
    assert (
        '«Press <a href="/save" title="«Save it»">Save</a> now.<br>Next <code>x = 1</code>' in out
    )
    assert 'alt="«A cat»"' in out and 'placeholder="«Your name»"' in out
    assert "<title>«My page»</title>" in out
    assert '<script>var greeting = "<b>Hello</b> world";</script>' in out
    assert "<style>p { color: red; } /* Hello */</style>" in out
    assert '<p translate="no">Brand Name</p>' in out
    assert "<div>«Lead text» <p>«Inner paragraph»</p> «tail text»</div>" in out
    before = _structure(lxml.html.document_fromstring(HTML))
    after = _structure(lxml.html.document_fromstring(out))
    assert before == after


def test_html_falls_back_to_pieces_when_translation_mangles_tags(guard: Guard) -> None:
    out = HtmlFormat().translate(b"<p>Hi <b>there</b> you</p>\n", shout, guard)
    assert out == b"<p>HI <b>THERE</b> YOU</p>\n"


def test_xhtml_is_parsed_as_xml_and_keeps_namespace_and_declaration(guard: Guard) -> None:
    data = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<html xmlns="http://www.w3.org/1999/xhtml"><head><title>T page</title></head>'
        b"<body><p>One <em>two</em> three.</p><p>4</p></body></html>"
    )
    assert detect(data, "page.xhtml").name == "xhtml"
    out = XhtmlFormat().translate(data, wrap, guard)
    assert out.startswith(b"<?xml")
    root = etree.fromstring(out)
    ns = {"h": "http://www.w3.org/1999/xhtml"}
    paragraphs = root.findall(".//h:p", ns)
    assert len(paragraphs) == 2
    assert etree.tostring(paragraphs[0], encoding="unicode", with_tail=False).endswith(
        ">«One <em>two</em> three.»</p>"
    )
    assert paragraphs[1].text == "4"


SRT = """1
00:00:01,000 --> 00:00:03,500
Hello there,
<i>how are you?</i>

2
00:00:04,000 --> 00:00:06,000 X1:100 X2:200
Fine, thanks.

3
00:00:07,000 --> 00:00:08,000
42
"""


def test_srt_keeps_numbering_timings_and_line_counts(guard: Guard) -> None:
    out = SrtFormat().translate(SRT.encode(), wrap, guard).decode()
    in_lines, out_lines = SRT.splitlines(), out.splitlines()
    assert len(in_lines) == len(out_lines)
    for a, b in zip(in_lines, out_lines, strict=True):
        if "-->" in a or a.isdigit() or not a:
            assert a == b
    assert out.count("<i>") == 1 and out.count("</i>") == 1
    assert "«Fine, thanks.»" in out


VTT = """WEBVTT - Demo

NOTE This note stays

STYLE
::cue { color: yellow }

intro
00:00.000 --> 00:02.000 align:start position:10%
<v Roger>Welcome to the show
everyone.

00:02.500 --> 00:04.000
Goodbye.
"""


def test_vtt_keeps_header_notes_ids_and_cue_settings(guard: Guard) -> None:
    out = VttFormat().translate(VTT.encode(), wrap, guard).decode()
    for kept in [
        "WEBVTT - Demo\n\nNOTE This note stays\n\nSTYLE\n::cue { color: yellow }\n\nintro\n",
        "00:00.000 --> 00:02.000 align:start position:10%\n",
        "00:02.500 --> 00:04.000\n",
    ]:
        assert kept in out
    assert "<v Roger>" in out and "«Goodbye.»" in out
    assert len(out.splitlines()) == len(VTT.splitlines())


XLIFF12 = """<?xml version="1.0" encoding="UTF-8"?>
<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2">
  <file source-language="en" target-language="de" datatype="plaintext" original="app">
    <body>
      <trans-unit id="greeting">
        <source>Hello <g id="1">dear</g> user<x id="2"/>!</source>
        <note>Shown on the home page</note>
      </trans-unit>
      <trans-unit id="brand" translate="no"><source>ACME</source></trans-unit>
      <trans-unit id="bye"><source>Goodbye</source><target>old</target></trans-unit>
    </body>
  </file>
</xliff>
"""


def test_xliff12_fills_missing_targets_keeping_ids_notes_inline_codes_and_existing_targets(
    guard: Guard,
) -> None:
    out = XliffFormat().translate(XLIFF12.encode(), wrap, guard)
    root = etree.fromstring(out)
    ns = {"x": "urn:oasis:names:tc:xliff:document:1.2"}
    units = root.findall(".//x:trans-unit", ns)
    assert [u.get("id") for u in units] == ["greeting", "brand", "bye"]
    target = units[0].find("x:target", ns)
    assert target is not None
    xml = etree.tostring(target, encoding="unicode", with_tail=False)
    assert '«Hello <g id="1">dear</g> user<x id="2"/>!»' in xml
    assert units[0].find("x:note", ns).text == "Shown on the home page"
    assert units[1].find("x:target", ns) is None
    assert units[2].find("x:target", ns).text == "old"
    source = etree.tostring(units[0].find("x:source", ns), encoding="unicode", with_tail=False)
    assert '>Hello <g id="1">dear</g> user<x id="2"/>!</source>' in source


XLIFF20 = """<?xml version="1.0" encoding="UTF-8"?>
<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="en" trgLang="fr">
  <file id="f1">
    <notes><note>File note</note></notes>
    <unit id="u1">
      <segment id="s1">
        <source>Click <pc id="1">here</pc> to <ph id="2"/>continue.</source></segment>
      <segment id="s2"><source>Second sentence.</source></segment>
    </unit>
  </file>
</xliff>
"""


def test_xliff20_translates_every_segment(guard: Guard) -> None:
    out = XliffFormat().translate(XLIFF20.encode(), wrap, guard)
    root = etree.fromstring(out)
    ns = {"x": "urn:oasis:names:tc:xliff:document:2.0"}
    segments = root.findall(".//x:segment", ns)
    assert [s.get("id") for s in segments] == ["s1", "s2"]
    first = etree.tostring(segments[0].find("x:target", ns), encoding="unicode", with_tail=False)
    assert '«Click <pc id="1">here</pc> to <ph id="2"/>continue.»' in first
    assert segments[1].find("x:target", ns).text == "«Second sentence.»"
    assert root.find(".//x:note", ns).text == "File note"


def test_po_fills_msgstrs_with_plurals_and_placeholders(guard: Guard) -> None:
    catalogue = polib.POFile()
    catalogue.metadata = {
        "Content-Type": "text/plain; charset=UTF-8",
        "Plural-Forms": "nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 ? 1 : 2);",
    }
    catalogue.append(
        polib.POEntry(
            msgid="Hello %(name)s!", msgstr="", comment="greeting", occurrences=[("a.py", "3")]
        )
    )
    catalogue.append(
        polib.POEntry(
            msgid="{count} file", msgid_plural="{count} files", msgstr_plural={0: "", 1: "", 2: ""}
        )
    )
    catalogue.append(polib.POEntry(msgid="Done", msgstr="Fertig"))
    catalogue.append(polib.POEntry(msgid="Menu", msgstr="", msgctxt="nav"))
    out = PoFormat().translate(str(catalogue).encode(), wrap, guard).decode()
    result = polib.pofile(out)
    entries = {(e.msgctxt, e.msgid): e for e in result}
    hello = entries[(None, "Hello %(name)s!")]
    assert hello.msgstr == "«Hello %(name)s!»" and hello.comment == "greeting"
    assert hello.occurrences == [("a.py", "3")]
    plural = entries[(None, "{count} file")]
    assert plural.msgstr_plural == {0: "«{count} file»", 1: "«{count} files»", 2: "«{count} files»"}
    assert entries[(None, "Done")].msgstr == "Fertig"
    assert entries[("nav", "Menu")].msgstr == "«Menu»"


def test_po_placeholders_survive_even_when_tags_are_mangled(guard: Guard) -> None:
    entry = polib.POEntry(msgid="Delete %s now?", msgstr="")
    catalogue = polib.POFile()
    catalogue.append(entry)
    out = PoFormat().translate(str(catalogue).encode(), shout, guard).decode()
    assert polib.pofile(out)[0].msgstr == "DELETE %s NOW?"
