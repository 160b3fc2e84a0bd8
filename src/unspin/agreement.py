"""A document's swaps read together: a spinner that swapped a word once often swapped it everywhere.

Simple spinners replace a word wherever it occurs ("Korean Central News Firm"
twice for "Agency"), while the decoder judges each occurrence on its own, and
against a repeated word: the channel counts repetition as the writer's habit
(``Params.w_observed_repeats``), and in deep mode the neural model reads the
second "Firm" as expected because it has just read the first. So once the
decoder has settled on a swap, the other occurrences of the same written words
get that original's option raised (by ``Params.agree_bonus``, and after the
swap by ``Params.agree_lift`` times the model evidence they lack beside it) and
their sentences are decoded again: where their own context speaks for the
written word they stay, where it is in doubt they follow the swap the document
has shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

from .options import Option
from .params import Params
from .text import Token

if TYPE_CHECKING:
    from .decoder import Choice, Sentence


class Anchor(NamedTuple):
    """A settled swap of some written words: its original, what the model beyond the trigram's
    window said for it (see :func:`evidence`), and the first token at which those words were
    settled as a swap (of any original)."""

    words: tuple[str, ...]
    evidence: float
    since: int


#: Written words, lower-cased token by token -> their anchor.
Anchors = dict[tuple[str, ...], Anchor]


def evidence(opt: Option, p: Params) -> float:
    """What the model beyond the trigram's window (SmolLM2 in deep mode, the context model on the
    fast path) adds to an option's score: its log-odds and its probe's, weighed."""
    x = opt.features
    return p.w_neural * x[6] + p.w_probe * x[7] if len(x) > 7 else 0.0


def anchors(tokens: Sequence[Token], chosen: Sequence[Sequence[Choice]], least: float, p: Params) -> Anchors:
    """The written words of each swap settled on with a confidence of at least ``least``, and
    their anchor; where one wording was swapped for different originals, the surest swap's
    original. Deleted fillers are left out: a filler the writer used stays the writer's."""
    best: dict[tuple[str, ...], tuple[float, Anchor]] = {}
    for choices in chosen:
        for c in choices:
            opt = c.option
            if c.confidence < least or not opt.words:
                continue
            key = tuple(t.lower for t in tokens[opt.i : opt.j])
            seen = best.get(key)
            since = opt.i if seen is None else min(opt.i, seen[1].since)
            if seen is None or seen[0] < c.confidence:
                best[key] = (c.confidence, Anchor(opt.words, evidence(opt, p), since))
            else:
                best[key] = (seen[0], seen[1]._replace(since=since))
    return {key: anchor for key, (_, anchor) in best.items()}


def agreeing(tokens: Sequence[Token], sentences: Sequence[Sentence], chosen: Sequence[Sequence[Choice]],
             found: Anchors, p: Params) -> dict[int, Sentence]:
    """The sentences (by number) in which some occurrence of an anchor's written words, outside
    the swaps ``chosen`` there, has the anchor's original among its options: each with that
    option raised by ``Params.agree_bonus`` and, after the anchor's first occurrence, by
    ``Params.agree_lift`` times what the anchor's evidence has over the option's own: a model
    that has just read the written words expects them again, so its evidence for a swap runs low
    at every occurrence after the first."""
    from .decoder import Sentence  # here: the decoder imports this module

    firsts = {key[0] for key in found}
    out: dict[int, Sentence] = {}
    for k, (s, choices) in enumerate(zip(sentences, chosen, strict=True)):
        taken = {i for c in choices for i in range(c.option.i, c.option.j)}
        positions = list(s.positions)
        changed = False
        for n, pos in enumerate(positions):
            if pos.index in taken or tokens[pos.index].lower not in firsts:
                continue
            for t, (words, _, j) in enumerate(pos.readings()):
                key = tuple(tok.lower for tok in tokens[pos.index : j])
                anchor = found.get(key)
                if anchor is not None and anchor.words == words:
                    after = pos.index > anchor.since
                    gap = max(0.0, anchor.evidence - evidence(pos.option(t), p)) if after else 0.0
                    positions[n] = pos.raised(t, p.agree_bonus + p.agree_lift * gap)
                    changed = True
                    break
        if changed:
            out[k] = Sentence(s.lo, s.hi, positions)
    return out
