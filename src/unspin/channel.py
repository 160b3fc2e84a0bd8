"""The channel: which originals could have produced an observed word, and how likely.

This is the "channel" of the noisy-channel restorer. For every position of
a sentence it proposes *edges*: keep the observed word(s), or read them as a
spinner's rewrite of some original word or phrase (a thesaurus swap, a
numeral rewrite, an inserted filler), each with a log probability.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache

from .inflect import inflect, lemmatize
from .langdata import DIGIT_WORDS, FILLERS, NUMBER_WORDS, STOPWORDS
from .lexicon import MEMO_ENTRIES, Candidate, Lexicon, static_score
from .lm import BOS, EOS, Scorer
from .memo import BoundedMemo
from .text import Token


@dataclass(frozen=True, slots=True)
class Params:
    """Tunable weights of the channel and decoder (fitted by ``bench/tune.py``)."""

    w_logq: float = 1.0
    bias: float = 0.0
    w_freq_gap: float = 0.0
    w_in_document: float = 0.0
    w_observed_repeats: float = 0.0
    #: Weight of the neural model's log-odds (deep mode only; see unspin.neural).
    w_neural: float = 0.0
    name_penalty: float = 4.0
    numeral_logp: float = -2.0
    filler_logp: float = -7.0
    max_candidates: int = 50
    prior_a: float = 0.5
    prior_b: float = 25.0
    em_rounds: int = 3
    min_confidence: float = 0.5
    beam: int = 24

    def logq(self, x: tuple[float, ...]) -> float:
        """log P(spinner writes the observed form | original), up to the shared swap rate."""
        thesaurus_swap = 1 - x[1] - x[2]
        return (
            self.w_logq * x[0] + self.bias * thesaurus_swap + self.numeral_logp * x[1]
            + self.filler_logp * x[2] + self.w_freq_gap * x[3]
            + self.w_in_document * x[4] + self.w_observed_repeats * x[5]
            + (self.w_neural * x[6] if len(x) > 6 else 0.0)
        )


#: Feature vector of a swap option, in this order; see :meth:`Params.logq`. ``neural`` is
#: present in deep mode only.
FEATURES = ("logq", "numeral", "filler", "freq_gap", "in_document", "observed_repeats", "neural")


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
    return (c.logq, 0.0, 0.0, c.unigram - observed_unigram)


NUMERAL_FEATURES = (0.0, 1.0, 0.0, 0.0)
FILLER_FEATURES = (0.0, 0.0, 1.0, 0.0)


def document_counts(tokens: list[Token]) -> Counter[str]:
    """Lower-cased word counts of a whole document, for the document features.

    Spinners rewrite each occurrence independently, so an original often
    survives elsewhere in the same text ("the company ... the enterprise"),
    while a word a writer repeats is rarely a spinner's pick.
    """
    counts: Counter[str] = Counter()
    for t in tokens:
        if t.kind == "word":
            low = t.lower
            counts[low] += 1
            # Count the lemma too, so "years" elsewhere supports "year" here.
            lemma = _lemma(low)
            if lemma != low:
                counts[lemma] += 1
    return counts


@cache
def _lemma(word: str) -> str:
    """The lemma of an inflected ``word`` ("years" -> "year"); the word itself otherwise."""
    if " " in word:
        return word
    return next((lemma for lemma, form in lemmatize(word) if form != "base"), word)


def _in_document(counts: Mapping[str, int], original: str) -> float:
    """log(1 + occurrences of the original, or of its lemma, in the document)."""
    return math.log1p(counts.get(original, 0) or counts.get(_lemma(original), 0))


class Channel:
    """Proposes originals for observed tokens, using the compiled lexicon and inflection."""

    def __init__(self, lexicon: Lexicon, params: Params, scorer: Scorer) -> None:
        self.lexicon = lexicon
        self.params = params
        self.lm = scorer
        self._memo: BoundedMemo[str, tuple[tuple[str, tuple[float, ...], str], ...]] = \
            BoundedMemo(MEMO_ENTRIES)

    def originals(self, observed: str) -> tuple[tuple[str, tuple[float, ...], str], ...]:
        """(original, features, label) for a lower-cased observed word or phrase, inflection included."""
        hit = self._memo.get(observed)
        if hit is not None:
            return hit
        obs_uni = sum(self.lm.unigram(w) for w in observed.split())
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
        ranked = sorted(found.items(), key=lambda kv: kv[1][0], reverse=True)
        result = tuple((orig, x, lab) for orig, (_, x, lab) in ranked)
        return self._memo.remember(observed, result)

    def _option(self, i: int, j: int, words: tuple[str, ...], x: tuple[float, ...], label: str,
                doc: tuple[float, float] = (0.0, 0.0)) -> Option:
        x = (*x, *doc)
        return Option(i, j, words, self.params.logq(x), label, x)

    def positions(self, tokens: list[Token], lo: int, hi: int, counts: Mapping[str, int]) -> list[Position]:
        """Swap options for every token of the sentence tokens[lo:hi] that has any.

        ``counts`` are the document's word counts (see :func:`document_counts`).
        """
        out: list[Position] = []
        for i in range(lo, hi):
            tok = tokens[i]
            low = tok.lower
            repeats = float(counts.get(low, 0) > 1)
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
                swaps: list[Option] = []
                if low not in STOPWORDS:
                    for orig, x, label in self.originals(low):
                        doc = (_in_document(counts, orig), repeats)
                        swaps.append(self._option(i, i + 1, tuple(orig.split()), x, label, doc))
                span = self.lexicon.phrase_starts.get(low, 1)
                for n in range(2, span + 1):
                    j = i + n
                    if j > hi or any(t.kind != "word" for t in tokens[i + 1 : j]):
                        break
                    phrase = " ".join(t.lower for t in tokens[i:j])
                    for orig, x, _ in self.originals(phrase):
                        doc = (_in_document(counts, orig), 0.0)
                        swaps.append(self._option(i, j, tuple(orig.split()), x, "phrase_swap", doc))
                pos.options.extend(self._prune(swaps, tokens, lo, hi))
            if pos.options:
                out.append(pos)
        return out

    def _prune(self, options: list[Option], tokens: list[Token], lo: int, hi: int) -> list[Option]:
        """Keep the options that best fit their immediate neighbours, by a cheap bigram score.

        Common observed words have hundreds of possible originals; the trigram
        decoder only looks at the few that read well next to the words around.
        """
        keep = self.params.max_candidates
        if len(options) <= keep:
            return options

        next_logprobs = self.lm.next_logprobs

        def fit(opt: Option) -> float:
            prev = tokens[opt.i - 1].lower if opt.i > lo and tokens[opt.i - 1].kind == "word" else BOS
            nxt = tokens[opt.j].lower if opt.j < hi and tokens[opt.j].kind == "word" else EOS
            # The left word is shared by every option of a position: one table serves them all.
            return next_logprobs((prev,))[opt.words[0]] + next_logprobs((opt.words[-1],))[nxt] + opt.logq

        return sorted(options, key=fit, reverse=True)[:keep]


def _after_quote(tokens: list[Token], i: int, lo: int) -> bool:
    """A capital right after an opening quote or colon starts a quoted sentence, not a name."""
    prev = tokens[i - 1].text if i > lo else ""
    return prev in {'"', "“", ":", "(", "'", "‘"}
