from unspin.evaluation import SwapCounts, auroc, calibration, original_scores, score_spin, span_scores
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


def test_original_scores_pair_each_estimate_at_a_swap_with_whether_it_is_right():
    spun = spin(TEXT, THESAURUS, rate=1.0, seed=0)
    first, second, third = spun.swaps
    start = spun.text.index("success")
    spans = [Span(first.out_start, first.out_end, first.out_text, first.src_text.upper(), 0.9, "synonym_swap",
                  0.8),
             Span(second.out_start, second.out_end, second.out_text, "thing", 0.9, "synonym_swap", 0.3),
             # Not estimated, or not at a swap: left out.
             Span(third.out_start, third.out_end, third.out_text, third.src_text, 1.0, "source_swap"),
             Span(start, start + 7, "success", "triumph", 0.9, "synonym_swap", 0.7)]
    assert original_scores(spun, analysis_with(spun.text, spans)) == [(0.8, True), (0.3, False)]


def test_span_scores_pair_each_span_with_whether_a_swap_starts_there():
    spun = spin(TEXT, THESAURUS, rate=1.0, seed=0)
    first = spun.swaps[0]
    start = spun.text.index("success")
    spans = [Span(first.out_start, first.out_end, first.out_text, "thing", 0.7, "synonym_swap"),
             Span(start, start + 7, "success", "triumph", 0.4, "synonym_swap")]
    assert span_scores(spun, analysis_with(spun.text, spans)) == [(0.7, True), (0.4, False)]


def test_auroc_counts_ties_half():
    assert auroc([1, 2, 3], [0, 2]) == 4.5 / 6
    assert auroc([0.5], [0.5]) == 0.5
    assert auroc([], [1]) == 0.0


def test_calibration_compares_the_scores_with_the_outcomes():
    c = calibration([0.9, 0.8, 0.2, 0.6], [True, True, False, False])
    assert c["n"] == 4 and c["share_right"] == 0.5 and c["mean_score"] == 0.625
    assert c["brier"] == round((0.01 + 0.04 + 0.04 + 0.36) / 4, 4) and c["brier_of_the_share"] == 0.25
    # One score per bin: the error is the mean distance of each score from its outcome.
    assert c["ece"] == round((0.1 + 0.2 + 0.2 + 0.6) / 4, 4)
    assert c["auroc"] == 1.0
    # Scores that equal each bin's share right are calibrated, however little they tell apart.
    flat = calibration([0.75] * 4, [True, True, True, False])
    assert flat["ece"] == 0.0 and flat["auroc"] == 0.5
