"""The result type: applying spans and the JSON form every interface shares."""

from __future__ import annotations

import itertools
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from unspin.result import LABELS, Analysis, Span, apply_spans

SPAN_KEYS = {"start", "end", "text", "original", "score", "label", "original_score"}
ANALYSIS_KEYS = {
    "score", "is_spun", "in_doubt", "threshold", "spans", "restored_text", "lexicon_version", "model",
    "n_words", "source", "stage", "min_score",
}


def span(text: str, start: int, end: int, original: str | None, label: str = "synonym_swap") -> Span:
    return Span(start, end, text[start:end], original, 0.9, label)


@st.composite
def text_and_disjoint_spans(draw):
    """A text and non-empty, non-overlapping (possibly adjacent) spans over it, in random order."""
    text = draw(st.text(max_size=120))
    cuts = sorted(set(draw(st.lists(st.integers(0, len(text)), max_size=12))))
    pairs = [iv for iv in itertools.pairwise(cuts) if draw(st.booleans())]
    originals = draw(st.lists(st.text(max_size=8), min_size=len(pairs), max_size=len(pairs)))
    spans = [span(text, a, b, o) for (a, b), o in zip(pairs, originals, strict=True)]
    return text, draw(st.permutations(spans))


@settings(max_examples=300, deadline=None)
@given(text_and_disjoint_spans())
def test_apply_spans_copies_everything_outside_spans(case):
    text, spans = case
    out = apply_spans(text, spans)
    # Walk the output: each gap must come back verbatim, each span as its original.
    pos = 0
    rest = out
    for s in sorted(spans, key=lambda s: s.start):
        gap = text[pos : s.start]
        assert rest.startswith(gap)
        rest = rest[len(gap) :]
        assert rest.startswith(s.original)
        rest = rest[len(s.original) :]
        pos = s.end
    assert rest == text[pos:]


@settings(max_examples=100, deadline=None)
@given(text_and_disjoint_spans())
def test_spans_without_original_change_nothing(case):
    text, spans = case
    unsure = [Span(s.start, s.end, s.text, None, s.score, "suspicious") for s in spans]
    assert apply_spans(text, unsure) == text


def test_apply_spans_replaces_and_keeps_spacing():
    text = "The  Korean Central News Firm ,said\ton Tuesday."
    firm = text.index("Firm")
    said = text.index("said")
    spans = [span(text, said, said + 4, "reported"), span(text, firm, firm + 4, "Agency")]
    assert apply_spans(text, spans) == "The  Korean Central News Agency ,reported\ton Tuesday."


def test_apply_spans_skips_none_originals():
    text = "a big red dog"
    spans = [span(text, 2, 5, None, "suspicious"), span(text, 6, 9, "crimson")]
    assert apply_spans(text, spans) == "a big crimson dog"


def test_apply_spans_skips_a_span_overlapping_an_earlier_one():
    text = "give up the fight"
    spans = [span(text, 5, 11, "X"), span(text, 0, 7, "abandon")]  # second starts first
    assert apply_spans(text, spans) == "abandon the fight"


def test_a_skipped_none_span_does_not_block_an_overlapping_one():
    text = "give up the fight"
    spans = [span(text, 0, 11, None, "suspicious"), span(text, 5, 7, "in")]
    assert apply_spans(text, spans) == "give in the fight"


def test_deletion_span_removes_the_word():
    text = "they really said so"
    assert apply_spans(text, [span(text, 5, 12, "", "inserted_filler")]) == "they said so"


def test_span_to_dict():
    s = Span(4, 8, "Firm", "Agency", 0.75, "synonym_swap", 0.6)
    assert s.to_dict() == {"start": 4, "end": 8, "text": "Firm", "original": "Agency", "score": 0.75,
                           "label": "synonym_swap", "original_score": 0.6}
    # Not estimated (a traced source's words, a tortured phrase's expected term): null.
    assert Span(4, 8, "Firm", "Agency", 1.0, "source_swap").to_dict()["original_score"] is None


def test_labels_are_the_documented_reason_codes():
    assert set(LABELS) == {"synonym_swap", "phrase_swap", "numeral_swap", "inserted_filler", "suspicious",
                           "source_swap"}


def make_analysis(score: float, threshold: float) -> Analysis:
    text = "the Korean Central News Firm said"
    start = text.index("Firm")
    spans = [Span(start, start + 4, "Firm", "Agency", 0.8, "synonym_swap"),
             Span(0, 3, "the", None, 0.4, "suspicious")]
    return Analysis(text=text, score=score, threshold=threshold, spans=spans,
                    restored_text=apply_spans(text, spans), lexicon_version="lexicon-vX",
                    model="m", n_words=6)


def test_to_dict_has_the_documented_keys():
    d = make_analysis(0.7, 0.5).to_dict()
    assert set(d) == ANALYSIS_KEYS
    assert all(set(s) == SPAN_KEYS for s in d["spans"])
    firm = len("the Korean Central News ")
    assert d["spans"][0] == {"start": firm, "end": firm + 4, "text": "Firm", "original": "Agency",
                             "score": 0.8, "label": "synonym_swap", "original_score": None}
    assert d["spans"][1]["original"] is None
    assert d["restored_text"] == "the Korean Central News Agency said"
    assert (d["lexicon_version"], d["model"], d["n_words"], d["threshold"]) == ("lexicon-vX", "m", 6, 0.5)
    assert d["source"] is None


def test_to_json_round_trips_through_json():
    a = make_analysis(0.123456789, 0.5)
    d = json.loads(a.to_json())
    assert d == json.loads(json.dumps(a.to_dict()))
    assert d["score"] == pytest.approx(0.123457)
    assert isinstance(d["is_spun"], bool)


def test_to_json_keeps_non_ascii_text():
    a = Analysis(text="café", score=0.1, threshold=0.5, restored_text="café")
    assert "café" in a.to_json()


@pytest.mark.parametrize(
    ("score", "threshold", "spun"),
    [(0.7, 0.5, True), (0.5, 0.5, True), (0.49, 0.5, False), (0.2, 0.1, True), (0.9, 0.95, False)],
)
def test_is_spun_follows_threshold(score, threshold, spun):
    a = make_analysis(score, threshold)
    assert a.is_spun is spun
    assert a.to_dict()["is_spun"] is spun


@pytest.mark.parametrize(("score", "threshold", "stage", "expected"), [
    (0.8, 0.97, "full", True),  # more likely spun than not, yet not judged spun
    (0.5, 0.97, "full", True),
    (0.3, 0.97, "full", False),  # more likely unspun
    (0.99, 0.97, "full", False),  # judged spun
    (0.8, 0.97, "screen", False),  # the screen never scores this high, but it looked no closer
])
def test_in_doubt_means_above_even_odds_and_under_the_threshold(score, threshold, stage, expected):
    assert Analysis(text="x", score=score, threshold=threshold, stage=stage).in_doubt is expected


def test_an_original_scored_under_even_odds_is_a_guess():
    def sure(score: float | None) -> Span:
        return Span(4, 8, "Firm", "Agency", 0.9, "synonym_swap", score)

    assert [sure(s).guessed for s in (None, 0.2, 0.4999, 0.5, 0.9)] == [False, True, True, False, False]
    assert "guessed" not in sure(0.2).to_dict()
