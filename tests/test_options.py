"""Swap options held as columns: the same options, and the same first-pass odds, as objects."""

from __future__ import annotations

import dataclasses

import numpy as np

from unspin.decoder import Sentence
from unspin.options import Option, Position
from unspin.pipeline import default_engine
from unspin.text import tokenize

TEXT = ("The firm said the four-day go to was ahead of a 2nd top with the Individuals. "
        "Japan's leaders went to the summit, officials said, and carried out three actually vital talks.")


def _positions():
    engine = default_engine()
    tokens = tokenize(TEXT)
    return engine, tokens, engine.options(tokens)


def test_columns_become_objects_in_order_after_the_listed_options():
    _, _, sents = _positions()
    held = [p for s in sents for p in s.positions if p.swaps is not None]
    assert held and any(p.listed for s in sents for p in s.positions)
    for pos in held:
        n = len(pos)
        listed = list(pos.listed)
        readings = [pos.reading(t) for t in range(n)]
        assert pos.readings() == readings
        for some in (range(0, n, 2), [n - 1], []):
            assert pos.readings(some) == [readings[t] for t in some]
        one_by_one = [pos.option(t) for t in range(n)]
        assert readings == [(o.words, o.logq, o.j) for o in one_by_one]
        assert pos.options[: len(listed)] == listed
        assert pos.options == one_by_one and len(pos) == n
        assert pos.swaps is None  # made once, then kept
        assert all(isinstance(o, Option) and o.i == pos.index for o in pos.options)


def test_first_pass_odds_are_the_same_from_columns_and_from_objects():
    engine, tokens, sents = _positions()
    as_objects = [Sentence(s.lo, s.hi, [Position(p.index, list(p.options), p.guarded) for p in s.positions])
                  for s in sents]
    _, _, columns = _positions()
    # Columns of one-, two- and three-word originals: the bulk rows and the one-by-one ones.
    held = [p.swaps for s in columns for p in s.positions if p.swaps is not None]
    lengths = {n for swaps in held for n in swaps.n_words.tolist()}
    assert {1, 2, 3} <= lengths
    a = engine.decoder.estimate_rate(tokens, columns)
    b = engine.decoder.estimate_rate(tokens, as_objects)
    assert a == b
    odds = [p.odds.tolist() for s in columns for p in s.positions]
    assert odds == [p.odds.tolist() for s in as_objects for p in s.positions]
    assert sum(len(o) for o in odds) > 100


def test_decoding_makes_objects_only_of_options_worth_decoding_and_agrees_with_objects():
    engine, tokens, sents = _positions()
    rate, _, _ = engine.decoder.estimate_rate(tokens, sents)
    as_objects = [Sentence(s.lo, s.hi, [Position(p.index, list(p.options), p.guarded) for p in s.positions])
                  for s in _positions()[2]]
    engine.decoder.estimate_rate(tokens, as_objects)
    held = [p for s in sents for p in s.positions if p.swaps is not None]
    chosen = []
    for s, t in zip(sents, as_objects, strict=True):
        got = engine.decoder.decode(tokens, s, rate)
        assert got == engine.decoder.decode(tokens, t, rate)
        chosen += got
    assert chosen and held
    assert all(p.swaps is not None for p in held), "decoding made objects of every option"


def test_neural_evidence_weighed_into_columns_equals_summing_each_options_features():
    engine, _, sents = _positions()
    # The channel's own weights, with a neural weight as deep mode has.
    params = dataclasses.replace(engine.params, w_neural=1.3, w_probe=0.7)
    pos = next(p for s in sents for p in s.positions if p.swaps is not None and len(p.swaps) > 10)
    neural = np.linspace(-3.0, 5.0, len(pos.swaps))
    weighed = pos.swaps.with_neural(neural, params.w_neural, -1.5, params.w_probe)
    for t in range(len(weighed)):
        opt = weighed.option(t)
        assert opt.features[-2:] == (neural[t], -1.5) and len(opt.features) == 8
        # Exactly, not approximately: deep mode's analyses must not depend on which form held them.
        assert opt.logq == params.logq(opt.features)
    assert pos.swaps.neural is None  # the columns it came from are left as they were
    # Evidence read again replaces the earlier reading rather than adding to it.
    again = weighed.with_neural(neural / 2, params.w_neural)
    assert again.logq.tolist() == pos.swaps.with_neural(neural / 2, params.w_neural).logq.tolist()


def test_span_ends_word_counts_frequency_gaps_and_scores_read_from_columns_match_the_objects():
    _, _, sents = _positions()
    held = [p for s in sents for p in s.positions if p.swaps is not None]
    assert held
    for pos in held:
        ends, counts, gaps = pos.span_ends().tolist(), pos.word_counts().tolist(), pos.freq_gaps().tolist()
        scores = pos.logqs().tolist()
        objects = pos.options  # makes every column an object
        assert ends == [o.j for o in objects]
        assert counts == [len(o.words) for o in objects]
        assert gaps == [o.features[3] for o in objects]
        assert scores == [o.logq for o in objects]
    assert any(len(set(p.span_ends().tolist())) > 1 for p in held)
    assert any(len(set(p.word_counts().tolist())) > 1 for p in held)


def test_raising_an_option_held_in_columns_changes_it_alone():
    engine, tokens, sents = _positions()
    engine.decoder.estimate_rate(tokens, sents)
    pos = next(p for s in sents for p in s.positions if p.swaps is not None and len(p) > 3)
    before = pos.readings()
    odds = pos.odds.copy()
    t = len(pos) - 2  # held in columns: the listed options come first
    assert t >= len(pos.listed)
    up = pos.raised(t, 1.25)
    after = up.readings()
    assert after[t][1] == before[t][1] + 1.25 and up.odds[t] == odds[t] + 1.25
    assert [r for k, r in enumerate(after) if k != t] == [r for k, r in enumerate(before) if k != t]
    assert np.delete(up.odds, t).tolist() == np.delete(odds, t).tolist()
    assert pos.readings() == before and pos.odds.tolist() == odds.tolist()  # the position is unchanged
    assert up.option(t).logq == before[t][1] + 1.25 and up.option(t).features == pos.option(t).features
