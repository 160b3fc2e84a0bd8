"""Fast, case- and inflection-insensitive matching of multiword phrases in long texts.

Both the phrases and the text are cut into word tokens (letters and digits;
hyphens, apostrophes and line breaks separate words, as they do in text
pulled out of a PDF) and every token is reduced to a crude stem, the same
way on both sides, so "neural organizations" matches "neural organization".
The stemmer only strips regular English inflections: it has to be
consistent, not linguistically right.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

_WORD = re.compile(r"[^\W_]+")


def stem(word: str) -> str:
    """A lower-case stem without regular plural, past and -ing endings."""
    w = word.lower()
    n = len(w)
    if n > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if n > 4 and w.endswith(("sses", "shes", "ches", "xes", "zes")):
        return w[:-2]
    if n > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    if n > 5 and w.endswith("ing"):
        return w[:-3]
    if n > 4 and w.endswith("ied"):
        return w[:-3] + "y"
    if n > 4 and w.endswith("ed") and not w.endswith("eed"):
        return w[:-2]
    return w


@dataclass(frozen=True, slots=True)
class Words:
    """The word tokens of a text: stems, lower-case forms and character offsets."""

    stems: tuple[str, ...]
    lowers: tuple[str, ...]
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    @classmethod
    def of(cls, text: str) -> Words:
        """Tokenise ``text``; offsets index the exact string given."""
        ms = list(_WORD.finditer(text))
        lowers = tuple(m.group().lower() for m in ms)
        return cls(tuple(stem(w) for w in lowers), lowers, tuple(m.start() for m in ms),
                   tuple(m.end() for m in ms))

    def __len__(self) -> int:
        return len(self.stems)


def phrase_key(phrase: str) -> tuple[str, ...]:
    """The stems a phrase is matched by."""
    return Words.of(phrase).stems


@dataclass(frozen=True, slots=True)
class Hit:
    """Phrase ``key`` found at word positions ``[first, last)``."""

    key: tuple[str, ...]
    first: int
    last: int


class PhraseMatcher:
    """Finds every occurrence of many phrases in one pass over a text's words.

    Phrases are bucketed by their first stem, so each word of the text costs
    one dictionary look-up plus a comparison per phrase starting with it.
    """

    def __init__(self, phrases: Iterable[tuple[str, ...]]) -> None:
        self._by_first: dict[str, set[tuple[str, ...]]] = defaultdict(set)
        for key in phrases:
            if key:
                self._by_first[key[0]].add(key)
        # Longest first, so overlapping entries report the longer phrase first.
        self._ordered = {k: sorted(v, key=len, reverse=True) for k, v in self._by_first.items()}

    def __len__(self) -> int:
        return sum(len(v) for v in self._ordered.values())

    def find(self, words: Words) -> Iterator[Hit]:
        """Every occurrence, in text order (overlaps included)."""
        stems = words.stems
        ordered = self._ordered
        for i, s in enumerate(stems):
            keys = ordered.get(s)
            if keys is None:
                continue
            for key in keys:
                n = len(key)
                if stems[i:i + n] == key:
                    yield Hit(key, i, i + n)
