"""Sentence decoding: language model x substitution model, jointly over adjacent swaps.

Two passes per document:

1. *Rate estimation.* How much of this document was spun is unknown, and it
   matters: a clean text should change nowhere, a heavily spun one almost
   everywhere. Each eligible position gets a local posterior of having been
   swapped (the option against keeping the word, each judged with the
   language model over its neighbours); a few EM rounds turn those into a
   document swap rate with a Beta prior. The same numbers give the document
   log-likelihood ratio used for the spun/not-spun score.
2. *Viterbi.* With that rate, each sentence is decoded over a lattice of
   keep/swap edges with a trigram state, so neighbouring swaps are judged
   together ("2nd top" -> "second summit").
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from .channel import Channel, Option, Params, Position
from .langdata import DIGIT_WORDS
from .lm import BOS, EOS, Scorer
from .text import Token

_LM_KINDS = ("word", "number")


@dataclass(slots=True)
class Sentence:
    """One sentence's tokens [lo, hi) and the swap options found in it."""

    lo: int
    hi: int
    positions: list[Position]


@dataclass(frozen=True, slots=True)
class Choice:
    """A swap the decoder settled on."""

    option: Option
    confidence: float


def lm_word(tok: Token) -> str:
    """The form the language model sees: lower case, plain digits read as number words.

    The model has no digits, so "3" would always lose to "three"; reading it
    as "three" leaves the choice to the channel. Suffixed ordinals ("2nd")
    stay as they are: news prose spells those out, so they are a spinner tell.
    """
    low = tok.lower
    return DIGIT_WORDS.get(low, low) if low.isdigit() else low


def _lm_words(tokens: Sequence[Token], lo: int, hi: int) -> list[str]:
    return [lm_word(t) for t in tokens[lo:hi] if t.kind in _LM_KINDS]


class Decoder:
    """Estimates the swap rate of a document and decodes its sentences."""

    def __init__(self, channel: Channel, scorer: Scorer, params: Params) -> None:
        self.channel = channel
        self.lm = scorer
        self.p = params

    # -- local scores -------------------------------------------------
    def _run(self, words: Sequence[str], history: list[str]) -> float:
        total = 0.0
        for w in words:
            total += self.lm.logprob(w, history)
            history = [history[-1], w]
        return total

    def _local(self, tokens: Sequence[Token], lo: int, hi: int, opt: Option,
               left: list[str] | None = None) -> tuple[float, float]:
        """LM log score of the option's words and of keeping the observed ones, in observed context."""
        if left is None:
            left = [BOS, BOS, *_lm_words(tokens, lo, opt.i)][-2:]
        right = _lm_words(tokens, opt.j, hi)[:2]
        if len(right) < 2:
            right = [*right, EOS]
        kept = _lm_words(tokens, opt.i, opt.j)
        return self._run([*opt.words, *right], list(left)), self._run([*kept, *right], list(left))

    def _position_odds(self, tokens: Sequence[Token], s: Sentence, pos: Position) -> list[float]:
        """Per option: log odds of the swap against keeping, before the swap rate."""
        odds = []
        for opt in pos.options:
            swap, keep = self._local(tokens, s.lo, s.hi, opt)
            penalty = self.p.name_penalty if pos.is_name else 0.0
            odds.append(swap - keep + opt.logq - penalty)
        return odds

    # -- pass 1 --------------------------------------------------------
    def estimate_rate(self, tokens: Sequence[Token], sentences: list[Sentence]) -> tuple[float, float, int]:
        """Return (swap rate, log-likelihood ratio spun vs clean, eligible positions)."""
        all_odds = [self._position_odds(tokens, s, pos) for s in sentences for pos in s.positions]
        n = len(all_odds)
        p = self.p
        rate = p.prior_a / (p.prior_a + p.prior_b)
        for _ in range(p.em_rounds):
            logit = math.log(rate / (1 - rate))
            expected = sum(_posterior(odds, logit) for odds in all_odds)
            rate = (expected + p.prior_a) / (n + p.prior_a + p.prior_b)
        logit = math.log(rate / (1 - rate))
        llr = sum(_logsumexp([0.0, *(o + logit for o in odds)]) + math.log1p(-rate) for odds in all_odds)
        return rate, llr, n

    # -- pass 2 --------------------------------------------------------
    def decode(self, tokens: Sequence[Token], s: Sentence, rate: float) -> list[Choice]:
        """Best joint reading of one sentence; returns the swaps it contains."""
        log_keep = math.log1p(-rate)
        log_swap = math.log(rate)
        by_start = {pos.index: pos for pos in s.positions}
        # state: last two LM words -> (score, back-pointer chain of chosen options)
        beams: dict[int, dict[tuple[str, str], tuple[float, tuple]]] = {s.lo: {(BOS, BOS): (0.0, ())}}
        for i in range(s.lo, s.hi):
            states = beams.pop(i, None)
            if not states:
                continue
            if len(states) > self.p.beam:
                states = dict(sorted(states.items(), key=lambda kv: kv[1][0], reverse=True)[: self.p.beam])
            tok = tokens[i]
            pos = by_start.get(i)
            options: list[tuple[Option | None, int, tuple[str, ...], float]] = []
            kept = (lm_word(tok),) if tok.kind in _LM_KINDS else ()
            options.append((None, i + 1, kept, log_keep if pos else 0.0))
            if pos:
                penalty = self.p.name_penalty if pos.is_name else 0.0
                for opt in pos.options:
                    options.append((opt, opt.j, opt.words, log_swap + opt.logq - penalty))
            for (h2, h1), (score, chain) in states.items():
                for opt, j, words, channel in options:
                    total = score + channel
                    hist = [h2, h1]
                    for w in words:
                        total += self.lm.logprob(w, hist)
                        hist = [hist[1], w]
                    key = (hist[0], hist[1])
                    nxt = beams.setdefault(j, {})
                    new_chain = (chain, opt) if opt is not None else chain
                    if key not in nxt or nxt[key][0] < total:
                        nxt[key] = (total, new_chain)
        final = beams.get(s.hi, {})
        if not final:
            return []
        best = max(final.items(), key=lambda kv: kv[1][0] + self.lm.logprob(EOS, list(kv[0])))
        chosen: list[Option] = []
        chain = best[1][1]
        while chain:
            chain, opt = chain
            chosen.append(opt)
        chosen.reverse()
        return [Choice(opt, self._confidence(tokens, s, opt, chosen, rate)) for opt in chosen]

    def _confidence(self, tokens: Sequence[Token], s: Sentence, opt: Option,
                    chosen: list[Option], rate: float) -> float:
        """Posterior of this swap against keeping the word, with decoded words to its left."""
        left = [BOS, BOS]
        for k in range(s.lo, opt.i):
            tok = tokens[k]
            sw = next((c for c in chosen if c.i == k), None)
            if sw is not None:
                left.extend(sw.words)
            elif any(c.i < k < c.j for c in chosen):
                continue
            elif tok.kind in _LM_KINDS:
                left.append(lm_word(tok))
        swap, keep = self._local(tokens, s.lo, s.hi, opt, left[-2:])
        penalty = self.p.name_penalty if any(p.is_name for p in s.positions if p.index == opt.i) else 0.0
        odds = swap - keep + opt.logq - penalty + math.log(rate / (1 - rate))
        return 1.0 / (1.0 + math.exp(-odds)) if odds > -700 else 0.0


def _logsumexp(xs: list[float]) -> float:
    m = max(xs)
    return m + math.log(sum(math.exp(x - m) for x in xs))


def _posterior(odds: list[float], logit: float) -> float:
    """P(swapped) at a position given each option's log odds and the rate's logit."""
    lse = _logsumexp([0.0, *(o + logit for o in odds)])
    return 1.0 - math.exp(-lse)
