"""The substitution model: which originals could have produced an observed word, and how likely.

This is the "channel" of the noisy-channel restorer. For every position of
a sentence it proposes *edges*: keep the observed word(s), or read them as a
spinner's rewrite of some original word or phrase (a thesaurus swap, a
numeral rewrite, an inserted filler), each with a log probability.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from .inflect import inflect, lemmatize
from .langdata import DIGIT_WORDS, FILLERS, NUMBER_WORDS, STOPWORDS
from .lexicon import MOBY_FWD, MOBY_REV, WORDNET, Candidate, Lexicon, static_score
from .text import Token


@dataclass(frozen=True, slots=True)
class Params:
    """Tunable weights of the channel and decoder (fitted by ``bench/tune.py``)."""

    w_moby_fwd: float = 1.5
    w_moby_rev: float = 0.5
    w_wordnet: float = 1.5
    w_nsyn: float = 0.6
    bias: float = 0.0
    name_penalty: float = 4.0
    w_freq_gap: float = 0.0
    numeral_logp: float = -2.0
    filler_logp: float = -7.0
    max_candidates: int = 30
    prior_a: float = 0.5
    prior_b: float = 25.0
    em_rounds: int = 3
    min_confidence: float = 0.5
    beam: int = 24

    def logq(self, x: tuple[float, ...]) -> float:
        """log P(spinner writes the observed form | original), up to the shared swap rate."""
        return (
            self.w_moby_fwd * x[0] + self.w_moby_rev * x[1] + self.w_wordnet * x[2] - self.w_nsyn * x[3]
            + self.bias * (1 - x[4] - x[5]) + self.numeral_logp * x[4] + self.filler_logp * x[5]
            + self.w_freq_gap * x[6]
        )


#: Feature vector of a swap option, in this order; see :meth:`Params.logq`.
FEATURES = ("moby_fwd", "moby_rev", "wordnet", "log_nsyn", "numeral", "filler", "freq_gap")


@dataclass(frozen=True, slots=True)
class Option:
    """One reading of observed tokens [i, j): the original words and their channel log probability."""

    i: int
    j: int
    words: tuple[str, ...]
    logq: float
    label: str
    features: tuple[float, ...] = ()


@dataclass(slots=True)
class Position:
    """The swap options at one eligible token (the keep option is implicit)."""

    index: int
    options: list[Option] = field(default_factory=list)
    is_name: bool = False


def candidate_features(c: Candidate, observed_unigram: float) -> tuple[float, ...]:
    """The channel features of a thesaurus candidate (see FEATURES).

    ``freq_gap`` is how much more common the original is than the observed
    word (log scale): spinners tend to trade common words for rarer ones.
    """
    return (
        float(bool(c.flags & MOBY_FWD)),
        float(bool(c.flags & MOBY_REV)),
        float(bool(c.flags & WORDNET)),
        math.log(max(c.n_synonyms, 1)),
        0.0,
        0.0,
        c.unigram - observed_unigram,
    )


NUMERAL_FEATURES = (0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0)
FILLER_FEATURES = (0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0)


class Channel:
    """Proposes originals for observed tokens, using the compiled lexicon and inflection."""

    def __init__(self, lexicon: Lexicon, params: Params, unigram: Callable[[str], float]) -> None:
        self.lexicon = lexicon
        self.params = params
        self.unigram = unigram
        self._memo: dict[str, tuple[tuple[str, tuple[float, ...], str], ...]] = {}

    def originals(self, observed: str) -> tuple[tuple[str, tuple[float, ...], str], ...]:
        """(original, features, label) for a lower-cased observed word or phrase, inflection included."""
        hit = self._memo.get(observed)
        if hit is not None:
            return hit
        p = self.params
        obs_uni = sum(self.unigram(w) for w in observed.split())
        found: dict[str, tuple[float, tuple[float, ...], str]] = {}
        label = "phrase_swap" if " " in observed else "synonym_swap"

        def add(original: str, c: Candidate) -> None:
            if original == observed:
                return
            lab = "phrase_swap" if " " in original else label
            key = static_score(c)
            if original not in found or found[original][0] < key:
                found[original] = (key, candidate_features(c, obs_uni), lab)

        for c in self.lexicon.candidates(observed):
            add(c.original, c)
        for lemma, form in lemmatize(observed):
            if form == "base" or lemma == observed:
                continue
            for c in self.lexicon.candidates(lemma):
                add(inflect(c.original, form), c)
        ranked = sorted(found.items(), key=lambda kv: kv[1][0], reverse=True)[: p.max_candidates]
        result = tuple((orig, x, lab) for orig, (_, x, lab) in ranked)
        self._memo[observed] = result
        return result

    def _option(self, i: int, j: int, words: tuple[str, ...], x: tuple[float, ...], label: str) -> Option:
        return Option(i, j, words, self.params.logq(x), label, x)

    def positions(self, tokens: list[Token], lo: int, hi: int) -> list[Position]:
        """Swap options for every token of the sentence tokens[lo:hi] that has any."""
        out: list[Position] = []
        for i in range(lo, hi):
            tok = tokens[i]
            low = tok.lower
            pos = Position(i, is_name=tok.is_capitalized and i > lo and not _after_quote(tokens, i, lo))
            if tok.kind == "number":
                word = DIGIT_WORDS.get(low)
                if word:
                    pos.options.append(self._option(i, i + 1, (word,), NUMERAL_FEATURES, "numeral_swap"))
            elif tok.kind == "word" and not (len(tok.text) > 1 and tok.text.isupper()):
                if low in NUMBER_WORDS:
                    pos.options.append(
                        self._option(i, i + 1, (NUMBER_WORDS[low],), NUMERAL_FEATURES, "numeral_swap"))
                if low in FILLERS:
                    pos.options.append(self._option(i, i + 1, (), FILLER_FEATURES, "inserted_filler"))
                if low not in STOPWORDS:
                    for orig, x, label in self.originals(low):
                        pos.options.append(self._option(i, i + 1, tuple(orig.split()), x, label))
                span = self.lexicon.phrase_starts.get(low, 1)
                for n in range(2, span + 1):
                    j = i + n
                    if j > hi or any(t.kind != "word" for t in tokens[i + 1 : j]):
                        break
                    phrase = " ".join(t.lower for t in tokens[i:j])
                    for orig, x, _ in self.originals(phrase):
                        pos.options.append(self._option(i, j, tuple(orig.split()), x, "phrase_swap"))
            if pos.options:
                out.append(pos)
        return out


def _after_quote(tokens: list[Token], i: int, lo: int) -> bool:
    """A capital right after an opening quote or colon starts a quoted sentence, not a name."""
    prev = tokens[i - 1].text if i > lo else ""
    return prev in {'"', "“", ":", "(", "'", "‘"}
