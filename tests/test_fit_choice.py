"""bench/fit_choice.py: the conditional logit behind the second choice's weights."""

from __future__ import annotations

import sys
from dataclasses import fields, replace
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from fit_choice import SCALES, WEIGHED, accuracy, fit, fit_original
from unspin.params import FEATURES, Params


def _rows(weights: np.ndarray, scale: float, n: int, seed: int) -> list:
    """Choices drawn from a conditional logit whose scores are ``scale`` times (lm + weights . x)."""
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(n):
        k = int(rng.integers(2, 6))
        lm, x = rng.normal(0, 2, k), rng.normal(0, 1, (len(weights), k))
        s = scale * (lm + weights @ x)
        p = np.exp(s - s.max())
        rows.append((lm, x, int(rng.choice(k, p=p / p.sum()))))
    return rows


def test_fit_recovers_the_weights_per_unit_of_the_language_model():
    # The scale (how far the language model's log-odds are to be trusted) differs from 1 and is
    # fitted and divided out: only the ratios decide a choice.
    true = np.array([2.0, 3.0, 1.0])
    w = fit(_rows(true, 0.5, 2000, seed=1))
    assert w == pytest.approx(true, rel=0.15)


def test_fitted_weights_choose_better_than_the_language_model_alone():
    true = np.array([2.0, -1.0, 0.5])
    train, test = _rows(true, 1.0, 1000, seed=2), _rows(true, 1.0, 1000, seed=3)
    assert accuracy(test, fit(train)) > accuracy(test, np.zeros(3)) + 0.1


def test_the_weighed_features_are_params_fields_and_their_rows():
    # The package reads params.json's keys that are Params fields and drops any other silently.
    assert set(WEIGHED) <= {f.name for f in fields(Params)}
    assert [FEATURES[row] for row in WEIGHED.values()] == ["logq", "in_document", "neural"]


def _reported(n: int, truth: Params, seed: int) -> list:
    """Reported swaps whose chosen original is right with the probability the ``truth`` weights
    give. Features are all zero, so the choice's scores are the odds themselves; the first pass
    scored more options over the same words, the weighed ones among them."""
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(n):
        k_all = int(rng.integers(1, 12))
        first_pass = rng.normal(0, 2, k_all)
        top = np.argsort(-first_pass)[: min(k_all, 3)]
        odds = first_pass[top] + rng.normal(0, 1, len(top))
        best = int(np.argmax(odds))
        right = rng.random() < truth.original_probability(odds, best, first_pass, int(top[best]))
        wordings = [(f"w{j}",) for j in range(k_all)]
        words = [wordings[t] for t in top]
        gold = words[best][0] if right else "elsewhere"
        rows.append((odds, np.zeros((len(FEATURES), len(top))), words, gold, wordings, first_pass))
    return rows


def test_fit_original_recovers_how_sure_a_chosen_original_is():
    p = Params(w_freq_gap=0.0)
    truth = replace(p, original_scale=0.3, original_scale_same=0.5, original_intercept=1.5,
                    original_slope=2.0, original_slope_same=1.5)
    got = fit_original(_reported(8000, truth, seed=4), p)
    assert got["original_scale"] in SCALES and got["original_scale_same"] in SCALES
    fitted = replace(p, **got)
    # Whatever scales it settles on, its probabilities follow the drawn ones.
    for odds, _, _, _, _, first_pass in _reported(300, truth, seed=5):
        best = int(np.argmax(odds))
        at = int(np.argsort(-first_pass)[best])
        assert fitted.original_probability(odds, best, first_pass, at) == pytest.approx(
            truth.original_probability(odds, best, first_pass, at), abs=0.08)
