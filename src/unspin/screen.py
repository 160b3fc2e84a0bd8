"""A fast document screen: the restorer's first pass, reduced to a few array operations.

At crawl scale most documents are not spun, and the full analysis spends
most of its time on texts it will leave alone. The screen estimates the same
evidence as :meth:`~unspin.decoder.Decoder.estimate_rate` (each eligible
word's log odds of being a swap, the document's swap rate, its
log-likelihood ratio), but from each word's few likeliest originals by their
context-free score, with every n-gram of the document scored by the trigram
tables in one call. It maps that evidence to a probability with a
calibration of its own (fitted by ``bench/tune_screen.py``, shipped in
``data/params_screen.json``).

What it leaves out, for speed: numerals, inserted fillers, phrase swaps,
lemmas in the document counts. So it is a screen: a low score lets a scan
skip the full analysis; a high one asks for it.
"""

from __future__ import annotations

import json
from collections import Counter
from importlib import resources
from pathlib import Path

import numpy as np

from .calibration import Calibration
from .channel import Channel, is_acronym
from .decoder import swap_rate_flat
from .langdata import STOPWORDS
from .lexicon import MEMO_ENTRIES, cache_dir
from .lm import BOS, EOS, NGramScorer
from .memo import BoundedMemo
from .params import Params
from .runs import lm_word
from .screen_table import CandidateTable, load_table, table_folder
from .text import Token, sentences

_LM_KINDS = ("word", "number")


def _eligible(tok: Token) -> bool:
    """A word the screen looks at: a content word, not an acronym (as the channel decides)."""
    return tok.kind == "word" and tok.lower not in STOPWORDS and not is_acronym(tok)


def _windows(padded: np.ndarray, at: np.ndarray) -> tuple[np.ndarray, ...]:
    """Two words before, the word at, and two words after each index of a padded sentence stream.

    Each sentence ends in "</s>", so reading past a sentence's end only happens after "</s>",
    where the caller stops scoring.
    """
    last = len(padded) - 1
    return (padded[at - 2], padded[at - 1], padded[at], padded[np.minimum(at + 1, last)],
            padded[np.minimum(at + 2, last)])
_NONE = (np.zeros(0, dtype=np.int64), np.zeros(0))


class Screen:
    """Scores documents for spinning from array look-ups; reuse one per process.

    ``channel`` must carry the fast path's weights: the screen's calibration
    was fitted with them. ``cut`` is the score below which a caller may skip
    the full analysis.
    """

    def __init__(self, channel: Channel, scorer: NGramScorer, params: Params, top: int = 8,
                 calibration: Calibration | None = None, cut: float = 0.0) -> None:
        #: Every vocabulary word's candidates, worked out ahead (see :meth:`use_table`); None: as met.
        self.table: CandidateTable | None = None
        self.channel = channel
        self.lm = scorer
        self.tables = scorer.tables
        self.p = params
        self.top = top
        self.calibration = calibration or Calibration()
        self.cut = cut
        self._memo: BoundedMemo[str, tuple[np.ndarray, np.ndarray]] = BoundedMemo(MEMO_ENTRIES)

    @classmethod
    def tuned(cls, channel: Channel, scorer: NGramScorer, params: Params, deep: bool = False) -> Screen:
        """The screen with the candidate count, calibration and cut that ship in params_screen.json.

        ``deep`` takes the cut fitted against deep mode's verdicts, which is
        lower: deep mode finds more lightly spun text, so the screen must pass more on to it.
        """
        path = resources.files("unspin") / "data" / "params_screen.json"
        raw = json.loads(path.read_text(encoding="utf-8"))
        cut = raw.get("cut_deep", raw["cut"]) if deep else raw["cut"]
        screen = cls(channel, scorer, params, top=raw["top"], calibration=Calibration(**raw["calibration"]),
                     cut=cut)
        screen.use_table()
        return screen

    def use_table(self, cache: Path | None = None) -> None:
        """Read each vocabulary word's candidates from a table in the cache, built there on first use.

        The first build takes about 15 s; later processes memory-map it. The
        answers are the same as without it, only faster for words met the first time.
        """
        folder = table_folder(cache or cache_dir(), self.channel.lexicon.path, self.lm.name, self.p, self.top)
        self.table = load_table(folder, self._compute, self.tables.words, self.top)

    def score(self, tokens: list[Token]) -> float:
        """The calibrated probability that the tokenised text is spun, by the screen alone."""
        return self.calibration.score(*self.evidence(tokens))

    def candidates(self, observed: str) -> tuple[np.ndarray, np.ndarray]:
        """Word ids and context-free channel scores of the ``top`` likeliest one-word originals."""
        hit = self._memo.get(observed)
        if hit is not None:
            return hit
        wid = self.tables.ids.get(observed, -1) if self.table is not None else -1
        return self._memo.remember(observed, self.table.get(wid) if wid >= 0 else self._compute(observed))

    def _compute(self, observed: str) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`candidates`, worked out from the channel."""
        originals = self.channel.originals(observed)
        ids, logq = [], []
        for k, words in enumerate(originals.words):
            wid = self.tables.ids.get(words[0], -1) if len(words) == 1 else -1
            if wid >= 0:
                ids.append(wid)
                logq.append(originals.base_logq[k])
                if len(ids) == self.top:
                    break
        return (np.array(ids, dtype=np.int64), np.array(logq)) if ids else _NONE

    def evidence(self, tokens: list[Token]) -> tuple[float, float, int]:
        """(swap rate, log-likelihood ratio spun vs clean, eligible positions), as the decoder's."""
        ids = self.tables.ids
        padded: list[int] = []
        # Per eligible position: its index in ``padded``, its candidates' ids and scores, and the
        # part of the channel score that is the same for all of them (observed word repeats, guard).
        at: list[int] = []
        cands: list[np.ndarray] = []
        logqs: list[np.ndarray] = []
        shared: list[float] = []
        counts = Counter(t.lower for t in tokens if t.kind == "word")
        science = self.channel.reads_as_science(tokens)
        p = self.p
        for lo, hi in sentences(tokens):
            padded += (ids[BOS], ids[BOS])
            for i in range(lo, hi):
                tok = tokens[i]
                if tok.kind not in _LM_KINDS:
                    continue
                low = tok.lower
                if _eligible(tok):
                    c, q = self.candidates(low)
                    if len(c):
                        at.append(len(padded))
                        cands.append(c)
                        logqs.append(q)
                        guarded = self.channel.guarded(tokens, i, lo, science)
                        shared.append(p.w_observed_repeats * (counts[low] > 1) - p.name_penalty * guarded)
                padded.append(ids.get(lm_word(tok), -1))
            padded.append(ids[EOS])
        if not at:
            return (*swap_rate_flat(np.zeros(0), np.zeros(0, dtype=np.int64), p), 0)
        sizes = np.array([len(c) for c in cands])
        cand = np.concatenate(cands)
        h2, h1, observed, n1, n2 = _windows(np.array(padded, dtype=np.int64), np.array(at))
        end = n1 == ids[EOS]
        keep = self._run(h2, h1, observed, n1, n2, end)
        h2, h1, n1, n2, end, keep, common = (np.repeat(x, sizes) for x in (h2, h1, n1, n2, end, keep, shared))
        odds = (self._run(h2, h1, cand, n1, n2, end) - keep + np.concatenate(logqs)
                + p.w_in_document * np.log1p(self._doc_counts(counts, cand)) + common)
        return (*swap_rate_flat(odds, np.cumsum(sizes) - sizes, p), len(at))

    def _run(self, h2: np.ndarray, h1: np.ndarray, w: np.ndarray, n1: np.ndarray, n2: np.ndarray,
             end: np.ndarray) -> np.ndarray:
        """LM score of w and the two words after it (one where the sentence ends after w)."""
        k = len(w)
        scores = self.lm.batch_ids(np.concatenate([h2, h1, w]), np.concatenate([h1, w, n1]),
                                   np.concatenate([w, n1, n2]))
        return scores[:k] + scores[k : 2 * k] + np.where(end, 0.0, scores[2 * k :])

    def _doc_counts(self, counts: Counter[str], cand: np.ndarray) -> np.ndarray:
        """How often each candidate word occurs in the document."""
        pairs = sorted((wid, n) for wid, n in ((self.tables.ids.get(w, -1), n) for w, n in counts.items())
                       if wid >= 0)
        keys = np.array([k for k, _ in pairs], dtype=np.int64)
        if not len(keys):
            return np.zeros(len(cand))
        at = np.minimum(np.searchsorted(keys, cand), len(keys) - 1)
        return np.where(keys[at] == cand, np.array([n for _, n in pairs], dtype=float)[at], 0.0)
