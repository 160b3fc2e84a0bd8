"""A first pass's word runs, as rows of language-model ids scored in one batch.

The decoder's first pass compares, at every eligible position, each swap
option against keeping the observed words: two runs of words each, after the
same two words of left context and before the same observed words to the
right. A document has thousands of positions and each about fifty options,
so the runs are collected here as rows of ids (:class:`Runs`), the swaps of
one or two words held as columns gathered over all positions at once
(:class:`BulkSwaps`), and scored by the language model in one call.
"""

from __future__ import annotations

from array import array
from collections import defaultdict
from collections.abc import Sequence
from functools import partial

import numpy as np

from .lm import BOS, EOS, Scorer, spoken
from .options import Swaps
from .text import Token

_LM_KINDS = ("word", "number")


def lm_word(tok: Token) -> str:
    """The form the language model sees: lower case, plain digits read as number words (see
    :func:`unspin.lm.spoken`)."""
    return spoken(tok.lower)


class SentenceWords:
    """A sentence's LM words, padded with ``<s> <s>`` and ``</s>``, and each token's place in them.

    Built once per sentence, so every context the decoder needs is a slice.
    """

    __slots__ = ("_ids", "at", "lo", "padded")

    def __init__(self, tokens: Sequence[Token], lo: int, hi: int) -> None:
        self.lo = lo
        padded = [BOS, BOS]
        #: at[k - lo]: index in ``padded`` of the first LM word at or after token k (k may be hi).
        at = []
        for tok in tokens[lo:hi]:
            at.append(len(padded))
            if tok.kind in _LM_KINDS:
                padded.append(lm_word(tok))
        at.append(len(padded))
        padded.append(EOS)
        self.padded = padded
        self.at = at
        self._ids: tuple[int, ...] | None = None

    def ids(self, scorer: Scorer) -> tuple[int, ...]:
        """``padded`` as the scorer's word ids (converted on first use)."""
        if self._ids is None:
            self._ids = tuple(scorer.word_ids(self.padded).tolist())
        return self._ids

    def bounds(self, i: int, j: int) -> tuple[int, int]:
        """Where the LM words of tokens [i, j) start and end in ``padded``."""
        return self.at[i - self.lo], self.at[j - self.lo]

    def left(self, i: int) -> tuple[str, str]:
        """The two LM words before token i."""
        a = self.at[i - self.lo]
        return self.padded[a - 2], self.padded[a - 1]

    def observed(self, i: int, j: int) -> tuple[str, ...]:
        """The LM words of tokens [i, j)."""
        return tuple(self.padded[self.at[i - self.lo] : self.at[j - self.lo]])

    def right(self, j: int) -> tuple[str, ...]:
        """Up to two LM words from token j on; ``</s>`` ends the list if the sentence ends first."""
        b = self.at[j - self.lo]
        return tuple(self.padded[b : b + 2])


class Runs:
    """Word runs to score with the language model, as rows of ids: two context words, then the run.

    Runs are numbered in the order they are added, one at a time or as a
    block of rows of one length; :meth:`scores` scores them all in one batch.
    """

    __slots__ = ("_blocks", "_numbers", "_one", "_one_numbers", "count")

    def __init__(self) -> None:
        # Row length -> blocks of rows and their numbers; and rows added one at a time, end to end in
        # typed arrays (Python's collector walks every element of a list at each full collection).
        self._blocks: defaultdict[int, list[np.ndarray]] = defaultdict(list)
        self._numbers: defaultdict[int, list[np.ndarray]] = defaultdict(list)
        self._one: defaultdict[int, array[int]] = defaultdict(partial(array, "q"))
        self._one_numbers: defaultdict[int, array[int]] = defaultdict(partial(array, "q"))
        self.count = 0

    def add_one(self, row: list[int]) -> int:
        """Add one run; returns its number."""
        self._one[len(row)].extend(row)
        self._one_numbers[len(row)].append(self.count)
        self.count += 1
        return self.count - 1

    def add(self, rows: np.ndarray) -> np.ndarray:
        """Add a block of runs of one length; returns their numbers."""
        numbers = np.arange(self.count, self.count + len(rows))
        self.count += len(rows)
        self._blocks[rows.shape[1]].append(rows)
        self._numbers[rows.shape[1]].append(numbers)
        return numbers

    def scores(self, lm: Scorer) -> np.ndarray:
        """Per run number: the log probability of its words after its context."""
        # Local copies: the runs added so far stay as they were, so asking again gives the same.
        blocks = {n: list(b) for n, b in self._blocks.items()}
        numbers = {n: list(b) for n, b in self._numbers.items()}
        for n, row in self._one.items():
            blocks.setdefault(n, []).append(np.frombuffer(row, dtype=np.int64).reshape(-1, n))
            numbers.setdefault(n, []).append(np.frombuffer(self._one_numbers[n], dtype=np.int64))
        tables = {n: np.concatenate(b) for n, b in blocks.items()}
        scores = np.zeros(self.count)
        grams = [(n, k) for n in tables for k in range(2, n)]
        if not grams:
            return scores
        columns = (np.concatenate([tables[n][:, k - d] for n, k in grams]) for d in (2, 1, 0))
        lm_scores = lm.batch_ids(*columns)
        at = 0
        for n, table in tables.items():
            # Summed word by word from the left, as a running total would be.
            total = np.zeros(len(table))
            for _ in range(2, n):
                total += lm_scores[at : at + len(table)]
                at += len(table)
            scores[np.concatenate(numbers[n])] = total
        return scores


def keep_run(runs: Runs, ends: dict[int, tuple[tuple[int, ...], int]], words: SentenceWords, i: int,
             j: int, context: tuple[int, ...], padded: tuple[int, ...]) -> tuple[tuple[int, ...], int]:
    """(ids of the two words after token j, run of keeping tokens [i, j)), the run added once per j.

    ``ends`` remembers the answer per j for one position (one left context).
    """
    found = ends.get(j)
    if found is None:
        a, b = words.bounds(i, j)
        right = padded[b : b + 2]
        found = ends[j] = (right, runs.add_one([*context, *padded[a:b], *right]))
    return found


class BulkSwaps:
    """Swaps of one or two words held as columns, gathered over a first pass's positions.

    Their rows (context, the swap's words, the observed words after its
    span) are made with a few array operations per row shape, not per
    position; each option's span end picks the keep run of its group.
    """

    __slots__ = ("_at", "_context", "_groups", "_keeps", "_penalty", "_rights", "_swaps")

    def __init__(self) -> None:
        self._swaps: list[Swaps] = []
        self._at: list[int] = []
        self._context: list[tuple[int, ...]] = []
        self._penalty: list[float] = []
        #: Per position, the index of its first group in the keep runs and rights below.
        self._groups: list[int] = []
        self._keeps: list[int] = []
        self._rights: list[tuple[int, ...]] = []

    def add(self, swaps: Swaps, at: int, context: tuple[int, ...], penalty: float,
            keeps: list[tuple[tuple[int, ...], int]]) -> None:
        """Swaps whose first option is number ``at``; ``keeps``: per group, (right ids, keep run)."""
        self._swaps.append(swaps)
        self._at.append(at)
        self._context.append(context)
        self._penalty.append(penalty)
        self._groups.append(len(self._keeps))
        for right, number in keeps:
            self._rights.append(right)
            self._keeps.append(number)

    def rows(self, runs: Runs, run: np.ndarray, kept: np.ndarray, chan: np.ndarray) -> None:
        """Add the rows of every option of one or two words to ``runs``; fill in their numbers."""
        if not self._swaps:
            return
        swaps = self._swaps
        counts = np.array([len(sw) for sw in swaps])
        owner = np.repeat(np.arange(len(swaps)), counts)
        # Option t of position k is number at[k] + t.
        number = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        number += np.array(self._at)[owner]
        n_words = np.concatenate([sw.n_words for sw in swaps])
        # Each option's group, numbered over all positions as the keep runs are.
        group = np.concatenate([sw.group_of for sw in swaps]) + np.array(self._groups)[owner]
        short = np.flatnonzero(n_words <= 2)
        owner, number, n_words, group = owner[short], number[short], n_words[short], group[short]
        first = np.concatenate([sw.first_ids for sw in swaps])[short]
        last = np.concatenate([sw.last_ids for sw in swaps])[short]
        logq = np.concatenate([sw.logq for sw in swaps])[short]
        right_len = np.array([len(r) for r in self._rights])
        rights = np.array([(*r, 0, 0)[:2] for r in self._rights], dtype=np.int64).reshape(-1, 2)
        context = np.array(self._context, dtype=np.int64).reshape(-1, 2)[owner]
        kept[number] = np.array(self._keeps)[group]
        chan[number] = logq - np.array(self._penalty)[owner]
        lengths = right_len[group]
        for n in (1, 2):
            for r in np.unique(lengths[n_words == n]).tolist():
                sel = np.flatnonzero((n_words == n) & (lengths == r))
                rows = np.empty((len(sel), 2 + n + r), dtype=np.int64)
                rows[:, :2] = context[sel]
                rows[:, 2] = first[sel]
                rows[:, 1 + n] = last[sel]
                rows[:, 2 + n :] = rights[group[sel], :r]
                run[number[sel]] = runs.add(rows)
