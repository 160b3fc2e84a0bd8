"""bench/fit_doc_score.py: the length weight of the document score, fitted with the others kept."""

from __future__ import annotations

import math
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from fit_doc_score import fit, report
from unspin.calibration import Calibration


def _rows(n_texts: int, seed: int) -> list[dict]:
    """Texts whose spun/unspun odds follow a known map with a length weight of -2 on top of fixed
    weights on the rate and the ratio."""
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(n_texts):
        n = int(rng.integers(40, 800))
        swap_rate, llr = float(rng.uniform(0, 0.3)), float(rng.normal(0, 3) * math.sqrt(n))
        z = -1.0 + 10.0 * swap_rate + 0.5 * llr / math.sqrt(n) - 2.0 * math.log(max(n, 100) / 100)
        spun = rng.random() < 1 / (1 + math.exp(-z))
        rows.append({"cut": 250 if n < 300 else 1000, "rate": 0.2 if spun else 0.0, "words": 2 * n,
                     "swap_rate": swap_rate, "llr": llr, "n": n})
    return rows


def test_the_fit_recovers_the_length_weight_and_keeps_the_other_weights():
    shipped = Calibration(intercept=-1.0, w_rate=10.0, w_llr=0.5, threshold=0.5, span_intercept=-0.8)
    fitted = fit(_rows(6000, seed=3), shipped)
    assert abs(fitted.w_length + 2.0) < 0.3
    assert (fitted.intercept, fitted.w_rate, fitted.w_llr, fitted.threshold, fitted.span_intercept) == \
        (-1.0, 10.0, 0.5, 0.5, -0.8)


def test_the_report_counts_each_length_apart():
    rows = _rows(400, seed=4)
    out = report(rows, Calibration(intercept=-1.0, w_rate=10.0, w_llr=0.5, w_length=-2.0))
    assert set(out) == {"250", "1000"}
    assert sum(e["texts"] for e in out.values()) == sum(r["rate"] == 0 for r in rows)
    assert all(0.5 < e["auroc_0.2"] <= 1.0 for e in out.values())


def test_the_fit_reads_length_from_the_calibrations_floor():
    rows = _rows(3000, seed=5)
    shipped = Calibration(intercept=-1.0, w_rate=10.0, w_llr=0.5)
    at_100 = fit(rows, shipped)
    at_400 = fit(rows, replace(shipped, length_from=400))
    # Rows generated with the floor at 100: a floor at 400 reads less of the length, so its fitted
    # weight differs and the floor is carried into the fitted calibration.
    assert at_400.length_from == 400 and at_100.length_from == 100
    assert at_400.w_length != at_100.w_length
