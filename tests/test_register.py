"""Tests for unspin.register: words of scientific prose, guarded like names."""

from __future__ import annotations

import math

import pytest

from unspin.channel import Channel
from unspin.lm import default_scorer
from unspin.params import Params
from unspin.pipeline import default_engine
from unspin.register import MIN_COUNT, SCIENCE_SHARE, ScienceWords, science_counts, science_table_rows
from unspin.text import tokenize


@pytest.fixture(scope="module")
def lm():
    return default_scorer()


def test_scientific_words_are_told_from_news_words(lm):
    words = ScienceWords(lm, 3.0)
    assert all(w in words for w in ("heterogeneous", "bipartite", "algorithm"))
    # News words, and a spinner's archaic choice the table has not seen, are not guarded.
    assert not any(w in words for w in ("president", "said", "market", "twelvemonth"))


def test_a_word_counts_by_its_share_against_the_news_model(lm):
    counts, total = science_counts()
    words = ScienceWords(lm, 3.0)
    sample = sorted(counts)[::53]
    assert len(sample) > 500
    for w in sample:
        expected = counts[w] >= MIN_COUNT and math.log(counts[w] / total) - lm.unigram(w) >= 3.0
        assert (w in words) == expected, w



def test_the_single_words_are_those_of_the_table():
    counts, total = science_counts()
    rows = [(gram, n) for gram, n in science_table_rows() if " " not in gram]
    assert counts == dict(rows) and total == sum(n for _, n in rows)
    assert any(" " in gram for gram, _ in science_table_rows())

def test_a_higher_ratio_guards_fewer_words(lm):
    counts, _ = science_counts()
    sample = sorted(counts)[::17]
    low, high = ScienceWords(lm, 2.0), ScienceWords(lm, 5.0)
    at_low = {w for w in sample if w in low}
    at_high = {w for w in sample if w in high}
    assert at_high < at_low


def _guarded(channel: Channel, text: str, science: bool) -> dict[str, bool]:
    tokens = tokenize(text)
    return {t.text: channel.guarded(tokens, i, 0, science) for i, t in enumerate(tokens) if t.kind == "word"}


SCIENCE = "We embed the heterogeneous graph as Smith said last year."
NEWS = "The president said on Tuesday that the market would recover before the election next year."


def test_the_channel_guards_names_and_in_science_words_of_science():
    engine = default_engine()
    on = Channel(engine.channel.lexicon, Params(science_ratio=3.0), engine.scorer)
    assert _guarded(on, SCIENCE, True) == {"We": False, "embed": True, "the": False, "heterogeneous": True,
                                           "graph": True, "as": False, "Smith": True, "said": False,
                                           "last": False, "year": False}
    assert [w for w, g in _guarded(on, SCIENCE, False).items() if g] == ["Smith"]
    # Every position the channel proposes swaps for carries the same verdict.
    tokens = tokenize(SCIENCE)
    for pos in on.positions(tokens, 0, len(tokens), {}, science=True):
        assert pos.guarded == on.guarded(tokens, pos.index, 0, True)


def test_a_document_reads_as_science_by_its_share_of_science_words(lm):
    engine = default_engine()
    on = Channel(engine.channel.lexicon, Params(science_ratio=3.0), engine.scorer)
    off = Channel(engine.channel.lexicon, Params(science_ratio=99.0), engine.scorer)
    words = ScienceWords(lm, 3.0)
    assert words.share(tokenize(SCIENCE)) >= SCIENCE_SHARE > words.share(tokenize(NEWS))
    assert on.reads_as_science(tokenize(SCIENCE)) and not on.reads_as_science(tokenize(NEWS))
    assert not off.reads_as_science(tokenize(SCIENCE))
    assert words.share([]) == 0.0


def test_the_engine_guards_words_of_science_only_in_a_scientific_document():
    engine = default_engine()
    abstract = ("We propose a novel algorithm for embedding heterogeneous bipartite graphs. The method "
                "learns node representations with a convolutional encoder and outperforms the baselines.")
    for text, science in ((abstract, True), (NEWS, False)):
        tokens = tokenize(text)
        guarded = {tokens[p.index].lower for s in engine.options(tokens) for p in s.positions if p.guarded}
        named = {t.lower for i, t in enumerate(tokens) if i and t.is_capitalized}
        if science:
            assert {"algorithm", "heterogeneous"} <= guarded
        else:
            assert guarded <= named
