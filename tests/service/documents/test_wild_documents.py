"""Documents from the wild (issue 19): each test is the minimal reproduction of a real file that
crashed, lost links, lost bytes or overwrote human work."""

from __future__ import annotations

import asyncio
import re

import polib
from lxml import etree
from markdown_it import MarkdownIt

from service.documents.formats import detect
from service.documents.formats.html import HtmlFormat
from service.documents.formats.markdown import MarkdownFormat
from service.documents.formats.po import PoFormat
from service.documents.formats.xliff import XliffFormat
from service.documents.jobs import JobRecord
from service.documents.safety import Guard
from service.documents.serving import DirectResult, DocumentService
from service.documents.settings import DocumentSettings
from tests.service.documents.conftest import shout, wrap

SRT_CUE = "1\r\n00:00:01,000 --> 00:00:02,000\r\nHello there.\r\n"


def _submit(data: bytes, filename: str, mode: str = "sync") -> DirectResult | JobRecord:
    """Submit through the document service (the logic behind the route), as the app does."""
    service = DocumentService(
        DocumentSettings(_env_file=None),  # type: ignore[call-arg]
        lambda source, target: wrap,
    )
    try:
        outcome = asyncio.run(service.submit(data, filename, "en", "de", mode))  # type: ignore[arg-type]
    finally:
        service.close()
    return outcome


def _direct(data: bytes, filename: str) -> DirectResult:
    outcome = _submit(data, filename)
    assert isinstance(outcome, DirectResult)
    return outcome


def test_utf16_subtitles_are_labelled_with_their_own_charset() -> None:
    data = b"\xff\xfe" + SRT_CUE.encode("utf-16-le")
    outcome = _direct(data, "film.srt")
    assert outcome.media_type == "application/x-subrip; charset=utf-16"
    assert outcome.data.startswith(b"\xff\xfe")
    assert "«Hello there.»" in outcome.data[2:].decode("utf-16-le")


def test_utf8_subtitles_stay_labelled_utf8() -> None:
    assert _direct(SRT_CUE.encode(), "film.srt").media_type == "application/x-subrip; charset=utf-8"


def test_a_utf16_document_job_records_its_charset() -> None:
    record = _submit(b"\xff\xfe" + "Hello there.\n".encode("utf-16-le"), "a.txt", "async")
    assert isinstance(record, JobRecord)
    assert record.media_type == "text/plain; charset=utf-16"


def reverse_words(batch: list[str]) -> list[str]:
    """Changes every word (outside neutral tags), as a real translation would."""
    return ["".join(p if p.startswith("<") else _reverse(p) for p in _TAGS.split(s)) for s in batch]


_TAGS = re.compile(r"(<[^<>]+>)")


def _reverse(text: str) -> str:
    return re.sub(r"[A-Za-z]+", lambda m: m.group(0)[::-1], text)


def _links(markdown: str) -> list[str]:
    html = MarkdownIt("commonmark").render(markdown)
    return re.findall(r'<(?:a href|img src)="([^"]*)"', html)


def test_markdown_link_whose_text_is_a_url_is_translated_not_crashed(guard: Guard) -> None:
    data = b"Check [https://securitytxt.org/](https://securitytxt.org/) for more details.\n"
    out = MarkdownFormat().translate(data, reverse_words, guard).decode()
    assert out == "kcehC [https://securitytxt.org/](https://securitytxt.org/) rof erom sliated.\n"


README_LINKS = """Flask began as a wrapper around [Werkzeug] and [Jinja][].
See the ![Logo] and [the docs][docs]; [this] is not a link.

[Werkzeug]: https://werkzeug.palletsprojects.com/
[jinja]: https://jinja.palletsprojects.com/
[Logo]: logo.png
[docs]: https://flask.palletsprojects.com/
"""


def test_shortcut_and_collapsed_reference_links_still_resolve_once_translated(
    guard: Guard,
) -> None:
    out = MarkdownFormat().translate(README_LINKS.encode(), reverse_words, guard).decode()
    assert _links(out) == _links(README_LINKS) and len(_links(out)) == 4
    assert "[guezkreW][Werkzeug]" in out and "[ajniJ][Jinja]" in out
    assert "![ogoL][Logo]" in out and "[eht scod][docs]" in out
    assert "[siht] si ton a knil." in out
    assert out.endswith(README_LINKS[README_LINKS.index("\n\n") :])


UNNUMBERED_SRT = """00:00:01,000 --> 00:00:02,500
Hello there.

00:00:03,000 --> 00:00:04,000
<i>Goodbye.</i>
"""


def test_srt_without_cue_numbers_is_accepted_and_comes_back_unnumbered(guard: Guard) -> None:
    fmt = detect(UNNUMBERED_SRT.encode(), "captions.srt")
    assert fmt.name == "srt"
    out = fmt.translate(UNNUMBERED_SRT.encode(), wrap, guard).decode()
    assert out == UNNUMBERED_SRT.replace("Hello there.", "«Hello there.»").replace(
        "<i>Goodbye.</i>", "«<i>Goodbye.</i>»"
    )


TRANSLATED_XLIFF12 = """<?xml version="1.0" encoding="UTF-8"?>
<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2">
  <file source-language="en" target-language="en" datatype="plaintext" original="app">
    <body>
      <trans-unit id="human"><source>Save</source><target>Speichern</target></trans-unit>
      <trans-unit id="final"><source>Open</source><target state="final">Öffnen</target>
        <alt-trans><source>Open it</source><target>Öffne es</target></alt-trans>
      </trans-unit>
      <trans-unit id="missing"><source>Close</source></trans-unit>
      <trans-unit id="empty"><source>Quit</source><target/></trans-unit>
      <trans-unit id="new"><source>Print</source><target state="new">Print</target></trans-unit>
      <trans-unit id="todo"><source>Copy</source><target state="needs-translation"/></trans-unit>
    </body>
  </file>
</xliff>
"""
_X12 = {"x": "urn:oasis:names:tc:xliff:document:1.2"}


def _targets12(out: bytes) -> dict[str, tuple[str, str | None]]:
    root = etree.fromstring(out)
    return {
        str(u.get("id")): ("".join(t.itertext()), t.get("state"))
        for u in root.iterfind(".//x:trans-unit", _X12)
        if (t := u.find("x:target", _X12)) is not None
    }


def test_xliff_keeps_human_targets_translates_the_rest_and_sets_target_language(
    guard: Guard,
) -> None:
    out = XliffFormat().translate(TRANSLATED_XLIFF12.encode(), wrap, guard, target="de")
    review = "needs-review-translation"
    assert _targets12(out) == {
        "human": ("Speichern", None),
        "final": ("Öffnen", "final"),
        "missing": ("«Close»", review),
        "empty": ("«Quit»", review),
        "new": ("«Print»", review),
        "todo": ("«Copy»", review),
    }
    root = etree.fromstring(out)
    assert root.find("x:file", _X12).get("target-language") == "de"
    assert root.find(".//x:alt-trans/x:target", _X12).text == "Öffne es"


def test_xliff_overwrite_policy_replaces_every_target() -> None:
    settings = DocumentSettings(_env_file=None, existing_translations="overwrite")  # type: ignore[call-arg]
    out = XliffFormat().translate(TRANSLATED_XLIFF12.encode(), wrap, Guard(settings), target="de")
    texts = {uid: text for uid, (text, _) in _targets12(out).items()}
    assert texts["human"] == "«Save»" and texts["final"] == "«Open»"


def test_xliff_target_language_naming_the_requested_language_is_kept(guard: Guard) -> None:
    data = TRANSLATED_XLIFF12.replace('target-language="en"', 'target-language="de-AT"')
    out = XliffFormat().translate(data.encode(), wrap, guard, target="de")
    assert etree.fromstring(out).find("x:file", _X12).get("target-language") == "de-AT"


TRANSLATED_XLIFF20 = """<?xml version="1.0" encoding="UTF-8"?>
<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="en">
  <file id="f1"><unit id="u1">
    <segment id="done"><source>Save</source><target>Speichern</target></segment>
    <segment id="initial" state="initial"><source>Open</source><target>Open</target></segment>
    <segment id="missing"><source>Close</source></segment>
  </unit></file>
</xliff>
"""


def test_xliff20_keeps_human_targets_and_sets_trglang(guard: Guard) -> None:
    out = XliffFormat().translate(TRANSLATED_XLIFF20.encode(), wrap, guard, target="de")
    root = etree.fromstring(out)
    ns = {"x": "urn:oasis:names:tc:xliff:document:2.0"}
    segments = {s.get("id"): s for s in root.iterfind(".//x:segment", ns)}
    assert segments["done"].find("x:target", ns).text == "Speichern"
    assert segments["initial"].find("x:target", ns).text == "«Open»"
    assert segments["missing"].find("x:target", ns).text == "«Close»"
    assert segments["missing"].get("state") == "translated"
    assert root.get("trgLang") == "de"


def test_po_overwrite_policy_replaces_existing_msgstrs() -> None:
    catalogue = polib.POFile()
    catalogue.append(polib.POEntry(msgid="Done", msgstr="Fertig"))
    settings = DocumentSettings(_env_file=None, existing_translations="overwrite")  # type: ignore[call-arg]
    out = PoFormat().translate(str(catalogue).encode(), wrap, Guard(settings)).decode()
    entry = polib.pofile(out)[0]
    assert entry.msgstr == "«Done»" and "fuzzy" in entry.flags


PO_HEADER = """# German translation of app.
# Copyright (C) 2020
#
msgid ""
msgstr ""
"Project-Id-Version: app 1.0\\n"
"Report-Msgid-Bugs-To: \\n"
"POT-Creation-Date: 2020-01-01 00:00+0000\\n"
"MIME-Version: 1.0\\n"
"Content-Type: text/plain; charset=UTF-8\\n"
"Language: de\\n"
"Plural-Forms: nplurals=2; "
"plural=(n != 1);\\n"
"""


def test_po_tag_like_msgids_are_text_and_get_translated(guard: Guard) -> None:
    entries = '\nmsgid "<no view>"\nmsgstr ""\n\nmsgid "<unavailable>"\nmsgstr ""\n'
    out = PoFormat().translate((PO_HEADER + entries).encode(), wrap, guard).decode()
    msgstrs = {e.msgid: e.msgstr for e in polib.pofile(out)}
    assert msgstrs == {"<no view>": "«<no view>»", "<unavailable>": "«<unavailable>»"}


def test_po_markup_inside_text_is_still_kept_as_atoms(guard: Guard) -> None:
    entries = '\nmsgid "Press <b>Save</b>"\nmsgstr ""\n'
    out = PoFormat().translate((PO_HEADER + entries).encode(), shout, guard).decode()
    assert polib.pofile(out)[0].msgstr == "PRESS <b>SAVE</b>"


def test_po_keeps_header_and_untouched_entries_byte_for_byte(guard: Guard) -> None:
    entries = (
        '\n#: views.py:10\n#, python-format\nmsgid "%d items"\nmsgstr ""\n'
        '\nmsgid "Done"\nmsgstr "Fertig"\n'
        '\n#~ msgid "Old"\n#~ msgstr "Alt"\n'
    )
    out = PoFormat().translate((PO_HEADER + entries).encode(), wrap, guard).decode()
    assert out == PO_HEADER + entries.replace(
        '#, python-format\nmsgid "%d items"\nmsgstr ""',
        '#, fuzzy, python-format\nmsgid "%d items"\nmsgstr "«%d items»"',
    )


def test_po_one_entry_file_gains_no_stray_comment_line(guard: Guard) -> None:
    header = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
    data = header + '\nmsgid "Hello"\nmsgstr ""\n'
    out = PoFormat().translate(data.encode(), wrap, guard).decode()
    assert out == data.replace(
        'msgid "Hello"\nmsgstr ""', '#, fuzzy\nmsgid "Hello"\nmsgstr "«Hello»"'
    )


def test_po_plural_and_multiline_msgstrs_are_written_as_gettext_reads_them(guard: Guard) -> None:
    entries = (
        '\nmsgctxt "nav"\nmsgid "%d file"\nmsgid_plural "%d files"\nmsgstr[0] ""\nmsgstr[1] ""\n'
        '\nmsgid ""\n"Line one\\n"\n"line two"\nmsgstr ""\n'
    )
    out = PoFormat().translate((PO_HEADER + entries).encode(), wrap, guard).decode()
    entries_out = list(polib.pofile(out))
    assert entries_out[0].msgstr_plural == {0: "«%d file»", 1: "«%d files»"}
    assert entries_out[1].msgstr == "«Line one\nline two»"
    assert 'msgstr ""\n"«Line one\\n"\n"line two»"\n' in out
    assert out.startswith(PO_HEADER)


def test_html_keeps_a_comment_after_the_root_element(guard: Guard) -> None:
    data = b"<html><body><p>Page not found</p></body></html>\n<!-- trailing comment -->"
    out = HtmlFormat().translate(data, wrap, guard)
    assert out == data.replace(b"Page not found", "«Page not found»".encode())


PAGE = """<!doctype html>
<!--[if IE]><p>Old browser</p><![endif]-->
<HTML lang=en>
<head>
  <meta charset="utf-8" />
  <title>Welcome</title>
  <link rel="stylesheet"
        href="site.css">
  <script>if (a < b && c) { document.write("<p>x</p>"); }</script>
</head>
<body class='home'>
  <P ID=intro
     data-x='1'>Hello <B>dear</B> reader &amp; friend.<br/>Second line.</P>
  <img src=cat.png alt='A &quot;cat&quot;' />
  <pre>  keep   this  </pre>
  <p>&copy; 2024 &#8212; 42</p>
</body>
</HTML>
<p>Stray paragraph after the root.</p>
"""


def test_html_keeps_every_byte_that_is_not_translated_text(guard: Guard) -> None:
    out = HtmlFormat().translate(PAGE.encode(), wrap, guard).decode()
    expected = (
        PAGE.replace("<title>Welcome", "<title>«Welcome»")
        .replace(
            "Hello <B>dear</B> reader &amp; friend.", "«Hello <B>dear</B> reader &amp; friend."
        )
        .replace("Second line.</P>", "Second line.»</P>")
        .replace("alt='A &quot;cat&quot;'", "alt='«A \"cat\"»'")
        .replace("Stray paragraph after the root.", "«Stray paragraph after the root.»")
    )
    assert out == expected


def test_html_with_nothing_to_translate_comes_back_identical(guard: Guard) -> None:
    data = b"<!DOCTYPE html><html><body><p>42</p><script>var x = 'text';</script></body></html>"
    assert HtmlFormat().translate(data, wrap, guard) == data


def test_html_translation_is_escaped_where_it_goes_back(guard: Guard) -> None:
    out = HtmlFormat().translate(b"<p>Fish &amp; chips</p>", lambda b: ["A < B & C"], guard)
    assert out == b"<p>A &lt; B &amp; C</p>"


def test_html_unclosed_list_items_and_cells_are_siblings_not_nested(guard: Guard) -> None:
    items = "".join(f"<li>Item {i}" for i in range(1000))
    data = f"<ul>{items}</ul><table><tr><td>One<td>Two<tr><td>Three</table>".encode()
    out = HtmlFormat().translate(data, wrap, guard).decode()
    assert out.count("«") == 1003 and "<li>«Item 999»</ul>" in out
    assert "<td>«One»<td>«Two»<tr><td>«Three»</table>" in out


def test_html_attribute_is_found_by_walking_the_tag_not_inside_another_value(
    guard: Guard,
) -> None:
    data = b'<p><img title="Photo alt=3" alt=cat data-alt="x"></p>'
    out = HtmlFormat().translate(data, wrap, guard).decode()
    assert out == '<p><img title="«Photo alt=3»" alt="«cat»" data-alt="x"></p>'


def test_html_downlevel_conditional_comments_are_kept_not_a_crash(guard: Guard) -> None:
    data = b"<p>Hello</p><![if !IE]><p>Modern browser</p><![endif]>\n"
    out = HtmlFormat().translate(data, wrap, guard).decode()
    assert out == "<p>«Hello»</p><![if !IE]><p>«Modern browser»</p><![endif]>\n"
