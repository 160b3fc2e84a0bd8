"""Language-model scorers.

A scorer answers one question: the natural-log probability of a word given
the words before it. The restorer only talks to the :class:`Scorer`
protocol, so a neural scorer can replace the n-gram one without touching
the decoder. Scorers work on lower-cased words; sentence boundaries are
``<s>`` and ``</s>``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import cache
from typing import TYPE_CHECKING, Protocol

import numpy as np

from .errors import DataError
from .langdata import DIGIT_WORDS

if TYPE_CHECKING:
    from .lm_tables import TrigramTables

BOS = "<s>"
EOS = "</s>"


class Scorer(Protocol):
    """What the restorer needs from a language model."""

    #: Name and version recorded in every Analysis.
    name: str
    #: How many previous words the scorer looks at (2 for a trigram model).
    order: int

    def logprob(self, word: str, history: Sequence[str]) -> float:
        """ln P(word | history); ``history`` is oldest first and may be longer than needed."""
        ...

    def next_logprobs(self, history: tuple[str, ...]) -> Mapping[str, float]:
        """ln P(w | history) for any word w, as a mapping: ``next_logprobs(h)[w] == logprob(w, h)``.

        ``history`` is read as in :meth:`logprob`. The decoder scores many
        candidate words after the same context, so it asks for the context
        once and looks the words up in what comes back; a neural scorer can
        answer with one forward pass over its vocabulary.
        """
        ...

    def word_ids(self, words: Sequence[str]) -> np.ndarray:
        """Integer ids of ``words`` for :meth:`batch_ids`; "" (no word) and unknown words are -1."""
        ...

    def batch_ids(self, h2: np.ndarray, h1: np.ndarray, words: np.ndarray) -> np.ndarray:
        """ln P(words[k] | h2[k] h1[k]) for every k, in one call, on ids from :meth:`word_ids`.

        The same numbers as :meth:`logprob`, a history id of -1 standing for no
        word there. The decoder asks for thousands of n-grams at once, and one
        vectorised pass costs less than a call each; ids let the channel
        convert each candidate's words once, not at every position it meets.
        """
        ...

    def known(self, word: str) -> bool:
        """Whether the word is in the model's vocabulary."""
        ...

    def unigram(self, word: str) -> float:
        """ln P(word) with no context."""
        ...


# pocketsphinx reports log-probabilities in base 1.0001.
_LOGMATH_TO_LN = math.log(1.0001)
# Returned by pocketsphinx for a word it has never seen.
_PS_UNKNOWN = -536870912


class NGramScorer:
    """The CMU Sphinx US-English trigram model that ships inside the pocketsphinx wheel.

    Look-ups are memoised: decoding asks for the same trigrams many times,
    and for many words after the same two. Unknown words get a fixed floor
    probability instead of minus infinity, so a rare but legitimate word is
    penalised, not forbidden.
    """

    order = 2
    #: Memoised look-ups (and contexts) kept before the memo is dropped, to bound memory (about
    #: 100 bytes each).
    max_memo = 500_000

    def __init__(self, path: str | None = None, unknown_logprob: float = -16.0) -> None:
        try:
            import pocketsphinx
        except ImportError as exc:  # pragma: no cover - a hard dependency
            raise DataError("the n-gram model needs pocketsphinx: run `pip install pocketsphinx`") from exc
        if path is None:
            path = os.path.join(pocketsphinx.get_model_path(), "en-us", "en-us.lm.bin")
        if not os.path.exists(path):
            raise DataError(f"language model file not found: {path}; reinstall pocketsphinx")
        pocketsphinx.set_loglevel("FATAL")
        self._model = pocketsphinx.NGramModel.readfile(path)
        self._prob = self._model.prob
        self._path = path
        self._tables: TrigramTables | None = None
        self.name = f"ngram:cmusphinx-en-us-3gram:{os.path.getsize(path)}"
        self.unknown_logprob = unknown_logprob
        self._known = _Vocabulary(self._prob)
        # Two memos of the same numbers, one per way of asking: one-off look-ups
        # keyed by the whole n-gram, and a table per context for the decoder.
        self._by_ngram: dict[tuple[str, ...], float] = {}
        # History -> model context -> scores of the words asked after it. Plain dicts of
        # tuples, strings and floats, which Python's collector stops tracking: it would walk a
        # memo of objects entry by entry at every full collection, and this one grows to millions.
        self._by_history: dict[tuple[str, ...], tuple[str, ...]] = {}
        self._by_context: dict[tuple[str, ...], dict[str, float]] = {}
        self._memo_size = 0

    def known(self, word: str) -> bool:
        return self._known[word]

    def logprob(self, word: str, history: Sequence[str]) -> float:
        key = (*history[-2:], word)
        value = self._by_ngram.get(key)
        if value is None:
            self._make_room()
            value = self._by_ngram[key] = self._score(word, self._model_context(key[:-1]))
        return value

    def next_logprobs(self, history: tuple[str, ...]) -> Mapping[str, float]:
        history = history[-2:]
        ctx = self._by_history.get(history)
        if ctx is None:
            self._make_room()
            ctx = self._by_history[history] = self._model_context(history)
        # Histories that back off to the same model context share one table.
        values = self._by_context.get(ctx)
        if values is None:
            values = self._by_context[ctx] = {}
        return _NextWords(self, ctx, values)

    def unigram(self, word: str) -> float:
        """ln P(word) with no context."""
        return self.logprob(word, ())

    def batch(self, h2: Sequence[str], h1: Sequence[str], words: Sequence[str]) -> np.ndarray:
        """ln P(words[k] | h2[k] h1[k]) for every k, from the model's arrays; "" for no history word."""
        return self.batch_ids(self.word_ids(h2), self.word_ids(h1), self.word_ids(words))

    def word_ids(self, words: Sequence[str]) -> np.ndarray:
        """Ids in :attr:`tables` (-1 for "" and for words the model does not know)."""
        return self.tables.id_of([spoken(w) for w in words])

    def batch_ids(self, h2: np.ndarray, h1: np.ndarray, words: np.ndarray) -> np.ndarray:
        """:meth:`batch` on ids from :meth:`word_ids`."""
        known = words >= 0
        scores = self.tables.logprobs(h2, h1, np.where(known, words, 0))
        return np.where(known, scores, self.unknown_logprob)

    @property
    def tables(self) -> TrigramTables:
        """The model as arrays, decoded into the cache directory on first use."""
        if self._tables is None:
            from .lexicon import cache_dir
            from .lm_tables import load_tables

            self._tables = load_tables(self._path, cache_dir())
        return self._tables

    def _make_room(self) -> None:
        """Count one more memo entry, dropping the memo first if it is full."""
        if self._memo_size >= self.max_memo:
            self._by_ngram.clear()
            self._by_history.clear()
            self._by_context.clear()
            self._memo_size = 0
        self._memo_size += 1

    def _model_context(self, history: tuple[str, ...]) -> tuple[str, ...]:
        """The history as pocketsphinx takes it: newest first, cut at the first unknown word.

        Dropping unknown words (and everything older) makes the model back off cleanly.
        """
        ctx: list[str] = []
        for w in reversed(history):
            w = spoken(w)
            if w != BOS and not self._known[w]:
                break
            ctx.append(w)
        return tuple(ctx)

    def _score(self, word: str, ctx: tuple[str, ...]) -> float:
        """ln P(word | ctx) from the model; ``ctx`` as :meth:`_model_context` gives it."""
        word = spoken(word)
        if not self._known[word]:
            return self.unknown_logprob
        return self._prob([word, *ctx]) * _LOGMATH_TO_LN


def spoken(word: str) -> str:
    """The word as the n-gram model reads it: plain digits as their number word ("3" -> "three").

    The model has no digits. Read as they are, "3" would always lose to "three",
    and a numeral a spinner spelled out ("February seven") could never get its
    digits back; read as words, the choice is left to the channel and the
    context. Suffixed ordinals ("2nd") stay as they are: news prose spells those
    out, so they are a spinner's tell.
    """
    return DIGIT_WORDS.get(word, word) if word.isdigit() else word


class _Vocabulary(dict):
    """Whether the model knows a word, asked of it once per word."""

    __slots__ = ("_prob",)

    def __init__(self, prob: Callable[[list[str]], int]) -> None:
        super().__init__()
        self._prob = prob

    def __missing__(self, word: str) -> bool:
        known = self[word] = self._prob([word]) != _PS_UNKNOWN
        return known


class _NextWords(Mapping[str, float]):
    """ln P(w | one model context), filled in as words are asked for, into the scorer's memo."""

    __slots__ = ("_ctx", "_scorer", "_values")

    def __init__(self, scorer: NGramScorer, ctx: tuple[str, ...], values: dict[str, float]) -> None:
        self._scorer = scorer
        self._ctx = ctx
        self._values = values

    def __getitem__(self, word: str) -> float:
        value = self._values.get(word)
        if value is None:
            # Counted against the memo bound; the drop waits for the next new context or n-gram.
            self._scorer._memo_size += 1
            value = self._values[word] = self._scorer._score(word, self._ctx)
        return value

    def __iter__(self) -> Iterator[str]:
        """The words asked for so far."""
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


class WordTable:
    """Ids for the words met so far, for a scorer without a vocabulary of its own.

    With :func:`batch_by_logprob` it gives a scorer that answers one n-gram
    at a time the id methods of :class:`Scorer`.
    """

    def __init__(self) -> None:
        self._words: list[str] = []
        self._ids: dict[str, int] = {}

    def ids(self, words: Sequence[str]) -> np.ndarray:
        """Each word's id, a new one for a word not met before; -1 for ""."""
        out = np.empty(len(words), dtype=np.int64)
        for k, w in enumerate(words):
            if not w:
                out[k] = -1
                continue
            wid = self._ids.get(w)
            if wid is None:
                wid = self._ids[w] = len(self._words)
                self._words.append(w)
            out[k] = wid
        return out

    def words(self, ids: np.ndarray) -> list[str]:
        """The words of ``ids``; "" for -1."""
        return [self._words[i] if i >= 0 else "" for i in ids.tolist()]


def batch_by_logprob(scorer: Scorer, table: WordTable, h2: np.ndarray, h1: np.ndarray,
                     words: np.ndarray) -> np.ndarray:
    """:meth:`Scorer.batch_ids` for a scorer that answers one n-gram at a time: the reference meaning."""
    return np.array([scorer.logprob(w, (a, b) if a and b else (b,) if b else ())
                     for a, b, w in zip(table.words(h2), table.words(h1), table.words(words), strict=True)],
                    dtype=float)


@cache
def default_scorer() -> NGramScorer:
    """The process-wide n-gram scorer, loaded on first use."""
    return NGramScorer()
