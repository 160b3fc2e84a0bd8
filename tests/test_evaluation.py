from unspin.evaluation import SwapCounts, score_spin
from unspin.result import Analysis, Span
from unspin.spinner import spin
from unspin.thesauri import Thesaurus

TEXT = "The agency said the visit to the capital was a success for the people of the region."
THESAURUS = Thesaurus("test", {"agency": ["firm"], "visit": ["trip"], "people": ["individuals"]})


def analysis_with(text: str, spans: list[Span]) -> Analysis:
    return Analysis(text=text, score=1.0, threshold=0.5, spans=spans)


def test_a_perfect_analysis_scores_one_everywhere():
    spun = spin(TEXT, THESAURUS, rate=1.0, seed=0)
    assert len(spun.swaps) == 3
    spans = [Span(s.out_start, s.out_end, s.out_text, s.src_text, 1.0, "synonym_swap") for s in spun.swaps]
    c = score_spin(spun, analysis_with(spun.text, spans))
    assert (c.precision, c.recall, c.f1, c.restored_exact) == (1.0, 1.0, 1.0, 1.0)


def test_wrong_originals_count_as_found_but_not_restored():
    spun = spin(TEXT, THESAURUS, rate=1.0, seed=0)
    spans = [Span(s.out_start, s.out_end, s.out_text, "thing", 1.0, "synonym_swap") for s in spun.swaps]
    c = score_spin(spun, analysis_with(spun.text, spans))
    assert c.recall == 1.0 and c.restored_exact == 0.0


def test_a_false_change_lowers_precision_only():
    spun = spin(TEXT, THESAURUS, rate=1.0, seed=0)
    start = spun.text.index("success")
    spans = [Span(s.out_start, s.out_end, s.out_text, s.src_text, 1.0, "synonym_swap") for s in spun.swaps]
    spans.append(Span(start, start + 7, "success", "triumph", 1.0, "synonym_swap"))
    c = score_spin(spun, analysis_with(spun.text, sorted(spans, key=lambda s: s.start)))
    assert c.recall == 1.0 and c.precision == 0.75


def test_counts_add_up_over_documents():
    total = SwapCounts()
    total += SwapCounts(tp=1, fp=1, fn=0, swaps=1, exact=1)
    total += SwapCounts(tp=0, fp=0, fn=2, swaps=2, exact=0)
    assert (total.tp, total.fp, total.fn, total.swaps, total.exact) == (1, 1, 2, 3, 1)
    assert total.recall == 1 / 3
