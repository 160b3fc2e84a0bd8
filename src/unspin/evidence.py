"""Evidence from a model that reads more than the trigram's window, weighed into the options.

Deep mode's neural scorer and the fast path's context model both hand over,
per position, each option's log-odds against keeping the written word;
:func:`with_evidence` turns them into the options' ``neural`` feature.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from .channel import FEATURES, Option, Params, Position


class Evidence(NamedTuple):
    """The model's word on one position: each option's log-odds against keeping the observed
    word, and the probe's log-odds that the observed word was swapped in (0 without a probe)."""

    deltas: Sequence[float]
    prior: float


def with_evidence(positions: list[Position], evidence: dict[int, Evidence],
                  params: Params) -> list[Position]:
    """The positions with each option's neural log-odds as its ``neural`` feature and the
    position's probe log-odds as its ``probe`` feature."""
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
            x = (*o.features[: len(FEATURES) - 2], d, prior)
            opts.append(Option(o.i, o.j, o.words, params.logq(x), o.label, x, o.ids))
        swaps = pos.swaps
        if swaps is not None:
            # Swaps held as columns stay columns (the first pass scores them in bulk).
            swaps = swaps.with_neural(np.array(deltas[len(opts) :]), params.w_neural, prior, params.w_probe)
        out.append(Position(pos.index, opts, pos.guarded, swaps))
    return out
