"""The self-contained HTML report."""

from __future__ import annotations

from html.parser import HTMLParser

from unspin.report import render_html
from unspin.result import Analysis, Span, apply_spans

TEXT = 'The Korean Central News Firm said <script>alert("x")</script> & more.'


def analysis() -> Analysis:
    start = TEXT.index("Firm")
    spans = [Span(start, start + 4, "Firm", "Agency", 0.91, "synonym_swap", 0.62)]
    return Analysis(text=TEXT, score=0.8, threshold=0.5, spans=spans, restored_text=apply_spans(TEXT, spans),
                    lexicon_version="lex-1", model="m", n_words=9)


class Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.marks: list[dict[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "mark":
            self.marks.append(dict(attrs))

    def handle_data(self, data):
        self.text.append(data)


def test_text_is_escaped_so_markup_in_it_is_shown_not_run():
    page = render_html(analysis())
    p = Collect()
    p.feed(page)
    assert "script" not in p.tags  # the document's <script> became text
    assert '<script>alert("x")</script>' in "".join(p.text)
    assert "&lt;script&gt;" in page


def test_swaps_are_focusable_marks_carrying_their_original_and_confidence():
    p = Collect()
    p.feed(render_html(analysis()))
    [mark] = p.marks
    assert mark["tabindex"] == "0"
    assert mark["title"] == "likely original: Agency (0.62), confidence 0.91"
    assert "Likely spun" in "".join(p.text)
    assert "Korean Central News Agency" in "".join(p.text)  # the restored text


def test_report_is_self_contained():
    page = render_html(analysis())
    assert "http" not in page and "<link" not in page and "src=" not in page


def test_a_text_in_doubt_gets_the_advice_and_others_do_not():
    doubtful = render_html(Analysis(text=TEXT, score=0.8, threshold=0.97, restored_text=TEXT))
    assert "More likely spun than not" in doubtful and "--deep" in doubtful
    assert "More likely spun than not" not in render_html(analysis())
