"""PDFs are read as text at the door, within bounds, and never kept (crawlers.pdf_text)."""

import io
from pathlib import Path
from types import SimpleNamespace

import pytest
import scrapy
from scrapy.http import Response, TextResponse

from crawlers.crawling.middlewares import ArchiveMiddleware, PdfRefused, PdfTextMiddleware
from crawlers.parsing import response_from_body
from crawlers.pdf_text import PAGE_BREAK, PdfUnreadable, is_pdf, pdf_text
from crawlers.sources.contract import SourceContract
from crawlers.store.archive import Archive
from pdf_maker import make_pdf

EXAMPLES = Path(__file__).parent / "examples"
TEXT = ("NORTH DAKOTA CENTURY CODE\n12.1-27.1-03.3. Creation or distribution – Penalty.\n"
        "Loi « visant » l’été §\fPage two\nlast line")


def test_text_and_page_breaks_come_back_as_laid_out():
    assert pdf_text(make_pdf(TEXT)) == TEXT
    assert pdf_text(make_pdf(TEXT)).split(PAGE_BREAK)[1] == "Page two\nlast line"


def test_the_signature_may_follow_a_little_junk_but_a_page_is_not_a_pdf():
    assert is_pdf(b"\r\n%PDF-1.7\n") and is_pdf(make_pdf("x"))
    assert not is_pdf(b"<html>" + b" " * 1100 + b"%PDF- quoted far down a page")


def encrypted_pdf() -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(make_pdf(TEXT))))
    writer.encrypt("owner-only")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize("body, reason", [
    (b"%PDF-1.4\nnot really a pdf", "cannot be read"),
    (make_pdf("\f".join(["x"] * 3)), "no text layer"),
    (make_pdf("\f".join(["Section text of a page."] * 5)), "more than the 4 read"),
])
def test_an_unreadable_pdf_says_why(body, reason):
    with pytest.raises(PdfUnreadable, match=reason):
        pdf_text(body, max_pages=4)


def test_an_encrypted_pdf_is_refused():
    with pytest.raises(PdfUnreadable, match="encrypted"):
        pdf_text(encrypted_pdf())


def test_no_image_library_is_installed_so_no_picture_in_a_pdf_can_be_decoded():
    # pypdf decodes images only through Pillow; without it, `page.images` cannot render one.
    with pytest.raises(ImportError):
        import PIL  # noqa: F401


def contract(reads_pdf: bool) -> SourceContract:
    return SourceContract(id="test", name="Test", kind="legislation", base_url="https://laws.example.org",
                          licence="x", licence_url="x", terms_url="x", rate_limit_text="x", reads_pdf=reads_pdf)


def middleware(reads_pdf: bool) -> PdfTextMiddleware:
    spider = SimpleNamespace(contract=contract(reads_pdf))
    return PdfTextMiddleware(SimpleNamespace(spider=spider, stats=SimpleNamespace(inc_value=lambda *args: None)))


def pdf_response(body: bytes, status: int = 200) -> Response:
    url = "https://laws.example.org/t12-1c27-1.pdf"
    return Response(url, status=status, body=body, request=scrapy.Request(url),
                    headers={"Content-Type": "application/pdf", "ETag": '"v1"', "Content-Length": str(len(body))})


def test_a_source_that_reads_pdfs_gets_text_with_the_validators_kept():
    response = pdf_response(make_pdf(TEXT))
    text = middleware(True).process_response(response.request, response)
    assert isinstance(text, TextResponse) and text.text == TEXT
    assert text.headers[b"Content-Type"] == b"text/plain; charset=utf-8"
    assert text.headers[b"ETag"] == b'"v1"' and b"Content-Length" not in text.headers
    assert text.headers[PdfTextMiddleware.CONVERTED_HEADER] == b"application/pdf"


def test_an_unreadable_pdf_is_refused_with_its_reason_and_other_sources_pdfs_pass_untouched():
    response = pdf_response(encrypted_pdf())
    with pytest.raises(PdfRefused, match="encrypted"):
        middleware(True).process_response(response.request, response)
    untouched = pdf_response(make_pdf(TEXT))
    assert middleware(False).process_response(untouched.request, untouched) is untouched
    not_modified = pdf_response(b"", status=304)
    assert middleware(True).process_response(not_modified.request, not_modified) is not_modified


def test_the_archive_never_keeps_a_pdf_but_keeps_its_text(tmp_path):
    archive = Archive(tmp_path / "a.archive.sqlite")
    spider = SimpleNamespace(name="test", contract=contract(True))
    keeper = ArchiveMiddleware(SimpleNamespace(spider=spider, stats=None), archive)
    raw = pdf_response(make_pdf(TEXT))
    keeper.process_response(raw.request, raw)
    assert archive.state(raw.url) is None
    text = middleware(True).process_response(raw.request, pdf_response(make_pdf(TEXT)))
    keeper.process_response(raw.request, text)
    state = archive.state(raw.url)
    assert archive.body(state["sha256"]) == TEXT.encode() and state["content_type"].startswith("text/plain")


def test_a_saved_pdf_parses_as_text_only_for_a_source_that_reads_pdfs():
    body = make_pdf(TEXT)
    assert response_from_body(body, "https://laws.example.org/x.pdf", reads_pdf=True).text == TEXT
    assert response_from_body(body, "https://laws.example.org/x.pdf").body == body


@pytest.mark.parametrize("text_file", sorted(EXAMPLES.glob("*/*.pdf.txt")), ids=lambda path: path.name)
def test_each_example_pdf_is_made_from_its_text(text_file):
    pdf = text_file.with_suffix("")
    assert pdf.exists(), f"run: python tests/pdf_maker.py {text_file}"
    assert pdf.read_bytes() == make_pdf(text_file.read_text(encoding="utf-8")), f"stale; run: python tests/pdf_maker.py {text_file}"


def test_a_section_is_cut_from_printed_pages_and_its_wrapped_lines_joined():
    import re

    from crawlers.sources._pdf_sections import paragraphs, printed_lines, section_span

    text = ("12.1-27.1-03.2. Other section.\nIts text.\n"
            "12.1-27.1-03.3. Creation or distribution of sexually expressive images\n"
            "prohibited - Penalty.\n1. A person may not create or distribute a non-\nconsensual image of\n"
            "an identifiable person.\fPage No. 4\n"
            "a. Where the image is altered.\n12.1-27.1-04. Next section.")
    lines = printed_lines(text, drop=[r"^Page No\. \d+$"])
    span = section_span(lines, re.compile(r"^12\.1-27\.1-03\.3\. "), re.compile(r"^\d+\.\d+-\d+\.\d+-\d+(\.\d+)?\. [A-Z]"))
    assert paragraphs(span[2:]) == [
        "1. A person may not create or distribute a non-consensual image of an identifiable person.",
        "a. Where the image is altered."]
    assert section_span(lines, re.compile("^99"), re.compile("x")) is None


@pytest.mark.parametrize("not_modified_type", [None, "application/pdf", "text/html"])
def test_a_page_replayed_after_a_304_reads_as_the_utf8_text_it_was(tmp_path, not_modified_type):
    """A 304 names no charset (or another type); the archived text must still decode as the
    UTF-8 it was stored as, or every recrawl would store a garbled new version."""
    archive = Archive(tmp_path / "a.archive.sqlite")
    keeper = ArchiveMiddleware(SimpleNamespace(spider=SimpleNamespace(name="test"),
                                               stats=SimpleNamespace(inc_value=lambda *args: None)), archive)
    url = "https://laws.example.org/9gc028.pdf"
    text = "§ 28.102. Définitions — « image intime »".encode("utf-8")
    first = TextResponse(url, body=text, headers={"Content-Type": "text/plain; charset=utf-8", "ETag": '"v1"'},
                         request=scrapy.Request(url), encoding="utf-8")
    keeper.process_response(first.request, first)
    again = scrapy.Request(url)
    keeper.process_request(again)
    headers = {"ETag": '"v1"', **({"Content-Type": not_modified_type} if not_modified_type else {})}
    replayed = keeper.process_response(again, Response(url, status=304, headers=headers, request=again))
    assert replayed.status == 200 and "unchanged" in replayed.flags
    assert replayed.text == text.decode("utf-8")
