"""bench/fit_choice.py: the conditional logit behind the second choice's weights."""

from __future__ import annotations

import sys
from dataclasses import fields, replace
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from fit_choice import SCALES, WEIGHED, accuracy, fit, fit_original
from unspin.channel import FEATURES, Params


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


def _reported(n: int, scale: float, intercept: float, slope: float, seed: int) -> list:
    """Reported swaps whose chosen original is right with the probability a logistic map of its
    log-probability (scores times ``scale``) gives; features all zero, so the choice's scores are
    the odds themselves."""
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(n):
        k = int(rng.integers(1, 5))
        odds = np.sort(rng.normal(0, 3, k))[::-1]
        z = scale * odds
        log_p = z[0] - np.logaddexp.reduce(z)
        right = rng.random() < 1 / (1 + np.exp(-(intercept + slope * log_p)))
        words = [f"w{j}" for j in range(k)]
        rows.append((odds, np.zeros((len(FEATURES), k)), words, "w0" if right else "elsewhere"))
    return rows


def test_fit_original_recovers_how_sure_a_chosen_original_is():
    p = Params(w_freq_gap=0.0)
    got = fit_original(_reported(6000, 0.3, 1.5, 3.0, seed=4), p)
    assert got["original_scale"] in SCALES
    sure = replace(p, **got)
    # Whatever scale it settles on, its probabilities follow the drawn ones.
    for odds in ([2.0], [1.0, 0.0], [3.0, 2.5, -1.0], [0.5, 0.4, 0.3, 0.2]):
        z = 0.3 * np.array(odds)
        want = 1 / (1 + np.exp(-(1.5 + 3.0 * (z[0] - np.logaddexp.reduce(z)))))
        assert sure.original_probability(np.array(odds), 0) == pytest.approx(want, abs=0.05)
