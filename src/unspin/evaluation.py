"""Score an analysis against the ground truth of a reference spin.

Used by the quality benchmark and the tests, and useful to anyone measuring
unspin on spins of their own: swapped-word precision and recall at token
level, the share of swaps restored exactly (case-insensitive), and how well
the spans' ``score`` predicts a swap and their ``original_score`` a right original.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields

import numpy as np

from .result import Analysis
from .spinner import SpinResult
from .text import tokenize


@dataclass
class SwapCounts:
    """Token-level detection counts and exact restorations, summable over documents."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    swaps: int = 0
    exact: int = 0

    def __iadd__(self, other: SwapCounts) -> SwapCounts:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))
        return self

    @property
    def precision(self) -> float:
        return self.tp / max(self.tp + self.fp, 1)

    @property
    def recall(self) -> float:
        return self.tp / max(self.tp + self.fn, 1)

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / max(p + r, 1e-9)

    @property
    def restored_exact(self) -> float:
        return self.exact / max(self.swaps, 1)


def _word_starts(text: str, ranges: list[tuple[int, int]]) -> set[int]:
    """Start offsets of word and number tokens that begin inside any of the ranges."""
    return {t.start for t in tokenize(text)
            if t.kind in ("word", "number") and any(a <= t.start < b for a, b in ranges)}


def score_spin(spun: SpinResult, analysis: Analysis) -> SwapCounts:
    """Compare ``analysis`` of ``spun.text`` with the swaps the spinner recorded."""
    gold = _word_starts(spun.text, [(s.out_start, s.out_end) for s in spun.swaps])
    pred = _word_starts(spun.text, [(s.start, s.end) for s in analysis.spans])
    counts = SwapCounts(tp=len(gold & pred), fp=len(pred - gold), fn=len(gold - pred), swaps=len(spun.swaps))
    by_range = {(s.start, s.end): s for s in analysis.spans}
    for sw in spun.swaps:
        span = by_range.get((sw.out_start, sw.out_end))
        if span is None and sw.out_text.strip() == "":
            continue
        if span is None:
            # a deleted filler's span may also cover the space after it
            span = next((s for s in analysis.spans if s.start == sw.out_start and s.original == ""), None)
        if span is not None and (span.original or "").lower() == sw.src_text.lower():
            counts.exact += 1
    return counts


def span_scores(spun: SpinResult, analysis: Analysis) -> list[tuple[float, bool]]:
    """Per span of ``analysis``: its score, and whether a swap the spinner made starts where it does."""
    starts = {sw.out_start for sw in spun.swaps}
    return [(s.score, s.start in starts) for s in analysis.spans]


def original_scores(spun: SpinResult, analysis: Analysis) -> list[tuple[float, bool]]:
    """Per span of ``analysis`` that covers exactly a swap the spinner made and has an
    ``original_score``: that score, and whether its original is the one replaced (case-insensitive)."""
    gold = {(sw.out_start, sw.out_end): sw.src_text.lower() for sw in spun.swaps}
    return [(s.original_score, (s.original or "").lower() == gold[(s.start, s.end)])
            for s in analysis.spans if s.original_score is not None and (s.start, s.end) in gold]


def auroc(pos: Sequence[float], neg: Sequence[float]) -> float:
    """Probability that a random member of ``pos`` outscores a random one of ``neg`` (ties count half)."""
    a, b = np.sort(np.asarray(neg, dtype=float)), np.asarray(pos, dtype=float)
    if not len(a) or not len(b):
        return 0.0
    below = np.searchsorted(a, b, side="left")
    ties = np.searchsorted(a, b, side="right") - below
    return float((below + 0.5 * ties).sum() / (len(a) * len(b)))


def calibration(scores: Sequence[float], right: Sequence[bool], bins: int = 10) -> dict[str, float]:
    """How well probabilities predict outcomes: their mean against the share right, the Brier
    score against that of always giving the share, the expected calibration error over ``bins``
    equal-width bins, and the AUROC of right against wrong."""
    p, y = np.asarray(scores, dtype=float), np.asarray(right, dtype=float)
    if not len(p):
        return {"n": 0}
    which = np.minimum((p * bins).astype(int), bins - 1)
    ece = sum(abs(p[which == k].mean() - y[which == k].mean()) * np.mean(which == k)
              for k in np.unique(which))
    share = float(y.mean())
    return {"n": len(p), "share_right": round(share, 4), "mean_score": round(float(p.mean()), 4),
            "brier": round(float(np.mean((p - y) ** 2)), 4),
            "brier_of_the_share": round(share * (1 - share), 4),
            "ece": round(float(ece), 4), "auroc": round(auroc(p[y == 1], p[y == 0]), 4)}
