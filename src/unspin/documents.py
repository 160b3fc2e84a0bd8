"""Documents that are not plain text: the text of HTML pages and PDF files.

:func:`parse_document` turns the bytes of a ``.txt``/``.md``, ``.html`` or
``.pdf`` file into a :class:`Document`: its text, and for a PDF where each
page starts in that text, so a finding can be reported by page. Plain text
goes through the same vetting as every other input (:mod:`unspin.inputs`).
HTML is converted with resiliparse and PDF with PDFium (pypdfium2), both
maintained, compiled libraries, imported only when such a file arrives.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import EmptyInputError, InputError, MissingDependencyError, NoTextLayerError
from .inputs import DEFAULT_MAX_BYTES, decode_input, read_bytes

# A page with fewer letters than this is taken to be an image without a text layer.
_MIN_LETTERS_PER_PAGE = 40
_HTML_START = re.compile(rb"\s*(<!doctype html|<html|<head|<body|<!--)", re.IGNORECASE)
_PAGE_BREAK = "\n\n"
_SOFT_BREAK = re.compile("[\u0002\u00ad]\n?")


@dataclass(frozen=True)
class Document:
    """Extracted text; ``pages`` holds the offset in ``text`` where each page starts."""

    name: str
    kind: str  # "text", "html" or "pdf"
    text: str
    pages: tuple[int, ...] = (0,)

    def page_of(self, offset: int) -> int:
        """The 1-based page that the character at ``offset`` is on."""
        return page_at(self.pages, offset)


def page_at(pages: tuple[int, ...], offset: int) -> int:
    """The 1-based page of a character offset, given the offsets where pages start."""
    return bisect.bisect_right(pages, offset)


def load_document(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    """Read and parse a document file (``-`` for standard input, taken as text or HTML)."""
    name = "standard input" if str(path) == "-" else str(path)
    return parse_document(read_bytes(path, max_bytes), name=name, max_bytes=max_bytes)


def parse_document(data: bytes, *, name: str = "input", max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    """The text of a plain-text, HTML or PDF document, told apart by content and file name."""
    if data.startswith(b"%PDF-"):
        return _pdf(data, name, max_bytes)
    suffix = Path(name).suffix.lower()
    if suffix in {".html", ".htm", ".xhtml"} or _HTML_START.match(data[:512]):
        return Document(name, "html", _html(data, name, max_bytes))
    if suffix == ".pdf":
        raise InputError(f"{name} is named .pdf but is not a PDF file; check that the download finished")
    return Document(name, "text", decode_input(data, name=name, max_bytes=max_bytes))


#: HTML-to-text extractors: resiliparse (the default, 7 to 12 times faster here) or trafilatura.
HTML_EXTRACTORS = ("resiliparse", "trafilatura")


def check_html_extractor(extractor: str) -> None:
    """Refuse an extractor name that is not one of :data:`HTML_EXTRACTORS`."""
    if extractor not in HTML_EXTRACTORS:
        raise InputError(f"unknown HTML extractor {extractor!r}; use one of {', '.join(HTML_EXTRACTORS)}")


def html_to_text(data: bytes, extractor: str = "resiliparse") -> str:
    """The main text of an HTML page, in the page's own encoding, without navigation and scripts."""
    check_html_extractor(extractor)
    if extractor == "trafilatura":
        try:
            import trafilatura
        except ImportError as exc:
            raise MissingDependencyError("the trafilatura HTML extractor", '"unspin[trafilatura]"') from exc
        return trafilatura.extract(data, include_comments=False, include_tables=True) or ""
    try:
        from resiliparse.extract.html2text import extract_plain_text
        from resiliparse.parse.encoding import bytes_to_str, detect_encoding
    except ImportError as exc:
        raise MissingDependencyError("reading HTML", '"unspin[warc]"') from exc
    return extract_plain_text(bytes_to_str(data, detect_encoding(data)), main_content=True)


def _html(data: bytes, name: str, max_bytes: int) -> str:
    # The size and binary checks of plain text apply to markup too.
    decode_input(data, name=name, max_bytes=max_bytes, encoding="utf-8" if _utf8(data) else "latin-1")
    text = html_to_text(data)
    if not text.strip():
        raise EmptyInputError(f"{name} is an HTML page with no readable text; give a page with an article")
    return text


def _utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _pdf(data: bytes, name: str, max_bytes: int) -> Document:
    if len(data) > max_bytes:
        decode_input(data, name=name, max_bytes=max_bytes)  # raises the standard too-large error
    try:
        import pypdfium2 as pdfium
    except ImportError as exc:  # pragma: no cover - a core dependency, absent only in broken installs
        raise MissingDependencyError("reading PDF files", "pypdfium2") from exc
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise InputError(f"{name} cannot be opened as a PDF ({exc}); it may be damaged or "
                         "password-protected: save an unprotected copy and try again") from None
    try:
        texts = [_page_text(pdf[i]) for i in range(len(pdf))]
    finally:
        pdf.close()
    letters = sum(sum(c.isalpha() for c in t) for t in texts)
    if letters < _MIN_LETTERS_PER_PAGE * max(1, len(texts)) / 4:
        raise NoTextLayerError(f"{name} has no text layer ({len(texts)} page(s), {letters} letters): it is "
                               "probably scanned images; run OCR on it first (e.g. ocrmypdf) and try again")
    pages, pos = [], 0
    for t in texts:
        pages.append(pos)
        pos += len(t) + len(_PAGE_BREAK)
    return Document(name, "pdf", _PAGE_BREAK.join(texts), tuple(pages))


def clean_page_text(raw: str) -> str:
    """PDFium's text of a page as plain lines: one newline per line break, hyphenation undone.

    PDFium ends lines with CR LF, and a hyphen that only splits a word at a line end can come out
    as U+0002 (or as a soft hyphen, U+00AD); a word broken that way is joined again, so the
    tortured-phrase matcher sees "counterfeit" rather than "counter" and "feit". A hard hyphen
    is left alone: it may belong to the word.
    """
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    return _SOFT_BREAK.sub("", text)


def _page_text(page: object) -> str:
    textpage = page.get_textpage()  # type: ignore[attr-defined]
    try:
        return clean_page_text(textpage.get_text_range())
    finally:
        textpage.close()
        page.close()  # type: ignore[attr-defined]
