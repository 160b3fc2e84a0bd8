"""Tests for unspin.phrase_match: stems, word offsets, and the many-phrase matcher."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from unspin.phrase_match import PhraseMatcher, Words, phrase_key, stem


def test_stem_folds_regular_inflections_the_same_way():
    assert stem("Networks") == stem("network") == "network"
    assert stem("studies") == stem("study")
    assert stem("classifying") == stem("classify")
    assert stem("analysis") == "analysis"  # -is is not a plural
    assert stem("gas") == "gas"


def test_words_offsets_index_the_exact_text():
    text = "Deep-learning (CNNs)\nare\u00a0used; l’état."
    w = Words.of(text)
    assert [text[s:e] for s, e in zip(w.starts, w.ends, strict=True)] == \
        ["Deep", "learning", "CNNs", "are", "used", "l", "état"]


def test_matcher_finds_phrases_across_case_inflection_and_line_breaks():
    m = PhraseMatcher([phrase_key("neural organization"), phrase_key("irregular woodland")])
    text = "Two Neural\nOrganizations and one irregular-woodland."
    w = Words.of(text)
    hits = list(m.find(w))
    assert [(h.key, text[w.starts[h.first]:w.ends[h.last - 1]]) for h in hits] == [
        (("neural", "organization"), "Neural\nOrganizations"),
        (("irregular", "woodland"), "irregular-woodland"),
    ]
    assert list(m.find(Words.of("a neural network"))) == []


_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8)


@given(st.lists(_word, min_size=0, max_size=30), st.lists(_word, min_size=1, max_size=3),
       st.integers(min_value=0, max_value=30))
def test_an_inserted_phrase_is_always_found_where_it_was_put(filler, phrase, at):
    at = min(at, len(filler))
    words = [*filler[:at], *phrase, *filler[at:]]
    text = " ".join(words)
    w = Words.of(text)
    key = phrase_key(" ".join(phrase))
    hits = [(h.first, h.last) for h in PhraseMatcher([key]).find(w)]
    assert (at, at + len(phrase)) in hits
    for first, last in hits:
        assert tuple(w.stems[first:last]) == key
