"""A word swapped wherever it occurs: its occurrences read together.

Spinners that look words up in a fixed table write the same synonym at every
occurrence ("firm" for both of an article's "agency"). The channel's
``observed_repeats`` feature counts a word written more than once against
being a swap, since a word a text repeats is mostly its own; that hides such
a spinner's swaps. After the first pass, :func:`release_repeats` takes that
cost off an option where every other occurrence of the written word reads as
the same swap too, with first-pass odds (its cost taken off) of at least
``Params.repeat_release``: one occurrence that reads well as written is
enough to keep the cost everywhere. Texts' scores are unchanged: the first
pass has read them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .options import Option, Position
from .params import FEATURES, Params
from .text import Token

_REPEATS = FEATURES.index("observed_repeats")


def release_repeats(tokens: Sequence[Token], positions: Sequence[Position], params: Params) -> None:
    """Take the repeat cost off, in place, the options that every other occurrence of their written
    word reads as a swap too (see the module's text); ``positions`` carry their first-pass ``odds``."""
    cost = -params.w_observed_repeats
    if cost <= 0 or params.repeat_release >= 99:
        return
    by_word: dict[str, list[Position]] = {}
    for pos in positions:
        if pos.odds is not None and len(pos):
            by_word.setdefault(tokens[pos.index].lower, []).append(pos)
    for group in by_word.values():
        if len(group) < 2:
            continue
        reading = [_read_as_swaps(pos, cost, params.repeat_release) for pos in group]
        for k, pos in enumerate(group):
            others = reading[:k] + reading[k + 1:]
            released = [t for words, t in reading[k].items() if all(words in other for other in others)]
            if released:
                _release(pos, released, cost)


def _read_as_swaps(pos: Position, cost: float, least: float) -> dict[tuple[str, ...], int]:
    """The one-word options that carry the repeat cost and, without it, have first-pass odds of at
    least ``least``: their words and numbers. Only those are made objects, so a word with fifty
    options costs little."""
    assert pos.odds is not None
    near = np.flatnonzero((pos.span_ends() == pos.index + 1) & (pos.odds + cost >= least)).tolist()
    out: dict[tuple[str, ...], int] = {}
    for t in near:
        opt = pos.option(t)
        if len(opt.words) == 1 and len(opt.features) > _REPEATS and opt.features[_REPEATS]:
            out[opt.words] = t
    return out


def _release(pos: Position, numbers: list[int], cost: float) -> None:
    """Options ``numbers`` of ``pos`` without the repeat cost, in their objects and first-pass odds."""
    listed = pos.options  # columns become objects: only repeated words get here
    assert pos.odds is not None
    for t in numbers:
        o = listed[t]
        features = (*o.features[:_REPEATS], 0.0, *o.features[_REPEATS + 1:])
        listed[t] = Option(o.i, o.j, o.words, o.logq + cost, o.label, features, o.ids)
        pos.odds[t] += cost
