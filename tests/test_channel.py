"""The channel's proposals: which word runs it looks up as phrases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from unspin.channel import Channel, Originals, _cut, document_counts
from unspin.inflect import FORMS, inflect, lemmatize
from unspin.params import Params
from unspin.pipeline import default_engine, load_tuned
from unspin.text import tokenize

TEXT = ("The delegation has gone to Beijing and is visiting the Great Hall of the People, where leaders "
        "were taking part in talks; officials called on the firms to go to court, set up new bureaus and "
        "carry out bigger reforms faster than before.")


@pytest.fixture(scope="module")
def channel() -> Channel:
    return default_engine().channel


def _is_entry(channel: Channel, run: str) -> bool:
    """What deciding by analysing the run (as the channel did before its shortcut) says."""
    phrases = channel.lexicon.phrases
    return run in phrases or any(lemma in phrases for lemma, _ in lemmatize(run))


def test_inflected_phrase_entries_are_never_skipped(channel):
    sample = sorted(channel.lexicon.phrases)[::97]
    assert len(sample) > 300
    for phrase in sample:
        for form in FORMS:
            run = inflect(phrase, form)
            if _is_entry(channel, run):
                assert channel._may_be_phrase(run), (phrase, form, run)


def test_the_shortcut_skips_only_runs_that_are_no_entry(channel):
    words = TEXT.lower().replace(",", "").replace(";", "").replace(".", "").split()
    runs = [" ".join(words[i:i + n]) for n in (2, 3, 4) for i in range(len(words) - n + 1)]
    skipped = [r for r in runs if not channel._may_be_phrase(r)]
    assert len(skipped) > len(runs) / 2, "most runs should be skipped without analysing them"
    assert not any(_is_entry(channel, r) for r in skipped)
    kept = {r for r in runs if channel._may_be_phrase(r)}
    assert {"go to", "called on", "set up", "carry out", "taking part"} <= kept


def test_document_counts_give_each_original_its_own_count_or_else_its_lemmas():
    originals = ("years", "year", "months", "went to", "day")
    lemmas = ("year", "year", "month", "go to", "day")
    zeros = np.zeros(len(originals))
    ids = np.zeros(len(originals), dtype=np.int64)
    opts = Originals(originals, lemmas, zeros, zeros, ("synonym_swap",) * 5, ids, ids, Params())
    counts = document_counts(tokenize("Two years, a year, another year and a month went by."))
    got = opts.in_document(counts, set(counts))
    # "years" has a count of its own (1); "year" counts itself and "years" (3); "months" only has its
    # lemma's; the phrase and "day" are nowhere.
    assert got.tolist() == [math.log1p(1), math.log1p(3), math.log1p(1), 0.0, 0.0]
    assert not opts.in_document(counts, set()).any()


def test_phrase_swaps_never_take_in_a_name(channel):
    text = "James Clerk Maxwell was a physicist, and to me james clerk maxwell is a phrase."
    tokens = tokenize(text)
    counts = document_counts(tokens)
    spans = {pos.index: {(pos.reading(t)[2], pos.reading(t)[0]) for t in range(len(pos))}
             for pos in channel.positions(tokens, 0, len(tokens), counts)}
    first, second = [k for k, t in enumerate(tokens) if t.lower == "james"]
    # Lower case, the run is a WordNet phrase with "maxwell" among its originals; capitalised,
    # "Clerk Maxwell" reads as a name, so no option at "James" reaches past it.
    assert (second + 3, ("maxwell",)) in spans[second]
    assert all(end == first + 1 for end, _ in spans.get(first, set()))


def _spans_at(channel: Channel, text: str, word: str) -> set[tuple[int, tuple[str, ...]]]:
    """(end token, original words) of every option at the first token ``word``, and the token's index."""
    tokens = tokenize(text)
    i = next(k for k, t in enumerate(tokens) if t.text == word)
    [pos] = [p for p in channel.positions(tokens, 0, len(tokens), document_counts(tokens)) if p.index == i]
    return {(pos.reading(t)[2] - i, pos.reading(t)[0]) for t in range(len(pos))}


def test_an_inflected_first_word_starts_its_lemmas_phrases(channel):
    # "take care of" is an entry; "took" starts no entry of its own.
    assert "took" not in channel.lexicon.phrase_starts
    assert any(n == 3 for n, _ in _spans_at(channel, "The nurses took care of the children.", "took"))


def test_a_phrase_keeps_its_readings_beside_a_common_first_words_many(channel):
    assert len(channel.originals("go")) > channel.params.max_candidates
    spans = _spans_at(channel, "Kim began a four-day go to to China ahead of a summit.", "go")
    assert (2, ("visit",)) in spans


def test_deep_weights_keep_the_phrase_reading_before_a_comma():
    # The guide's example: deep mode's weights fit "visit" less well before a comma than the fast
    # path's, and with 10 options reserved per group cut it at "a four-day go to,".
    engine = default_engine()
    deep = engine._channel(load_tuned("params_deep.json")[0])
    spans = _spans_at(deep, "Kim arrived on Tuesday for a four-day go to, his fourth trip to China.", "go")
    assert (2, ("visit",)) in spans


def test_the_cut_keeps_the_best_overall_and_each_groups_best():
    rng = np.random.default_rng(0)
    for _ in range(200):
        sizes = [int(n) for n in rng.integers(1, 40, size=rng.integers(1, 4))]
        fit = rng.normal(size=sum(sizes)).round(1)  # rounded, so that ties occur
        keep, reserve = int(rng.integers(1, 30)), int(rng.integers(0, 6))
        chosen = _cut(fit, sizes, keep, reserve)
        order = np.argsort(-fit, kind="stable")
        assert len(set(chosen.tolist())) == len(chosen)
        assert set(order[:keep].tolist()) <= set(chosen.tolist())
        assert np.all(np.diff(fit[chosen]) <= 0)  # best fit first
        start = 0
        for size in sizes:
            group = [k for k in order.tolist() if start <= k < start + size]
            assert set(group[:reserve]) <= set(chosen.tolist())
            start += size
        if reserve == 0:
            assert chosen.tolist() == order[:keep].tolist()
        if len(sizes) == 1:
            assert chosen.tolist() == order[: max(keep, reserve)].tolist()


@pytest.mark.parametrize(("observed", "base", "past"), [("read", "say", "said"), ("put", "place", "placed")])
def test_a_past_tense_spelt_as_its_base_gets_past_originals_too(channel, observed, base, past):
    # "read" can be the past of "read": a spinner that swapped "said" wrote it.
    originals = [original for original, _, _ in channel.ranked(observed)]
    assert base in originals and past in originals


def test_a_past_reads_as_a_participle_too_and_a_participle_only_as_one(channel):
    # "has brought" may stand for "has taken"; "taken" can only have been a participle.
    brought = [original for original, _, _ in channel.ranked("brought")]
    assert "took" in brought and "taken" in brought
    taken = [original for original, _, _ in channel.ranked("taken")]
    assert "gone" in taken and "went" not in taken
