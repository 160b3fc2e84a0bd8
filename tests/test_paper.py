"""Tests for unspin.paper: the paper-level report, its pages, risk levels and HTML."""

from __future__ import annotations

import pytest

from unspin.documents import Document, parse_document
from unspin.paper import LABEL_KNOWN, agree, screen_paper
from unspin.report import render_paper_html
from unspin.tortured_list import read_list

LIST = read_list(b"tortured_phrase,expected_phrase,num_papers\n"
                 b'"""neural organization""",neural network,100\n'
                 b'"""convolutional neural organization""",convolutional neural network,10\n'
                 b'"""irregular woodland""",random forest,50\n'
                 b'"""surface region"" AND ""surface area""",surface area,900\n'
                 b'"""profound learning""",deep learning (DL),40\n', "test list")


def screen(text: str, **kw):
    return screen_paper(Document("p.txt", "text", text), known=LIST, model=False, **kw)


def test_spans_index_the_exact_text_and_carry_expected_phrases():
    text = "We compare convolutional neural organizations with an Irregular Woodland and profound learning."
    rep = screen(text)
    assert [(s.text, s.original, s.label) for s in rep.spans] == [
        ("convolutional neural organizations", "convolutional neural networks", LABEL_KNOWN),
        ("Irregular Woodland", "random forest", LABEL_KNOWN),
        ("profound learning", "deep learning", LABEL_KNOWN),
    ]
    for s in rep.spans:
        assert text[s.start:s.end] == s.text
    d = rep.to_dict()
    assert d["spans"][2]["expected_as_listed"] == "deep learning (DL)"
    assert d["list"]["sha256"] == LIST.sha256 and d["list"]["entries"] == 5


def test_risk_levels_follow_distinct_phrases():
    assert screen("Nothing odd in this sentence about forests.").risk()[0] == "low"
    rep = screen("An irregular woodland.")
    assert rep.risk()[0] == "medium"
    rep = screen("An irregular woodland, a neural organization and profound learning.")
    level, reasons = rep.risk()
    assert level == "high" and "3 distinct phrase(s) on the known list" in reasons[0]
    rep = screen("An irregular woodland. " * 5)
    assert (rep.risk()[0], rep.distinct, len(rep.spans)) == ("medium", 1, 5)


def test_findings_are_reported_by_page():
    fpdf = pytest.importorskip("fpdf")
    pdf = fpdf.FPDF()
    pdf.set_font("Helvetica", size=11)
    for text in ["Page one is clean and talks about trees.", "Page two uses an irregular woodland model."]:
        pdf.add_page()
        pdf.multi_cell(0, 6, text)
    rep = screen_paper(parse_document(bytes(pdf.output()), name="p.pdf"), known=LIST, model=False)
    assert [(f["text"], f["page"]) for f in rep.to_dict()["spans"]] == [("irregular woodland", 2)]


def test_number_agreement_of_the_expected_phrase():
    assert agree("neural organizations", "neural network") == "neural networks"
    assert agree("surface region", "surface area") == "surface area"
    assert agree("analysis", "study") == "study"
    # A term the model knows in the plural comes back in the found phrase's singular ...
    assert agree("profound learning model", "deep learning models") == "deep learning model"
    assert agree("Profound Learning Model", "Deep Learning Models") == "Deep Learning Model"
    assert agree("information lattices", "data matrices") == "data matrices"
    # ... but not where the plural is a word of its own.
    assert agree("huge information", "big data") == "big data"


def test_html_report_escapes_the_paper():
    rep = screen("<script>alert(1)</script> an irregular woodland")
    page = render_paper_html(rep)
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "<mark tabindex='0'" in page and "random forest" in page
    assert "Problematic Paper Screener" in page


def test_the_package_exports_paper_screening():
    import unspin

    assert {"screen_paper", "load_document"} <= set(unspin.__all__)
    rep = unspin.screen_paper(Document("p.txt", "text", "an irregular woodland"), known=LIST, model=False)
    assert [s.original for s in rep.spans] == ["random forest"]
