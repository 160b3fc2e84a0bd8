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
from collections.abc import Sequence
from functools import cache
from typing import Protocol

from .errors import DataError

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

    Look-ups are memoised: decoding asks for the same trigrams many times.
    Unknown words get a fixed floor probability instead of minus infinity,
    so a rare but legitimate word is penalised, not forbidden.
    """

    order = 2

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
        self.name = f"ngram:cmusphinx-en-us-3gram:{os.path.getsize(path)}"
        self.unknown_logprob = unknown_logprob
        self._cache: dict[tuple[str, ...], float] = {}
        self._known: dict[str, bool] = {}

    def known(self, word: str) -> bool:
        k = self._known.get(word)
        if k is None:
            k = self._known[word] = self._prob([word]) != _PS_UNKNOWN
        return k

    def logprob(self, word: str, history: Sequence[str]) -> float:
        key = (word, *history[-2:])
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        if not self.known(word):
            value = self.unknown_logprob
        else:
            # pocketsphinx wants the word first, then its history newest first;
            # unknown history words are dropped so the model backs off cleanly.
            ctx = [w for w in reversed(history[-2:]) if w == BOS or self.known(w)]
            if len(ctx) < len(history[-2:]) and ctx and ctx[0] != history[-1]:
                ctx = []
            value = self._prob([word, *ctx]) * _LOGMATH_TO_LN
        if len(self._cache) > 2_000_000:
            self._cache.clear()
        self._cache[key] = value
        return value

    def unigram(self, word: str) -> float:
        """ln P(word) with no context."""
        return self.logprob(word, ())


@cache
def default_scorer() -> NGramScorer:
    """The process-wide n-gram scorer, loaded on first use."""
    return NGramScorer()
