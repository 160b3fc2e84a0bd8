"""The reference spinner: rewrites text the way cheap article spinners do.

It exists only to make evaluation data for unspin (spun text with a record of
exactly what was changed); it is not a paraphrasing tool. It swaps content
words and phrases for random thesaurus synonyms, re-inflected to the observed
form, and can also rewrite numerals and insert filler words as real spinners
do. Every change is recorded as a :class:`Swap` with offsets into both the
input and the output, and everything else is copied verbatim.
"""

from __future__ import annotations

import functools
import random
import re
import weakref
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar

from .inflect import FORM_POS, VERB_FORMS, inflect, lemma_pos, lemmatize
from .langdata import (
    BETWEEN_AUXILIARY_AND_PARTICIPLE,
    NUMERALS,
    PARTICIPLE_AUXILIARIES,
    PARTICIPLE_AUXILIARY_ENDINGS,
    SPINNER_FILLERS,
    STOPWORDS,
)
from .text import Token, match_case, sentences, tokenize
from .thesauri import Thesaurus, load_thesaurus

_WORD_RE = re.compile(r"[a-z]+(?:-[a-z]+)*")
_SYN_RE = re.compile(r"[a-z]+(?:[ '-][a-z]+)*")
_T = TypeVar("_T")
_ADJ_FILLERS = (*SPINNER_FILLERS, "very")
KINDS = ("synonym_swap", "phrase_swap", "numeral_swap", "inserted_filler")


@dataclass(frozen=True, slots=True)
class Swap:
    """One change: ``src_*`` index the input, ``out_*`` the spun text.

    An insertion has ``src_start == src_end`` and ``src_text == ""``.
    """

    src_start: int
    src_end: int
    src_text: str
    out_start: int
    out_end: int
    out_text: str
    kind: str

    def to_dict(self) -> dict[str, Any]:
        """The swap as a plain JSON-ready dict."""
        return asdict(self)


@dataclass(slots=True)
class SpinResult:
    """Spun text, its source and the changes that turn one into the other."""

    text: str
    source: str
    swaps: list[Swap] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The result as a plain JSON-ready dict."""
        return {"text": self.text, "source": self.source, "swaps": [s.to_dict() for s in self.swaps]}


@dataclass(slots=True)
class _Unit:
    """A swappable word or phrase: tokens[lo:hi] and its synonym options."""

    lo: int
    hi: int
    options: tuple[str, ...]


# Per-thesaurus caches, dropped with the thesaurus: first word of multi-word
# headwords -> their word counts, and (observed word/phrase, participle slot) -> options.
_PHRASE_INDEX: weakref.WeakKeyDictionary[Thesaurus, dict[str, set[int]]] = weakref.WeakKeyDictionary()
_OPTIONS: weakref.WeakKeyDictionary[Thesaurus, dict[tuple[str, bool], tuple[str, ...]]] = (
    weakref.WeakKeyDictionary())


def _phrase_index(th: Thesaurus) -> dict[str, set[int]]:
    idx = _PHRASE_INDEX.get(th)
    if idx is None:
        idx = {}
        for head in th.headwords():
            if " " in head:
                words = head.split(" ")
                idx.setdefault(words[0], set()).add(len(words))
        _PHRASE_INDEX[th] = idx
    return idx


#: Forms spelt with the same -s: a word that already has one takes neither.
_S_FORMS = frozenset({"plural", "3sg"})


@functools.lru_cache(maxsize=1 << 18)
def _fits(syn: str, form: str) -> bool:
    """True when ``syn`` can take ``form``: the word to inflect is a WordNet lemma of a
    matching part of speech and not already inflected (no "solemns", "fittingses"; no
    "proceedses", whose -s reads as a verb's though the plural is wanted)."""
    if form == "base":
        return True
    words = syn.split(" ")
    word = words[0] if form in VERB_FORMS else words[-1]
    if lemma_pos(word).isdisjoint(FORM_POS[form]):
        return False
    same = _S_FORMS if form in _S_FORMS else {form}
    return not any(f in same and lemma != word for lemma, f in lemmatize(word))


def _options(th: Thesaurus, observed: str, participle: bool = False) -> tuple[str, ...]:
    """Inflected synonyms of a lower-case word or phrase, from its first analysis that has any.

    ``participle``: the word follows an auxiliary, so a verb spelt alike as
    past and participle ("brought") is a participle and its synonyms take
    that form ("has taken", not "has took").
    """
    memo = _OPTIONS.get(th)
    if memo is None:
        memo = _OPTIONS[th] = {}
    key = (observed, participle)
    hit = memo.get(key)
    if hit is None:
        hit = memo[key] = _find_options(th, observed, participle)
    return hit


def _find_options(th: Thesaurus, observed: str, participle: bool) -> tuple[str, ...]:
    for lemma, form in lemmatize(observed):
        syns = th.get(lemma)
        if not syns:
            continue
        if participle and form == "past":
            form = "participle"
        out: dict[str, None] = {}
        for syn in syns:
            if not _SYN_RE.fullmatch(syn) or not _fits(syn, form):
                continue
            cand = syn if form == "base" else inflect(syn, form)
            if cand != observed and cand != lemma:
                out[cand] = None
        if out:
            return tuple(out)
    return ()


class _Doc:
    """Token-level facts the spinner needs about one input text."""

    def __init__(self, text: str, swap_names: bool) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.initial: set[int] = set()
        for lo, hi in sentences(self.tokens):
            first = next((i for i in range(lo, hi) if self.tokens[i].kind != "punct"), None)
            if first is not None:
                self.initial.add(first)
        self.swap_names = swap_names
        # A word capitalised mid-sentence anywhere is a name at sentence starts too.
        self.names = {
            t.lower for i, t in enumerate(self.tokens) if t.text[:1].isupper() and i not in self.initial
        }
        # Computed once per token: the unit search asks about each token many times.
        self.lowers = [t.lower for t in self.tokens]
        self.word = [self._is_word(i) for i in range(len(self.tokens))]
        self.content = [
            w and low not in STOPWORDS and low not in NUMERALS and len(low) > 1
            for w, low in zip(self.word, self.lowers, strict=True)
        ]

    def after_auxiliary(self, i: int) -> bool:
        """Whether token i follows "has", "was" or the like, with at most two adverbs between."""
        for k in range(i - 1, max(i - 4, -1), -1):
            low = self.lowers[k]
            if low in PARTICIPLE_AUXILIARIES or low.endswith(PARTICIPLE_AUXILIARY_ENDINGS):
                return True
            if low not in BETWEEN_AUXILIARY_AND_PARTICIPLE and not low.endswith("ly"):
                return False
        return False

    def is_name(self, i: int) -> bool:
        """Whether token i looks like a name (and names are protected)."""
        t = self.tokens[i].text
        if self.swap_names or not t[:1].isupper():
            return False
        if len(t) > 1 and t.isupper():
            return True  # acronyms, even sentence-initial
        return i not in self.initial or t.lower() in self.names

    def _is_word(self, i: int) -> bool:
        t = self.tokens[i]
        return t.kind == "word" and bool(_WORD_RE.fullmatch(t.lower)) and not self.is_name(i)

    def is_word(self, i: int) -> bool:
        """A plain lower-case-able word that is not a name."""
        return self.word[i]

    def is_content(self, i: int) -> bool:
        """A word that is not a function word or a number word."""
        return self.content[i]

    def joined(self, i: int, j: int) -> bool:
        """True when tokens i and j are separated by plain spaces on one line."""
        gap = self.text[self.tokens[i].end : self.tokens[j].start]
        return bool(gap) and gap.strip(" \t") == ""


def _units(doc: _Doc, th: Thesaurus) -> tuple[list[_Unit], int]:
    """Swappable units (longest phrase match first) and the number of eligible units."""
    toks = doc.tokens
    index = _phrase_index(th)
    units: list[_Unit] = []
    n_eligible = 0
    i = 0
    while i < len(toks):
        if not doc.is_word(i):
            i += 1
            continue
        unit = None
        low = doc.lowers[i]
        participle = doc.after_auxiliary(i)
        lengths = {n for a in lemmatize(low) for n in index.get(a[0], ())}
        lengths |= index.get(low, set())
        for n in sorted(lengths, reverse=True):
            j = i + n
            if j > len(toks) or not all(doc.is_word(k) and doc.joined(k - 1, k) for k in range(i + 1, j)):
                continue
            if not any(doc.is_content(k) for k in range(i, j)):
                continue
            options = _options(th, " ".join(doc.lowers[i:j]), participle)
            if options:
                unit = _Unit(i, j, options)
                break
        if unit is None and doc.is_content(i):
            unit = _Unit(i, i + 1, _options(th, low, participle))
        if unit is None:
            i += 1
            continue
        n_eligible += 1
        if unit.options:
            units.append(unit)
        i = unit.hi
    return units, n_eligible


def _sample(rng: random.Random, items: list[_T], rate: float, n_eligible: int) -> list[_T]:
    """round(rate * n_eligible) of ``items`` (all of them if fewer), kept in text order."""
    k = min(round(rate * n_eligible), len(items))
    picked = sorted(rng.sample(range(len(items)), k))
    return [items[p] for p in picked]


def _by_word(rng: random.Random, doc: _Doc, units: list[_Unit], rate: float,
             n_eligible: int) -> list[tuple[_Unit, int]]:
    """Whole words (every unit of the same text) in random order until round(rate * n_eligible) units
    are taken, each unit with its word's one choice of synonym, in text order."""
    words: dict[str, list[_Unit]] = {}
    for unit in units:
        words.setdefault(" ".join(doc.lowers[unit.lo:unit.hi]), []).append(unit)
    want = min(round(rate * n_eligible), len(units))
    order = list(words)
    rng.shuffle(order)
    out: list[tuple[_Unit, int]] = []
    for word in order:
        if len(out) >= want:
            break
        group = words[word]
        choice = rng.randrange(len(group[0].options))
        out += [(unit, choice) for unit in group]
    return sorted(out, key=lambda pair: pair[0].lo)


def _filler_target(doc: _Doc, i: int) -> tuple[str, ...] | None:
    """Fillers that may go before token i (a verb or adjective), or None."""
    tok = doc.tokens[i]
    if not doc.is_content(i) or i in doc.initial or i == 0:
        return None
    if doc.text[tok.start - 1 : tok.start] != " " or doc.tokens[i - 1].lower in _ADJ_FILLERS:
        return None
    forms = {form for _, form in lemmatize(tok.lower)}
    if forms & VERB_FORMS and "plural" not in forms:
        return SPINNER_FILLERS
    if forms & {"comparative", "superlative"}:
        return SPINNER_FILLERS  # "very bigger" is not English even for a spinner
    pos = lemma_pos(tok.lower)
    if "adj" in pos and "noun" not in pos:
        return _ADJ_FILLERS
    if pos == {"verb"}:
        return SPINNER_FILLERS
    return None


def spin(
    text: str,
    thesaurus: Thesaurus | str = "moby",
    rate: float = 0.2,
    seed: int = 0,
    *,
    numerals_rate: float = 0.0,
    filler_rate: float = 0.0,
    swap_names: bool = False,
    consistent: bool = False,
) -> SpinResult:
    """Spin ``text`` like a thesaurus-driven article spinner, for making evaluation data.

    Eligible units are content words (not function words, numbers,
    punctuation or, unless ``swap_names``, names: words capitalised
    mid-sentence, wherever they occur, and all-caps acronyms) and
    thesaurus phrases that contain one (longest match first). Exactly
    ``round(rate * eligible units)`` of the units that have a usable synonym
    are swapped (fewer if not enough have one), deterministically for a
    ``seed``. ``numerals_rate`` and ``filler_rate`` are the fractions of
    spelled/digit numerals rewritten and of verb/adjective positions that get
    a filler word inserted.

    ``consistent`` spins like a spinner that looks each word up in a fixed
    table: a word or phrase chosen is swapped wherever it occurs, always for
    the same synonym ("go to" for both of an article's "visit"s). Words are
    chosen until ``round(rate * eligible units)`` units are swapped, so the
    last word chosen may take the count a few units past it.
    """
    for name, value in (("rate", rate), ("numerals_rate", numerals_rate), ("filler_rate", filler_rate)):
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"{name} must be between 0 and 1, got {value}")
    th = load_thesaurus(thesaurus) if isinstance(thesaurus, str) else thesaurus
    rng = random.Random(seed)
    doc = _Doc(text, swap_names)
    toks = doc.tokens
    edits: list[tuple[int, int, str, str]] = []  # src_start, src_end, out_text, kind

    units, n_eligible = _units(doc, th)
    # A filler inside or before a phrase would split or mis-tag it ("a really turning point").
    in_phrase = {k for u in units if u.hi - u.lo > 1 for k in range(u.lo, u.hi)}
    covered: set[int] = set()  # tokens already rewritten
    picked = _by_word(rng, doc, units, rate, n_eligible) if consistent else [
        (unit, rng.randrange(len(unit.options))) for unit in _sample(rng, units, rate, n_eligible)]
    for unit, choice in picked:
        first: Token = toks[unit.lo]
        start, end = first.start, toks[unit.hi - 1].end
        out = match_case(first.text, unit.options[choice % len(unit.options)])
        kind = "phrase_swap" if unit.hi - unit.lo > 1 or " " in out else "synonym_swap"
        edits.append((start, end, out, kind))
        covered.update(range(unit.lo, unit.hi))

    if numerals_rate > 0:
        nums = [
            i
            for i, t in enumerate(toks)
            if t.lower in NUMERALS and i not in covered and (t.kind == "number" or doc.is_word(i))
        ]
        for i in _sample(rng, nums, numerals_rate, len(nums)):
            t = toks[i]
            out = NUMERALS[t.lower]
            out = match_case(t.text, out) if t.kind == "word" else out
            if i in doc.initial and out[:1].islower():
                out = out[:1].upper() + out[1:]
            edits.append((t.start, t.end, out, "numeral_swap"))

    if filler_rate > 0:
        targets = [(i, f) for i in range(len(toks)) if i not in in_phrase and (f := _filler_target(doc, i))]
        for i, choices in _sample(rng, targets, filler_rate, len(targets)):
            pos = toks[i].start
            edits.append((pos, pos, rng.choice(choices) + " ", "inserted_filler"))

    return _apply(text, edits)


def _apply(text: str, edits: list[tuple[int, int, str, str]]) -> SpinResult:
    """Build the spun text and its swap records; insertions go before a swap at the same offset."""
    parts: list[str] = []
    swaps: list[Swap] = []
    pos = 0
    out_len = 0
    for start, end, out, kind in sorted(edits, key=lambda e: (e[0], e[1])):
        gap = text[pos:start]
        parts.append(gap)
        out_len += len(gap)
        parts.append(out)
        swaps.append(Swap(start, end, text[start:end], out_len, out_len + len(out), out, kind))
        out_len += len(out)
        pos = end
    parts.append(text[pos:])
    return SpinResult("".join(parts), text, swaps)
