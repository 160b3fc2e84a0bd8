"""Swap options: the readings the channel proposes at a position, and how they are held.

A common word has fifty options after pruning, and a document thousands of
positions, while the decoder's lattice needs the few whose first-pass odds
clear its floor. So the channel hands over its synonym swaps as columns
(:class:`Swaps`), which the first pass scores in bulk; :class:`Option`
objects are made only for the options something asks about one by one.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .channel import Group


@dataclass(frozen=True, slots=True)
class Option:
    """One reading of observed tokens [i, j): the original words and their channel log probability."""

    i: int
    j: int
    words: tuple[str, ...]
    logq: float
    label: str
    features: tuple[float, ...] = ()
    #: The language model's ids of ``words`` where the channel has them at hand; () otherwise.
    ids: tuple[int, ...] = ()


class Swaps:
    """The synonym swaps kept at one position, as columns in the channel's order.

    Option t is original ``index_in[t]`` of group ``group_of[t]`` (see
    :data:`unspin.channel.Group`), with channel log probability ``logq[t]``.
    ``ends``, ``n_words``, ``first_ids`` and ``last_ids`` give, per option,
    the token its span ends at, how many words it has, and its first and
    last word's LM ids. In deep mode ``neural`` holds each option's neural
    log-odds and ``prior`` the probe's for the position, already weighed into
    ``logq`` (see :meth:`with_neural`).
    """

    __slots__ = ("_channel_logq", "_chosen", "ends", "first_ids", "group_of", "groups", "i", "in_doc",
                 "index_in", "last_ids", "logq", "n_words", "neural", "prior")

    def __init__(self, i: int, groups: Sequence[Group], in_doc: Sequence[Sequence[float]], chosen: np.ndarray,
                 logq: np.ndarray) -> None:
        """``chosen`` indexes the groups' originals end to end; ``logq`` is their channel score."""
        self.i = i
        self.groups = groups
        self.in_doc = in_doc
        self._chosen = chosen
        sizes = np.array([len(g[0]) for g in groups])
        ends = np.cumsum(sizes)
        group_of = np.searchsorted(ends, chosen, side="right")
        self.group_of = group_of.tolist()
        self.index_in = (chosen - (ends - sizes)[group_of]).tolist()
        self.logq = self._channel_logq = logq[chosen]
        self.first_ids = np.concatenate([g[0].first_ids for g in groups])[chosen]
        self.last_ids = np.concatenate([g[0].last_ids for g in groups])[chosen]
        self.n_words = np.concatenate([g[0].n_words for g in groups])[chosen]
        self.ends = np.array([g[1] for g in groups], dtype=np.int64)[group_of]
        self.neural: np.ndarray | None = None
        self.prior: float | np.ndarray = 0.0

    def with_neural(self, neural: np.ndarray, weight: float, prior: float | np.ndarray = 0.0,
                    prior_weight: float = 0.0) -> Swaps:
        """These swaps with each option's neural log-odds and the probe's log-odds as their last two
        features, weighed into ``logq``. ``prior`` is the position's, or one per option where
        options of several written words read the probe over their whole span.

        ``logq`` sums the features' weighted terms in their order, these two
        last, so adding them here gives the very number that summing the
        option's whole feature vector (:meth:`Params.logq`) gives. Evidence
        read again replaces the earlier reading, as for options held as objects.
        """
        out = copy.copy(self)
        out.logq = self._channel_logq + weight * neural + prior_weight * prior
        out.neural = neural
        out.prior = prior
        return out

    def raised(self, t: int, by: float) -> Swaps:
        """These swaps with option t's score raised by ``by`` (see :meth:`Position.raised`)."""
        out = copy.copy(self)
        out.logq = self.logq.copy()
        out.logq[t] += by
        return out

    def __len__(self) -> int:
        return len(self.group_of)

    def freq_gaps(self) -> np.ndarray:
        """Each option's frequency gap (see :class:`unspin.channel.Originals`), worked out when asked."""
        return np.concatenate([g[0].freq_gaps for g in self.groups])[self._chosen]

    def reading(self, t: int) -> tuple[tuple[str, ...], float, int]:
        """Option t's words, channel log probability and span end, without making the object."""
        originals, j, _, _ = self.groups[self.group_of[t]]
        return originals.parts(self.index_in[t])[0], float(self.logq[t]), j

    def readings(self, which: Sequence[int] | None = None) -> list[tuple[tuple[str, ...], float, int]]:
        """:meth:`reading` of every option, or of the options numbered in ``which``, in order."""
        groups, group_of, index_in = self.groups, self.group_of, self.index_in
        which = range(len(group_of)) if which is None else which
        return [(groups[group_of[t]][0].parts(index_in[t])[0], q, groups[group_of[t]][1])
                for t, q in zip(which, self.logq[list(which)].tolist(), strict=True)]

    def option(self, t: int) -> Option:
        """Option t as an object."""
        g, k = self.group_of[t], self.index_in[t]
        originals, j, repeats, label = self.groups[g]
        words, x, ids = originals.parts(k)
        features = (*x, self.in_doc[g][k], repeats)
        if self.neural is not None:
            prior = float(self.prior[t]) if isinstance(self.prior, np.ndarray) else self.prior
            features = (*features, float(self.neural[t]), prior)
        return Option(self.i, j, words, float(self.logq[t]), label or originals.labels[k], features, ids)


class Position:
    """The swap options at one eligible token (the keep option is implicit).

    ``options`` lists them all as objects, making any held as :class:`Swaps`
    (which follow the others) on first use; the decoder's first pass reads
    the columns instead and asks for single options with :meth:`option`.
    ``guarded``: the token reads as a name or a word of scientific prose, so
    every swap of it costs ``Params.name_penalty``.
    """

    __slots__ = ("_options", "guarded", "index", "odds", "swaps")

    def __init__(self, index: int, options: list[Option] | None = None, guarded: bool = False,
                 swaps: Swaps | None = None) -> None:
        self.index = index
        self._options = [] if options is None else options
        self.guarded = guarded
        self.swaps = swaps
        #: Each option's first-pass log odds against keeping, before the rate (set by the decoder).
        self.odds: np.ndarray | None = None

    @property
    def options(self) -> list[Option]:
        """Every option as an object, in order."""
        if self.swaps is not None:
            self._options.extend(self.swaps.option(t) for t in range(len(self.swaps)))
            self.swaps = None
        return self._options

    @property
    def listed(self) -> list[Option]:
        """The options held as objects (all of them once :attr:`options` has been read)."""
        return self._options

    def __len__(self) -> int:
        return len(self._options) + (0 if self.swaps is None else len(self.swaps))

    def reading(self, t: int) -> tuple[tuple[str, ...], float, int]:
        """Option t's words, channel log probability and span end (see :meth:`Swaps.reading`)."""
        n = len(self._options)
        if t < n:
            opt = self._options[t]
            return opt.words, opt.logq, opt.j
        assert self.swaps is not None
        return self.swaps.reading(t - n)

    def readings(self, which: Sequence[int] | None = None) -> list[tuple[tuple[str, ...], float, int]]:
        """:meth:`reading` of every option, or of the options numbered in ``which`` (ascending), in order."""
        n = len(self._options)
        which = range(len(self)) if which is None else which
        listed = [(opt.words, opt.logq, opt.j) for opt in (self._options[t] for t in which if t < n)]
        rest = [t - n for t in which if t >= n]
        if not rest:
            return listed
        assert self.swaps is not None
        return listed + self.swaps.readings(rest)

    def raised(self, t: int, by: float) -> Position:
        """This position with option t's score, and its first-pass odds, raised by ``by``: what
        the rest of the document says for it (see :mod:`unspin.agreement`)."""
        n = len(self._options)
        options, swaps = list(self._options), self.swaps
        if t < n:
            o = options[t]
            options[t] = Option(o.i, o.j, o.words, o.logq + by, o.label, o.features, o.ids)
        else:
            assert swaps is not None
            swaps = swaps.raised(t - n, by)
        out = Position(self.index, options, self.guarded, swaps)
        if self.odds is not None:
            out.odds = self.odds.copy()
            out.odds[t] += by
        return out

    def span_ends(self) -> np.ndarray:
        """The token each option's span ends at, in option order."""
        listed = np.array([o.j for o in self._options], dtype=np.int64)
        return listed if self.swaps is None else np.concatenate([listed, self.swaps.ends])

    def logqs(self) -> np.ndarray:
        """Each option's score (``logq``), in option order."""
        listed = np.array([o.logq for o in self._options])
        return listed if self.swaps is None else np.concatenate([listed, self.swaps.logq])

    def word_counts(self) -> np.ndarray:
        """How many words each option puts in place of the written ones, in option order."""
        listed = np.array([len(o.words) for o in self._options], dtype=np.int64)
        return listed if self.swaps is None else np.concatenate([listed, self.swaps.n_words])

    def freq_gaps(self) -> np.ndarray:
        """Each option's frequency gap (the ``freq_gap`` feature; 0 for options without one), in
        option order."""
        listed = np.array([o.features[3] if len(o.features) > 3 else 0.0 for o in self._options])
        return listed if self.swaps is None else np.concatenate([listed, self.swaps.freq_gaps()])

    def option(self, t: int) -> Option:
        """Option t, made as an object if it is held in columns."""
        n = len(self._options)
        if t < n:
            return self._options[t]
        assert self.swaps is not None
        return self.swaps.option(t - n)
