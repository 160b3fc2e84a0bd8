"""Tests for unspin.documents: text, HTML and PDF files into text with page offsets."""

from __future__ import annotations

import pytest

from unspin.documents import clean_page_text, load_document, parse_document
from unspin.errors import EmptyInputError, InputError, NoTextLayerError, TooLargeInputError

fpdf = pytest.importorskip("fpdf", reason="PDF fixtures need fpdf2: pip install -e '.[test]'")


def make_pdf(pages: list[str]) -> bytes:
    pdf = fpdf.FPDF()
    pdf.set_font("Helvetica", size=11)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 6, text)
    return bytes(pdf.output())


def test_pdf_pages_map_offsets_to_page_numbers():
    pages = [f"Page {n} says that the committee met on {day}." for n, day in
             [(1, "Monday"), (2, "Tuesday"), (3, "Friday")]]
    doc = parse_document(make_pdf(pages), name="report.pdf")
    assert doc.kind == "pdf"
    assert len(doc.pages) == 3
    for n, day in enumerate(["Monday", "Tuesday", "Friday"], start=1):
        at = doc.text.index(day)
        assert doc.page_of(at) == n
        assert doc.text[doc.pages[n - 1]:].startswith(f"Page {n}")


def test_pdf_without_text_layer_says_to_run_ocr():
    pdf = fpdf.FPDF()
    pdf.add_page()
    pdf.rect(10, 10, 80, 80, style="F")
    with pytest.raises(NoTextLayerError, match="OCR"):
        parse_document(bytes(pdf.output()), name="scan.pdf")


@pytest.mark.parametrize("data", [b"%PDF-1.7\n1 0 obj garbage", b"%PDF-" + bytes(range(256)) * 4])
def test_damaged_pdf_is_an_input_error(data):
    with pytest.raises(InputError, match="cannot be opened as a PDF"):
        parse_document(data, name="bad.pdf")


def test_pdf_name_without_pdf_content_is_explained():
    with pytest.raises(InputError, match="not a PDF"):
        parse_document(b"just some words", name="paper.pdf")


def test_oversized_pdf_is_refused_before_parsing():
    with pytest.raises(TooLargeInputError):
        parse_document(make_pdf(["Some text for the page."] * 3), name="big.pdf", max_bytes=100)


def test_html_keeps_the_article_and_escapes_nothing_into_markup():
    page = (b"<!doctype html><html><head><title>t</title><script>alert(1)</script></head><body>"
            b"<article><p>The council voted on Tuesday to close the old bridge.</p></article></body></html>")
    doc = parse_document(page, name="upload")
    assert doc.kind == "html"
    assert "close the old bridge" in doc.text
    assert "alert" not in doc.text


def test_html_without_text_is_empty_input():
    with pytest.raises(EmptyInputError):
        parse_document(b"<html><body><script>x()</script></body></html>", name="a.html")


def test_plain_text_goes_through_the_usual_vetting(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("A short English sentence about the weather.", encoding="utf-8")
    doc = load_document(path)
    assert (doc.kind, doc.pages, doc.page_of(5)) == ("text", (0,), 1)
    with pytest.raises(EmptyInputError):
        parse_document(b"   \n", name="blank.txt")


def test_page_text_rejoins_words_pdfium_hyphenated_at_line_ends():
    raw = "uses counter\x02\r\nfeit conscious\u00ad\nness and a well-\r\nknown model\rend"
    assert clean_page_text(raw) == "uses counterfeit consciousness and a well-\nknown model\nend"
