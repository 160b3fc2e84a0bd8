"""The channel: which originals could have produced an observed word, and how likely.

This is the "channel" of the noisy-channel restorer. For every position of
a sentence it proposes *edges*: keep the observed word(s), or read them as a
spinner's rewrite of some original word or phrase (a thesaurus swap, a
numeral rewrite, an inserted filler), each with a log probability.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

import numpy as np

from .inflect import inflect, irregular_phrases, lemmatize
from .langdata import DIGIT_WORDS, FILLERS, NUMBER_WORDS, STOPWORDS
from .lexicon import MEMO_ENTRIES, Candidate, Lexicon, static_score
from .lm import BOS, EOS, Scorer
from .memo import BoundedMemo, word_memo
from .options import Option, Position, Swaps
from .params import Params
from .register import SCIENCE_SHARE, ScienceWords
from .text import Token

if TYPE_CHECKING:
    from .channel_table import ChannelTable




NUMERAL_FEATURES = (0.0, 1.0, 0.0, 0.0)
FILLER_FEATURES = (0.0, 0.0, 1.0, 0.0)
#: Forms an original may take for an observed form. A word read as the past may
#: stand in a participle's slot ("has brought" for "has taken"), and a spinner
#: may write the simple past there too ("has gave"), so its originals come as both.
_READ_AS = {"past": ("past", "participle")}


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
            lemma = lemma_of(low)
            if lemma != low:
                counts[lemma] += 1
    return counts


@word_memo(MEMO_ENTRIES * 10)
def lemmas_of(word: str) -> tuple[str, ...]:
    """Every lemma an analysis of ``word`` gives ("took" -> "take"), the word itself included."""
    return tuple(dict.fromkeys([word, *(lemma for lemma, _ in lemmatize(word))]))


@word_memo(MEMO_ENTRIES * 10)
def lemma_of(word: str) -> str:
    """The lemma of an inflected ``word`` ("years" -> "year"); the word itself otherwise."""
    if " " in word:
        return word
    return next((lemma for lemma, form in lemmatize(word) if form != "base"), word)


class Originals:
    """The possible originals of one observed word or phrase, best static score first.

    Kept per observed form, with what every position needs precomputed: each
    original's channel log probability before the document features, and its
    language model ids at both ends for the pruning bigrams. What only the
    options kept after pruning need (their words and features) is made for
    those alone, since a word has up to 150 originals and 50 are kept.
    """

    __slots__ = ("_gap", "_logq", "_parts", "_words", "base_logq", "first_ids", "labels", "last_ids",
                 "lemmas", "n_words", "originals")

    def __init__(self, originals: tuple[str, ...], lemmas: tuple[str, ...], logq: np.ndarray,
                 freq_gap: np.ndarray, labels: tuple[str, ...], first_ids: np.ndarray, last_ids: np.ndarray,
                 params: Params, n_words: np.ndarray | None = None) -> None:
        """Per option: its wording and that wording's lemma (see :func:`lemma_of`), substitution log
        probability, frequency gap, label, the language model's ids of its first and last word, and
        its number of words (counted here if not given).

        ``freq_gap`` is how much more common the original is than the observed
        word (log scale): spinners tend to trade common words for rarer ones.
        """
        # Tuples, not lists: a process keeps thousands of these, and Python's collector stops
        # tracking tuples of plain values but walks every list at each full collection.
        self.originals = originals
        self.lemmas = lemmas
        self.labels = labels
        self._logq = logq
        self._gap = freq_gap
        self._words: tuple[tuple[str, ...], ...] | None = None
        self._parts: dict[int, tuple[tuple[str, ...], tuple[float, ...], tuple[int, ...]]] = {}
        self.first_ids = first_ids
        self.last_ids = last_ids
        #: How many words each original has (the first pass scores those of one or two in bulk).
        self.n_words = n_words if n_words is not None else np.fromiter(
            (o.count(" ") + 1 for o in originals), dtype=np.int64, count=len(originals))
        # The document features enter logq linearly (see Params.logq), so they are added later;
        # Params.logq reads a feature-by-option array as it reads one option's features.
        self.base_logq = params.logq((logq, 0.0, 0.0, freq_gap, 0.0, 0.0))

    @property
    def freq_gaps(self) -> np.ndarray:
        """Each option's frequency gap (see ``__init__``)."""
        return self._gap

    def features(self, k: int) -> tuple[float, float, float, float]:
        """Option k's features before the document ones (see FEATURES)."""
        return (float(self._logq[k]), 0.0, 0.0, float(self._gap[k]))

    def parts(self, k: int) -> tuple[tuple[str, ...], tuple[float, ...], tuple[int, ...]]:
        """Option k's words, features before the document ones, and the words' LM ids where at hand.

        Made on first use and kept: a common word's options are asked for in
        document after document.
        """
        found = self._parts.get(k)
        if found is None:
            words = tuple(self.originals[k].split())
            n = len(words)
            ids = ((int(self.first_ids[k]),) if n == 1 else
                   (int(self.first_ids[k]), int(self.last_ids[k])) if n == 2 else ())
            found = self._parts[k] = (words, self.features(k), ids)
        return found

    @property
    def words(self) -> tuple[tuple[str, ...], ...]:
        """Each original as a tuple of words (made on first use: the pruned options need only theirs)."""
        if self._words is None:
            self._words = tuple(tuple(orig.split()) for orig in self.originals)
        return self._words

    def __len__(self) -> int:
        return len(self.originals)

    def in_document(self, counts: Mapping[str, int], present: set[str]) -> np.ndarray:
        """Per original: log(1 + its occurrences, or its lemma's, in the document)."""
        out = np.zeros(len(self.originals))
        # Most originals are nowhere in the document: intersections in C find the few that are, and
        # a map in C their places (a word has up to 150 originals, and most documents hit one).
        lemma_hits = present.intersection(self.lemmas)
        if lemma_hits:
            lemmas = self.lemmas
            found = np.fromiter(map(lemma_hits.__contains__, lemmas), dtype=bool, count=len(lemmas))
            for k in np.flatnonzero(found).tolist():
                out[k] = math.log1p(counts[lemmas[k]])
        # An original's own count, where it has one, comes before its lemma's (originals are unique).
        for orig in present.intersection(self.originals):
            out[self.originals.index(orig)] = math.log1p(counts[orig])
        return out


#: One group of swap options at a token: (originals, end token, whether the observed word repeats in
#: the document, label or None to keep each option's own).
Group = tuple[Originals, int, float, "str | None"]

_NONE = np.zeros(0)
_NO_IDS = np.zeros(0, dtype=np.int64)
_NO_ORIGINALS = Originals((), (), _NONE, _NONE, (), _NO_IDS, _NO_IDS, Params())


class Channel:
    """Proposes originals for observed tokens, using the compiled lexicon and inflection."""

    def __init__(self, lexicon: Lexicon, params: Params, scorer: Scorer) -> None:
        self.lexicon = lexicon
        self.params = params
        self.lm = scorer
        self._memo: BoundedMemo[str, Originals] = BoundedMemo(MEMO_ENTRIES)
        #: Every vocabulary word's originals worked out ahead (see unspin.channel_table); None: as met.
        self.table: ChannelTable | None = None
        self._science: ScienceWords | None = None

    def reads_as_science(self, tokens: list[Token]) -> bool:
        """Whether a document is scientific prose: enough of its content words are words of
        science (see :mod:`unspin.register`) for them to be guarded in it."""
        if self.params.science_ratio >= 99.0:
            return False
        return self._science_words().share(tokens) >= SCIENCE_SHARE

    def guarded(self, tokens: list[Token], i: int, lo: int, science: bool) -> bool:
        """Whether token i of the sentence starting at ``lo`` is guarded: read as a name, or, in a
        document that ``science`` says :meth:`reads_as_science`, a word of science; swapping it
        costs ``name_penalty``."""
        return reads_as_name(tokens, i, lo) or (science and tokens[i].lower in self._science_words())

    def _science_words(self) -> ScienceWords:
        if self._science is None:
            self._science = ScienceWords(self.lm, self.params.science_ratio)
        return self._science

    def originals(self, observed: str) -> Originals:
        """The possible originals of a lower-cased observed word or phrase, inflection included."""
        hit = self._memo.get(observed)
        if hit is not None:
            return hit
        if self.table is not None and " " not in observed:
            wid = int(self.lm.word_ids([observed])[0])
            if wid >= 0:
                found = self.table.originals(wid, self.lm.unigram(observed), self.params)
                return self._memo.remember(observed, found)
        ranked = self.ranked(observed)
        if ranked is None:
            # Most word runs are no thesaurus entry; not memoising them keeps the memo for real ones.
            return _NO_ORIGINALS
        obs_uni = sum(self.lm.unigram(w) for w in observed.split())
        originals = tuple(orig for orig, _, _ in ranked)
        words = [orig.split() for orig in originals]
        logq = np.array([c.logq for _, c, _ in ranked])
        freq_gap = np.array([c.unigram for _, c, _ in ranked]) - obs_uni
        found = Originals(originals, tuple(map(lemma_of, originals)), logq, freq_gap,
                          tuple(lab for _, _, lab in ranked), self.lm.word_ids([w[0] for w in words]),
                          self.lm.word_ids([w[-1] for w in words]), self.params)
        return self._memo.remember(observed, found)

    def ranked(self, observed: str) -> list[tuple[str, Candidate, str]] | None:
        """(original, its lexicon candidate, label) for each possible original, best static score first.

        None for a word run that is no thesaurus entry in any inflection.
        """
        if " " in observed and not self._may_be_phrase(observed):
            return None
        analyses = lemmatize(observed)
        if " " in observed and observed not in self.lexicon.phrases and not any(
                lemma in self.lexicon.phrases for lemma, _ in analyses):
            return None
        found: dict[str, tuple[float, Candidate, str]] = {}
        label = "phrase_swap" if " " in observed else "synonym_swap"

        def add(original: str, c: Candidate) -> None:
            if original == observed:
                return
            key = static_score(c)
            if original not in found or found[original][0] < key:
                found[original] = (key, c, "phrase_swap" if " " in original else label)

        for c in self.lexicon.candidates(observed):
            add(c.original, c)
        for lemma, form in analyses:
            # A form that is its own lemma still reads in that form: "read" as the past of "read"
            # gives past originals ("said"), which the base reading above does not.
            if form == "base":
                continue
            found_for_lemma = self.lexicon.candidates(lemma)
            for as_form in _READ_AS.get(form, (form,)):
                inflected = self._inflected([c.original for c in found_for_lemma], as_form)
                for c, original in zip(found_for_lemma, inflected, strict=True):
                    if original is not None:
                        add(original, c)
        ranked = sorted(found.items(), key=lambda kv: kv[1][0], reverse=True)
        return [(orig, c, lab) for orig, (_, c, lab) in ranked]

    def _may_be_phrase(self, observed: str) -> bool:
        """False for a word run that no analysis can make a phrase entry, told without analysing it.

        Most runs the channel asks about are no entry, and analysing each took a
        twentieth of the fast path's time. An analysis changes a phrase's first
        word or its last (see :func:`unspin.inflect.irregular_phrases`), so one of
        those words' own analyses, with the rest of the run, must be an entry; a
        single word's analyses are memoised and shared by every run it starts.
        """
        phrases = self.lexicon.phrases
        first, rest = observed.split(" ", 1)
        if any(f"{lemma} {rest}" in phrases for lemma, _ in lemmatize(first)):
            return True
        head, last = observed.rsplit(" ", 1)
        if any(f"{head} {lemma}" in phrases for lemma, _ in lemmatize(last)):
            return True
        return observed in phrases or observed in irregular_phrases()

    def _inflected(self, originals: list[str], form: str) -> list[str | None]:
        """Thesaurus originals put in ``form``; None for each where that makes no word.

        Thesauri list inflected words too ("troops", "series"), and inflecting
        those again gives words the language model does not know ("troopses").
        Such an original is left out rather than kept as it is: as it is, it
        would be a real word of the wrong form, which made more false changes
        on the tuning texts (3.8 against 2.8 per 1,000 words). The words are
        looked up in one call per list: the channel table ranks every
        vocabulary word's originals, and a call per original doubled its
        build time.
        """
        out: list[str | None] = [inflect(o, form) for o in originals]
        # In a phrase, only the word that was inflected is judged ("small arms" -> "small armses").
        changed = [(k, a, b) for k, (o, new) in enumerate(zip(originals, out, strict=True))
                   if new != o and new.count(" ") == o.count(" ")
                   for a, b in zip(new.split(" "), o.split(" "), strict=True) if a != b]
        if changed:
            known = self.lm.word_ids([w for _, a, b in changed for w in (a, b)]).reshape(-1, 2)
            for (k, _, _), (new_id, old_id) in zip(changed, known.tolist(), strict=True):
                if new_id < 0 <= old_id:
                    out[k] = None
        return out

    def _option(self, i: int, j: int, words: tuple[str, ...], x: tuple[float, ...], label: str) -> Option:
        return Option(i, j, words, self.params.logq((*x, 0.0, 0.0)), label, (*x, 0.0, 0.0))

    def positions(self, tokens: list[Token], lo: int, hi: int, counts: Mapping[str, int],
                  science: bool = False) -> list[Position]:
        """Swap options for every token of the sentence tokens[lo:hi] that has any.

        ``counts`` are the document's word counts (see :func:`document_counts`); ``science``,
        whether the document :meth:`reads_as_science`.
        """
        out: list[Position] = []
        present = set(counts)
        pending: list[tuple[Position, list[Group]]] = []
        for i in range(lo, hi):
            tok = tokens[i]
            low = tok.lower
            pos = Position(i, guarded=self.guarded(tokens, i, lo, science))
            if tok.kind == "number":
                word = DIGIT_WORDS.get(low)
                if word:
                    pos.options.append(self._option(i, i + 1, (word,), NUMERAL_FEATURES, "numeral_swap"))
            elif tok.kind == "word" and not is_acronym(tok):
                if low in NUMBER_WORDS:
                    pos.options.append(
                        self._option(i, i + 1, (NUMBER_WORDS[low],), NUMERAL_FEATURES, "numeral_swap"))
                if low in FILLERS:
                    pos.options.append(self._option(i, i + 1, (), FILLER_FEATURES, "inserted_filler"))
                groups: list[Group] = []
                if low not in STOPWORDS:
                    groups.append((self.originals(low), i + 1, float(counts.get(low, 0) > 1), None))
                # An inflected first word starts its lemma's phrases: "took care of" is "take care of".
                span = max(self.lexicon.phrase_starts.get(w, 1) for w in lemmas_of(low))
                for n in range(2, span + 1):
                    j = i + n
                    # A phrase swap never takes in a name: "James Clerk Maxwell" at a sentence's start
                    # is no spinner's rewrite of WordNet's "Maxwell", though shortening it reads better.
                    if j > hi or tokens[j - 1].kind != "word" or reads_as_name(tokens, j - 1, lo):
                        break
                    phrase = " ".join(t.lower for t in tokens[i:j])
                    groups.append((self.originals(phrase), j, 0.0, "phrase_swap"))
                groups = [g for g in groups if len(g[0])]
                if groups:
                    pending.append((pos, groups))
            if pos.options or (pending and pending[-1][0] is pos):
                out.append(pos)
        self._add_swaps(pending, tokens, lo, hi, counts, present)
        return out

    def _add_swaps(self, pending: list[tuple[Position, list[Group]]], tokens: list[Token], lo: int, hi: int,
                   counts: Mapping[str, int], present: set[str]) -> None:
        """Add each pending position's swap options, cut to those that best fit their neighbours.

        Common observed words have hundreds of possible originals; the trigram
        decoder only looks at the few that read well next to the words around,
        by a cheap bigram score, every position of the sentence in one batch.
        The kept ones go to the position as columns (:class:`unspin.options.Swaps`).
        """
        p = self.params
        keep = p.max_candidates
        # Per position: its channel scores before the cut, document features and size per group,
        # and the words around it (for positions with more candidates than are kept).
        scored = []
        context: list[str] = []
        for pos, groups in pending:
            in_doc = [g[0].in_document(counts, present) for g in groups]
            logq = np.concatenate([(g[0].base_logq + p.w_in_document * d) + p.w_observed_repeats * g[2]
                                   for g, d in zip(groups, in_doc, strict=True)])
            scored.append((logq, in_doc, [len(g[0]) for g in groups]))
            if len(logq) > keep:
                i = pos.index
                context.append(tokens[i - 1].lower if i > lo and tokens[i - 1].kind == "word" else BOS)
                context.extend(tokens[j].lower if j < hi and tokens[j].kind == "word" else EOS
                               for _, j, _, _ in groups)
        fits = self._fits(pending, scored, self.lm.word_ids(context)) if context else iter(())
        for (pos, groups), (logq, in_doc, sizes) in zip(pending, scored, strict=True):
            n = len(logq)
            chosen = _cut(next(fits), sizes, keep, p.reserve_per_group) if n > keep else np.arange(n)
            pos.swaps = Swaps(pos.index, groups, [d.tolist() for d in in_doc], chosen, logq)

    def _fits(self, pending: list[tuple[Position, list[Group]]],
              scored: list[tuple[np.ndarray, list, list[int]]], context: np.ndarray) -> Iterator[np.ndarray]:
        """Per position with more candidates than are kept, in order: each candidate's fit.

        The fit is the channel score plus the bigrams (previous word, first word)
        and (last word, next word); ``context`` holds, per such position, the
        previous word's id, then the next word's id after each group.
        """
        keep = self.params.max_candidates
        lefts, rights, spans = [], [], []
        at = 0
        for (_, groups), (logq, _, sizes) in zip(pending, scored, strict=True):
            n = len(logq)
            if n <= keep:
                continue
            lefts += [np.full(n, context[at]), *(g[0].last_ids for g in groups)]
            after = context[at + 1 : at + 1 + len(groups)]
            rights += [*(g[0].first_ids for g in groups), np.repeat(after, sizes)]
            spans.append(n)
            at += 1 + len(groups)
        left = np.concatenate(lefts)
        # One pass for both bigrams of every option: (prev, first word) and (last word, next).
        scores = self.lm.batch_ids(np.full(len(left), -1), left, np.concatenate(rights))
        k = 0
        pruned = (logq for logq, _, _ in scored if len(logq) > keep)
        for n, logq in zip(spans, pruned, strict=True):
            yield scores[k : k + n] + scores[k + n : k + 2 * n] + logq
            k += 2 * n


def _cut(fit: np.ndarray, sizes: list[int], keep: int, reserve: int) -> np.ndarray:
    """The options kept at a position, best fit first: the ``keep`` best, and each group's
    ``reserve`` best besides.

    Without the reserve, a common first word's own originals (150 for "go") crowded out every
    reading of the phrase it starts ("go to" for "visit"). A stable sort on the negated fit keeps
    the first of equal options.
    """
    order = np.argsort(-fit, kind="stable")
    if len(sizes) == 1:
        return order[: max(keep, reserve)]
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    ends = np.cumsum(sizes)
    best_of_group = [np.sort(rank[end - size : end])[:reserve] for end, size in zip(ends, sizes, strict=True)]
    return order[np.union1d(np.arange(min(keep, len(order))), np.concatenate(best_of_group))]


def is_acronym(tok: Token) -> bool:
    """An all-capitals word ("NATO", "US"): never read as a synonym swap."""
    return len(tok.text) > 1 and tok.text.isupper()


def reads_as_name(tokens: list[Token], i: int, lo: int) -> bool:
    """Token i of the sentence starting at ``lo`` is capitalised where a name would be."""
    return tokens[i].is_capitalized and i > lo and not _after_quote(tokens, i, lo)


def _after_quote(tokens: list[Token], i: int, lo: int) -> bool:
    """A capital right after an opening quote or colon starts a quoted sentence, not a name."""
    prev = tokens[i - 1].text if i > lo else ""
    return prev in {'"', "“", ":", "(", "'", "‘"}
