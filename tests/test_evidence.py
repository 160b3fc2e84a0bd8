"""Tests for unspin.evidence: a wider model's log-odds weighed into the options."""

from __future__ import annotations

import pytest

from unspin.channel import Option, Params, Position
from unspin.evidence import Evidence, with_evidence


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
