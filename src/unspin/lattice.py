"""The second pass's lattice: a sentence's keep and swap edges, decoded with a trigram state.

A reading of a sentence is a path of edges, one per kept token or chosen
swap, and its state after each edge is its last two words. Viterbi keeps the
best reading per state (at most ``beam`` states per token).

The trigrams are asked of the language model one at a time, as the search
meets them. Scoring beforehand, in one batch, every trigram a reading could
ask for cost more than it saved: without the beam's cut, the readings ask
for three times as many (1.06 million per 100 news paragraphs, against 0.35).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

from .lm import BOS, EOS, Scorer
from .options import Option, Position
from .runs import SentenceWords

#: An edge out of a token: ((position, option number) or None to keep the token, the first LM word
#: it adds or None, the LM words after that, its channel log probability, the token it ends before).
Edge = tuple["tuple[Position, int] | None", "str | None", tuple[str, ...], float, int]


@dataclass(slots=True)
class Lattice:
    """One sentence's edges, token by token from its first (``words.lo``), keeping first at each."""

    words: SentenceWords
    edges: list[list[Edge]]


def best_reading(lat: Lattice, lm: Scorer, beam: int) -> list[Option]:
    """The options of the lattice's best reading, in order."""
    next_logprobs = lm.next_logprobs
    # state: last two LM words -> (score, back-pointer chain of chosen options)
    lo = lat.words.lo
    beams: dict[int, dict[tuple[str, str], tuple[float, tuple]]] = {lo: {(BOS, BOS): (0.0, ())}}
    for i, here in enumerate(lat.edges, lo):
        states = beams.pop(i, None)
        if not states:
            continue
        if len(states) > beam:
            # nlargest keeps the first of equal scores, exactly as a stable sort would.
            states = dict(heapq.nlargest(beam, states.items(), key=_state_score))
        # Relaxed state by state in edge order, so the first of equal scores wins, in the beam cut
        # too. Options become objects only if the best reading takes them.
        edges = [(opt, first, rest, chan, beams.setdefault(j, {})) for opt, first, rest, chan, j in here]
        for (h2, h1), (score, chain) in states.items():
            after = next_logprobs((h2, h1))
            for opt, first, rest, channel, nxt in edges:
                # A swap never doubles a word ("presidential minister minister"): each option's
                # neural evidence was read beside the observed neighbours, which a neighbouring
                # swap has changed.
                if first == h1 and (opt is not None or _ends_swap(chain, i)):
                    continue
                total = score + channel
                if first is None:
                    key = (h2, h1)
                else:
                    total += after[first]
                    key = (h1, first)
                    for w in rest:
                        total += next_logprobs(key)[w]
                        key = (key[1], w)
                best = nxt.get(key)
                if best is None or best[0] < total:
                    nxt[key] = (total, chain if opt is None else (chain, opt))
    final = beams.get(lo + len(lat.edges))
    if not final:
        return []
    best = max(final.items(), key=lambda kv: kv[1][0] + next_logprobs(kv[0])[EOS])
    chosen: list[Option] = []
    chain = best[1][1]
    while chain:
        chain, (pos, t) = chain
        chosen.append(pos.option(t))
    chosen.reverse()
    return chosen


def _ends_swap(chain: tuple, i: int) -> bool:
    """Whether the last word of a reading's chain of swaps came from a swap that ends at token i."""
    if not chain:
        return False
    pos, t = chain[1]
    words, _, j = pos.reading(t)
    return j == i and bool(words)


def _state_score(item: tuple[tuple[str, str], tuple[float, tuple]]) -> float:
    return item[1][0]

