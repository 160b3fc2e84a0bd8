"""bench/fit_choice.py: the conditional logit behind the second choice's weights."""

from __future__ import annotations

import sys
from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from fit_choice import WEIGHED, accuracy, fit
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
