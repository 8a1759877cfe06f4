"""Documents from the wild (issue 19): each test is the minimal reproduction of a real file that
crashed, lost links, lost bytes or overwrote human work."""

from __future__ import annotations

import asyncio
import re

from markdown_it import MarkdownIt

from service.documents.formats import detect
from service.documents.formats.markdown import MarkdownFormat
from service.documents.jobs import JobRecord
from service.documents.safety import Guard
from service.documents.serving import DirectResult, DocumentService
from service.documents.settings import DocumentSettings
from tests.service.documents.conftest import wrap

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
