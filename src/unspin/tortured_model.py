"""Tortured phrases on no list: terms of art with their words swapped for synonyms.

A spinner turns "random forest" into "irregular woodland" one word at a
time. Read backwards, a two- or three-word sequence is suspect when some of
its words could be a spinner's replacements (the *channel*) for words that
together make a known term, while the sequence itself is not one.

- The channel is learned from a list of tortured phrases, word by word
  ("data" -> "information", "network" -> "organization"), because article
  spinners use thesauri of their own; the lexicon's Moby/WordNet inverse
  adds the rest.
- Terms are known from an n-gram table counted from clean arXiv abstracts
  (``data/science_ngrams.tsv.gz``, built by ``bench/science_terms.py``) plus
  the list's expected phrases, and from the trigram language model's
  association between the words (pointwise mutual information).
- A logistic model over these features, fitted on one half of the list
  (``bench/tortured.py --tune``), gives the confidence.
- Where no known term is in reach, the words themselves can still give a
  sequence away: spinners reach again and again for the same odd synonyms
  ("counterfeit", "profound", "woodland"), which clean scientific prose
  hardly uses. A sequence holding a word far likelier in the list's tortured
  phrases than in clean abstracts (the table's word counts) is flagged too,
  read with its neighbours as a known term where the list's word swaps make
  one, else each such word as the original the list most often shows for it.
- A finding read in a window of two or three words grows over the spinner's
  words beside it, so a longer tortured phrase comes back whole.

Rare vocabulary is never evidence by itself: a word counts against its
sequence only for being far commoner in spinners' output than in science, and
a sequence that the table has seen, or whose words the language model already
expects together, is left alone.
"""

from __future__ import annotations

import bisect
import json
import math
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Container, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any, Protocol

from .langdata import STOPWORDS
from .lexicon import Candidate, default_lexicon
from .lm import default_scorer
from .memo import BoundedMemo
from .phrase_match import Words, stem
from .register import science_table_rows
from .result import Span
from .text import match_case

if TYPE_CHECKING:
    from .tortured_list import Entry

LABEL = "tortured_model"
#: Windows whose readings a model remembers (about 100 bytes each, a few hundred for the rare
#: window with many readings).
READINGS_MEMO = 100_000
FEATURES = ("term_count", "term_pmi", "observed_pmi", "channel", "learned_swaps", "swapped_share", "trigram")

#: A window's readings: (term's stems, the logistic model's inputs) per known term in reach.
Readings = tuple[tuple[tuple[str, ...], tuple[float, ...]], ...]


class CandidateSource(Protocol):
    def candidates(self, observed: str) -> tuple[Candidate, ...]: ...


class AssociationModel(Protocol):
    def logprob(self, word: str, history: tuple[str, ...]) -> float: ...
    def unigram(self, word: str) -> float: ...


@dataclass(frozen=True)
class PhraseParams:
    """The model's settings; ``bench/tortured.py --tune --write`` fits them on the tuning split."""

    options_per_word: int = 20  # lexicon candidates tried per word, best first
    min_term_count: int = 2  # a table entry seen fewer times is not taken as a term
    min_term_pmi: float = 2.0  # ... nor a sequence whose words associate more weakly than this
    max_observed_pmi: float = 2.0  # a sequence whose own words associate this strongly is left alone
    bias: float = -4.0
    weights: dict[str, float] = field(default_factory=lambda: {
        "term_count": 0.6, "term_pmi": 0.3, "observed_pmi": -0.5, "channel": 0.3,
        "learned_swaps": 1.5, "swapped_share": 1.0, "trigram": 0.5})
    threshold: float = 0.5  # probability at which a sequence is flagged
    min_spinner_count: int = 2  # a word seen in fewer tortured phrases is no spinner's word
    # ln(share among tortured phrases' swapped words / share among clean abstracts' words) at
    # which a word gives its sequence away
    spinner_threshold: float = 6.5
    # A word short of that but at least this likely still gives its sequence away when, swapped
    # back as the list has shown, it makes a term the table knows with the words beside it.
    spinner_term_threshold: float = 99.0
    # What a second spinner-like word in the sequence adds to the first's odds (its own odds, if
    # above even): "irregular woodland" is given away by both words. Chosen on the tuning half's
    # cross-fitted folds, where 0.3 / 0.5 / 0.7 / 1.0 found 15.1 / 15.5 / 13.1 / 14.0% of the cases
    # by spinners' words alone at 2.5 false alarms per 1,000 clean abstracts (12.8% with none).
    spinner_second_weight: float = 0.5
    # A finding grows over a neighbouring word whose spinner odds reach this (99: never), up to
    # extend_to words (see PhraseModel._extended); a word at it inside a finding read without a
    # known term is read as the spinner's too.
    extend_threshold: float = 99.0
    extend_to: int = 4
    # Deep mode (unspin.tortured_deep): the lower bars at which a sequence becomes a suspect for the
    # neural model to judge, the weight of how far it cleared them, the cut its judgement must
    # reach, and the log-odds below which it drops a finding of the ordinary bars. 99 turns the
    # route off (-99 the veto); ``bench/tortured.py --tune --deep --write`` fits them.
    deep_spinner_threshold: float = 99.0
    deep_spinner_term_threshold: float = 99.0
    deep_threshold: float = 99.0
    deep_margin_weight: float = 0.0
    deep_cut: float = 99.0
    deep_veto: float = -99.0


def load_params() -> PhraseParams:
    """The fitted settings shipped in ``data/params_tortured.json`` (defaults if absent)."""
    path = resources.files("unspin").joinpath("data/params_tortured.json")
    if not path.is_file():
        return PhraseParams()
    return PhraseParams(**json.loads(path.read_text()))


def params_dict(params: PhraseParams) -> dict[str, Any]:
    """The settings as JSON-ready data (for the tuner to write)."""
    return asdict(params)


@dataclass(frozen=True)
class Term:
    count: int
    surface: tuple[str, ...]


def load_ngrams() -> dict[tuple[str, ...], int]:
    """The shipped table of scientific words and two- and three-word sequences (lower case), with counts."""
    return {tuple(gram.split(" ")): count for gram, count in science_table_rows()}


def _unaccented(word: str) -> str:
    """``word`` without its diacritics: "Henon" for "Hénon" is a spelling, not a spinner's swap."""
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


def learn_channel(pairs: Iterable[tuple[str, str]]) -> dict[str, Counter[str]]:
    """observed stem -> {original word: times seen}, from (tortured, expected) phrases of equal length."""
    channel: dict[str, Counter[str]] = defaultdict(Counter)
    for tortured, expected in pairs:
        t, x = Words.of(tortured).lowers, Words.of(expected).lowers
        if len(t) == len(x):
            for observed, original in zip(t, x, strict=True):
                if _unaccented(stem(observed)) != _unaccented(stem(original)):
                    channel[stem(observed)][original] += 1
    return dict(channel)


def learn_spinner_words(pairs: Iterable[tuple[str, str]]) -> Counter[str]:
    """Stem -> in how many (tortured, expected) phrases it was written and not in the expected one
    (diacritics aside)."""
    counts: Counter[str] = Counter()
    for tortured, expected in pairs:
        kept = {_unaccented(s) for s in Words.of(expected).stems}
        counts.update(s for s in set(Words.of(tortured).stems) if _unaccented(s) not in kept)
    return counts


class PhraseModel:
    """Finds term-shaped sequences that read as a known term with its words swapped, or that hold
    a spinner's word."""

    def __init__(self, ngrams: dict[tuple[str, ...], int], lexicon: CandidateSource,
                 lm: AssociationModel, channel: dict[str, Counter[str]] | None = None,
                 params: PhraseParams | None = None, extra_terms: Iterable[str] = (),
                 spinner_words: Counter[str] | None = None) -> None:
        self.params = params or PhraseParams()
        self.lexicon = lexicon
        self.lm = lm
        self.channel = channel or {}
        self.terms: dict[tuple[str, ...], Term] = {}
        self.word_counts: Counter[str] = Counter()
        for gram, count in ngrams.items():
            if len(gram) == 1:
                self.word_counts[stem(gram[0])] += count
            else:
                self._add(gram, count)
        self.spinner_words = spinner_words or Counter()
        self._spinner_total = sum(self.spinner_words.values())
        self._clean_total = sum(self.word_counts.values())
        for phrase in extra_terms:
            gram = Words.of(phrase).lowers
            if 2 <= len(gram) <= 3:
                self._add(gram, self.params.min_term_count)
        # Terms by their first two stems, in table order: the terms in a window's reach are looked
        # up through each pair of its first two words' options (see _in_reach), not found by
        # walking every term that starts with an option (thousands start with "data").
        self._by_head: dict[tuple[str, str], list[tuple[str, ...]]] = defaultdict(list)
        for key, term in self.terms.items():
            if term.count >= self.params.min_term_count:
                self._by_head[key[:2]].append(key)
        self._rank = {key: n for n, key in enumerate(self.terms)}
        self._pmi: BoundedMemo[tuple[str, ...], float] = BoundedMemo(READINGS_MEMO)
        self._readings: BoundedMemo[tuple[Any, ...], Readings] = BoundedMemo(READINGS_MEMO)

    def _add(self, gram: tuple[str, ...], count: int) -> None:
        # Keyed by stems so "neural networks" and "neural network" are one term; the commonest
        # wording is the one suggested.
        key = tuple(stem(w) for w in gram)
        old = self.terms.get(key)
        if old is None:
            self.terms[key] = Term(count, gram)
        else:
            surface = gram if count > old.count else old.surface
            self.terms[key] = Term(old.count + count, surface)

    def options(self, word: str) -> dict[str, tuple[float, bool]]:
        """stem of a possible original -> (channel log-probability, learned from the list?)."""
        out: dict[str, tuple[float, bool]] = {}
        learned = self.channel.get(stem(word))
        if learned:
            total = sum(learned.values())
            for original, n in learned.items():
                out[stem(original)] = (math.log(n / total), True)
        k = 0
        for c in self.lexicon.candidates(word):
            if " " in c.original:
                continue
            s = stem(c.original)
            if s not in out and s != stem(word):
                out[s] = (c.logq, False)
            k += 1
            if k >= self.params.options_per_word:
                break
        return out

    def pmi(self, gram: tuple[str, ...]) -> float:
        """Mean association of each word with the ones before it, in the trigram model (nats)."""
        hit = self._pmi.get(gram)
        if hit is None:
            parts = [self.lm.logprob(w, gram[:i]) - self.lm.unigram(w) for i, w in enumerate(gram) if i]
            hit = self._pmi.remember(gram, sum(parts) / len(parts))
        return hit

    def spinner_odds(self, word_stem: str) -> float:
        """How much likelier the word is among tortured phrases' swapped words than in clean
        abstracts (natural log of the ratio); -inf for a word too rarely seen swapped."""
        n = self.spinner_words.get(word_stem, 0)
        if n < self.params.min_spinner_count or not self._clean_total:
            return -math.inf
        return (math.log((n + 0.1) / self._spinner_total)
                - math.log((self.word_counts.get(word_stem, 0) + 1) / self._clean_total))

    def _is_term(self, gram: tuple[str, ...], stems: tuple[str, ...]) -> bool:
        """A known term, or words the language model already expects together: never flagged."""
        own = self.terms.get(stems)
        return (own is not None and own.count >= self.params.min_term_count) \
            or self.pmi(gram) >= self.params.max_observed_pmi

    def features(self, gram: tuple[str, ...], key: tuple[str, ...], channel: float,
                 learned: int) -> list[float]:
        """The logistic model's inputs for reading ``gram`` as the term ``key``."""
        term = self.terms.get(key)
        swapped = sum(a != b for a, b in zip(key, (stem(w) for w in gram), strict=True))
        surface = term.surface if term else key
        return [math.log1p(term.count if term else 0), min(self.pmi(surface), 10.0),
                min(self.pmi(gram), 10.0), channel, float(learned), swapped / len(gram),
                float(len(gram) == 3)]

    def probability(self, x: Sequence[float]) -> float:
        p = self.params
        z = p.bias + sum(p.weights[name] * v for name, v in zip(FEATURES, x, strict=True))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def readings(self, gram: tuple[str, ...]) -> Readings:
        """Every known term one channel step from ``gram``, with its features.

        Remembered per sequence: the model reads each window at two lengths,
        deep mode reads the text again at its lower bars, and scientific
        prose repeats its sequences. The answer depends on the settings
        that choose options and terms, not on the weights or bars, so those
        settings are part of the key.
        """
        p = self.params
        key = (gram, p.options_per_word, p.min_term_count, p.max_observed_pmi)
        hit = self._readings.get(key)
        if hit is None:
            hit = self._readings.remember(key, tuple((k, tuple(x)) for k, x in self._read_terms(gram)))
        return hit

    def _read_terms(self, gram: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], list[float]]]:
        stems = tuple(stem(w) for w in gram)
        if len(gram) < 2 or self._is_term(gram, stems):
            return
        # A function word inside a term stays itself: "packages for statistics" is no "set of data".
        opts = [{s: (0.0, False)} if w in STOPWORDS else {s: (0.0, False), **self.options(w)}
                for s, w in zip(stems, gram, strict=True)]
        for key in self._in_reach(stems, opts):
            yield self._reading(gram, stems, key, [o[s] for o, s in zip(opts, key, strict=True)])

    def _in_reach(self, stems: tuple[str, ...], opts: Sequence[Container[str]]) -> Iterator[tuple[str, ...]]:
        """Known terms of as many words as ``stems`` (two or three), other than ``stems`` itself,
        whose every word is among its place's ``opts``: by the first word's options in their
        order, in table order within each."""
        for first in opts[0]:
            keys = [k for second in opts[1] for k in self._by_head.get((first, second), ())
                    if len(k) == len(stems) and k != stems and (len(k) == 2 or k[2] in opts[2])]
            yield from sorted(keys, key=self._rank.__getitem__)

    def _reading(self, gram: tuple[str, ...], stems: tuple[str, ...], key: tuple[str, ...],
                 steps: list[tuple[float, bool]]) -> tuple[tuple[str, ...], list[float]]:
        """``gram`` read as the term ``key`` through the channel ``steps`` (one per word)."""
        channel = sum(step[0] for step in steps)
        learned = sum(1 for step, s, o in zip(steps, key, stems, strict=True) if step[1] and s != o)
        return key, self.features(gram, key, channel, learned)

    def find(self, text: str, words: Words | None = None) -> Iterator[tuple[Span, dict[str, Any]]]:
        """Flagged sequences as spans (``original`` is the restored term, or None where a spinner's
        word has no original on the list) with their details."""
        words = words or Words.of(text)
        lowers = words.lowers
        next_free = 0
        for i in range(len(lowers)):
            if i < next_free:
                continue
            best: tuple[float, int, tuple[str, ...]] | None = None
            shaped = [n for n in (3, 2)
                      if i + n <= len(lowers) and _term_shaped(lowers[i:i + n], text, words, i)]
            for n in shaped:
                for key, x in self.readings(lowers[i:i + n]):
                    prob = self.probability(x)
                    if best is None or prob > best[0]:
                        best = (prob, n, key)
            if best is not None and best[0] >= self.params.threshold:
                prob, n, key = best
                term = self.terms.get(key)
                at, n, expected = self._extended(text, words, i, n, " ".join(term.surface if term else key),
                                                 next_free)
                span = self._span(text, words, at, n, expected, prob)
                yield span, {"source": "model", "evidence": "term", "term_count": term.count if term else 0}
                next_free = at + n
                continue
            for n in shaped:
                found = self._spinner_find(text, words, i, n, next_free)
                if found is not None:
                    yield found
                    next_free = max(i + n, bisect.bisect_left(words.starts, found[0].end))
                    break

    def _spinner_find(self, text: str, words: Words, i: int, n: int,
                      floor: int = 0) -> tuple[Span, dict[str, Any]] | None:
        """A finding if the sequence of ``n`` words at ``i`` holds a spinner's word and is no term.

        A word at ``spinner_threshold`` gives the sequence away by itself; one
        at ``spinner_term_threshold`` only with a reading the table knows, in
        which no other word changed. A second spinner-like word adds
        ``spinner_second_weight`` times its odds to the first's. The span and
        reading are those of the best window around the likeliest word (see
        :meth:`_spinner_reading`).
        """
        p = self.params
        odds = sorted(((self.spinner_odds(s), k) for k, s in enumerate(words.stems[i:i + n])),
                      key=lambda x: (-x[0], x[1]))
        top = odds[0][0]
        evidence = top + p.spinner_second_weight * max(0.0, odds[1][0])
        if evidence < min(p.spinner_threshold, p.spinner_term_threshold) \
                or not self._may_flag(text, words, i, n):
            return None
        alone = evidence >= p.spinner_threshold
        bar = p.spinner_threshold if alone else p.spinner_term_threshold
        # Where a second word lifted the likeliest to the bar, both are read as the spinner's. On the
        # tuning half's folds, against the likeliest alone: recall 0.185 -> 0.191, exact 32.6% ->
        # 33.5%, and 4.0 flags per 1,000 clean tuning abstracts instead of 4.5.
        word_bar = bar if top >= bar else min(top, odds[1][0])
        found = self._spinner_reading(text, words, i, n, i + odds[0][1], word_bar, alone)
        if found is None:
            return None
        at, size, expected = self._extended(text, words, *found, floor)
        # The margin over the threshold, as odds: a ranking, not a calibrated probability.
        score = 1.0 / (1.0 + math.exp(-(evidence - bar)))
        swapped = [w for w, s in zip(words.lowers[at:at + size], words.stems[at:at + size], strict=True)
                   if self.spinner_odds(s) >= word_bar]
        return (self._span(text, words, at, size, expected, score),
                {"source": "model", "evidence": "spinner_words", "spinner_words": swapped})

    def _spinner_reading(self, text: str, words: Words, i: int, n: int, w: int, bar: float,
                         alone: bool) -> tuple[int, int, str | None] | None:
        """(first word, length, suggested original) of the finding around the spinner's word at
        ``w``, flagged in the ``n`` words at ``i``; words at ``bar`` count as the spinner's.

        Of the term-shaped windows of two or three words from ``i`` on that
        hold ``w``, the one with the best reading the table knows is taken, as
        that term: every spinner's word in it swapped back as the list has
        shown, as few of the other words as can be ("ceaseless variable" ->
        "continuous variable"), a longer window before a shorter one. Failing
        that, if the word may stand ``alone``, two words: with another
        spinner's word if one is beside ``w``, else ``w`` and the word before
        it, else the word after it (on the tuning half a term's modifier came
        before its swapped head more often than the next word belonged to the
        term), each spinner's word (or word at ``extend_threshold``) read as
        the original the list shows most often for it; None otherwise.
        """
        lowers, stems = words.lowers, words.stems
        windows = [(at, size) for size in (3, 2) for at in range(max(i, w - size + 1), w + 1)
                   if at + size <= len(lowers) and self._may_flag(text, words, at, size)]
        best: tuple[tuple[int, int, int, int, tuple[str, ...]], int, int, tuple[str, ...]] | None = None
        for at, size in windows:
            for key, (others, count, seen) in self._known_readings(stems[at:at + size], bar):
                # Equal terms go to the one whose swaps the list shows most often, then to the
                # term itself: never to the order a set of strings happens to iterate in, which
                # changes from process to process.
                rank = (-others, size, count, seen, key)
                if (alone or not others) and (best is None or rank > best[0]):
                    best = (rank, at, size, key)
        if best is not None:
            _, at, size, key = best
            return at, size, " ".join(self.terms[key].surface)
        if not alone:
            return None
        pairs = [at for at, size in windows if size == 2]
        if pairs:
            at = max(pairs, key=lambda a: (sum(self.spinner_odds(s) >= bar for s in stems[a:a + 2]), -a))
            size = 2
        else:
            at, size = i, n
        gram = lowers[at:at + size]
        inner = min(bar, self.params.extend_threshold)
        readings = [self._likeliest_original(x, s) if self.spinner_odds(s) >= inner else x
                    for x, s in zip(gram, stems[at:at + size], strict=True)]
        return at, size, " ".join(readings) if readings != list(gram) else None

    def _extended(self, text: str, words: Words, at: int, size: int, expected: str | None,
                  floor: int) -> tuple[int, int, str | None]:
        """A finding grown over the spinner's words beside it: (first word, length, original).

        A window holds two or three words, so a longer tortured phrase was
        found in part ("fluffy derivation" of "fluffy derivation framework").
        A neighbouring word whose spinner odds reach ``extend_threshold`` and
        that the list shows swapped, in the same clause and not before
        ``floor`` (the end of the finding before), joins the finding, read as
        the original the list shows most often for it; after, then before,
        up to ``extend_to`` words.
        """
        p = self.params
        if expected is None or p.extend_threshold >= 99.0:
            return at, size, expected
        reading = expected.split()
        if len(reading) != size:
            return at, size, expected

        def joins(k: int, start: int) -> bool:
            s = words.stems[k]
            return (self.spinner_odds(s) >= p.extend_threshold and bool(self.channel.get(s))
                    and _term_shaped(words.lowers[start:start + size + 1], text, words, start))

        while size < p.extend_to:
            if at + size < len(words.lowers) and joins(at + size, at):
                reading.append(self._likeliest_original(words.lowers[at + size], words.stems[at + size]))
            elif at - 1 >= floor and joins(at - 1, at - 1):
                at -= 1
                reading.insert(0, self._likeliest_original(words.lowers[at], words.stems[at]))
            else:
                break
            size += 1
        return at, size, " ".join(reading)

    def _may_flag(self, text: str, words: Words, at: int, size: int) -> bool:
        """Whether the ``size`` words at ``at`` are term-shaped content words and no known term.

        Content words only: a spinner's word alone must not pull a clause's "of the" into a finding.
        """
        gram = words.lowers[at:at + size]
        return not any(x in STOPWORDS for x in gram) and _term_shaped(gram, text, words, at) \
            and not self._is_term(gram, words.stems[at:at + size])

    def _known_readings(self, stems: tuple[str, ...],
                        bar: float) -> Iterator[tuple[tuple[str, ...], tuple[int, int, int]]]:
        """Terms the table knows that the words of ``stems`` read as with every word at ``bar``
        swapped back and any other kept or swapped, by the list's word-by-word swaps only (the
        thesauri's many synonyms make some term of nearly any pair of words), each with how many
        other words changed, the term's count and how often the list shows its swaps."""
        swapped = [self.spinner_odds(s) >= bar for s in stems]
        opts: list[Counter[str]] = []
        for s, sw in zip(stems, swapped, strict=True):
            seen: Counter[str] = Counter()
            for original, n in self.channel.get(s, {}).items():
                seen[stem(original)] += n
            if not sw:
                seen[s] += 0
            opts.append(seen)
        for key in self._in_reach(stems, opts):
            others = sum(k != s and not sw for k, s, sw in zip(key, stems, swapped, strict=True))
            shown = sum(o[k] for k, o in zip(key, opts, strict=True))
            yield key, (others, self.terms[key].count, shown)

    def _likeliest_original(self, word: str, word_stem: str) -> str:
        """The original the list shows most often for a swapped word (the word itself if none)."""
        learned = self.channel.get(word_stem)
        return learned.most_common(1)[0][0] if learned else word

    @staticmethod
    def _span(text: str, words: Words, i: int, n: int, expected: str | None, score: float) -> Span:
        start, end = words.starts[i], words.ends[i + n - 1]
        found = text[start:end]
        original = match_case(found, expected) if expected else None
        return Span(start, end, found, original, round(score, 4), LABEL)


def _term_shaped(gram: tuple[str, ...], text: str, words: Words, i: int) -> bool:
    """Content words only, all in one clause: no stop word at either end, no punctuation between
    (quotation marks included, LaTeX's too: a term does not run into or out of a quotation; nor
    across LaTeX markup, as "S}elective" would)."""
    if gram[0] in STOPWORDS or gram[-1] in STOPWORDS or any(not w.isalpha() for w in gram):
        return False
    between = text[words.ends[i]:words.starts[i + len(gram) - 1]]
    return not any(ch in between for ch in _BREAKS) and "''" not in between


_BREAKS = frozenset(".,;:()[]{}$\\!?\n\"`\u201c\u201d\u201e\u00ab\u00bb")


def model_from_entries(entries: Iterable[Entry], params: PhraseParams | None = None) -> PhraseModel:
    """The model that list entries make: their word-by-word channel, their expected phrases as
    extra terms and their spinner words, beside the n-gram table and the trigram LM."""
    pairs = [(e.tortured, e.expected_term) for e in entries]
    return PhraseModel(load_ngrams(), default_lexicon(), default_scorer(), learn_channel(pairs),
                       params or load_params(), extra_terms=[expected for _, expected in pairs],
                       spinner_words=learn_spinner_words(pairs))


@cache
def default_phrase_model() -> PhraseModel:
    """The shipped model: made from the built-in list, with the shipped settings."""
    from .tortured_list import builtin_list

    return model_from_entries(builtin_list().entries)
