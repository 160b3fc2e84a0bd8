"""Tests for unspin.evidence: a wider model's log-odds weighed into the options."""

from __future__ import annotations

import pytest

from unspin.channel import Option, Position
from unspin.evidence import Evidence, with_evidence
from unspin.params import Params
from unspin.pipeline import default_engine
from unspin.text import tokenize


def _option(i: int, words: tuple[str, ...]) -> Option:
    return Option(i, i + 1, words, -1.0, "synonym_swap", (0.0,) * 6)


def test_with_evidence_adds_the_neural_and_probe_features_through_the_weights():
    p = Params(w_logq=1.0, w_neural=0.5, w_probe=2.0)
    opts = [_option(3, ("people",)), _option(3, ("folk",))]
    out = with_evidence([Position(3, opts), Position(7, [_option(7, ("x",))])],
                        {3: Evidence([2.0, -4.0], 0.25)}, p)
    assert [o.features[-2:] for o in out[0].options] == [(2.0, 0.25), (-4.0, 0.25)]
    assert [o.logq for o in out[0].options] == [p.logq(o.features) for o in out[0].options]
    assert out[0].options[0].logq - out[0].options[1].logq == pytest.approx(0.5 * 6.0)
    assert out[0].options[0].logq == pytest.approx(0.5 * 2.0 + 2.0 * 0.25)
    assert out[1].options[0].features == (0.0,) * 6  # no evidence, unchanged
    again = with_evidence(out, {3: Evidence([1.0, 1.0], -1.0)}, p)
    assert [o.features for o in again[0].options] == [(0.0,) * 6 + (1.0, -1.0)] * 2


def test_an_option_over_several_written_words_reads_the_probe_over_all_of_them():
    p = Params(w_logq=1.0, w_neural=0.5, w_probe=2.0)
    phrase = Option(3, 5, ("professional",), -1.0, "phrase_swap", (0.0,) * 6)  # "professional person"
    longer = Option(3, 6, ("skilled",), -1.0, "phrase_swap", (0.0,) * 6)  # no evidence at token 5
    evidence = {3: Evidence([0.0, 0.0, 0.0], -2.0), 4: Evidence([0.0], 1.5)}
    positions = [Position(3, [_option(3, ("expert",)), phrase, longer]), Position(4, [_option(4, ("life",))])]
    out = with_evidence(positions, evidence, p)
    assert [o.features[-1] for o in out[0].options] == [-2.0, 1.5, 1.5]
    assert out[1].options[0].features[-1] == 1.5
    # The first word's own log-odds count when they are the highest.
    low = with_evidence([Position(3, [phrase])], {3: Evidence([0.0], 0.5), 4: Evidence([0.0], -3.0)}, p)
    assert low[0].options[0].features[-1] == 0.5


def test_columns_of_phrases_read_the_probe_over_their_span_as_objects_do():
    engine = default_engine()
    tokens = tokenize("The officials carried out vital talks and went to the summit in the capital city.")
    positions = [pos for s in engine.options(tokens) for pos in s.positions]
    # Log-odds that rise along the sentence, so a phrase's last word has the highest.
    evidence = {pos.index: Evidence([0.0] * len(pos), 0.1 * pos.index) for pos in positions}
    out = with_evidence(positions, evidence, engine.params)
    spanning = 0
    for pos in out:
        for o in pos.options:
            covered = [0.1 * k for k in range(o.i, o.j) if k in evidence]
            assert o.features[-1] == pytest.approx(max(covered))
            spanning += o.j > o.i + 1
            assert o.logq == engine.params.logq(o.features)
    assert spanning > 0
