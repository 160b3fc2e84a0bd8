"""Fingerprints that survive synonym swaps, for finding the source of a spun copy.

A spinner rewrites content words and leaves the function words alone ("the
Great Hall of the Individuals" keeps "the ... of the"). So a document's
*skeleton* keeps every function word and reads each run of other words as
one wildcard; shingles of the skeleton are hashed, and winnowing keeps the
smallest hash of every window, so that any shared stretch long enough is
sure to share a fingerprint while the index stores only a fraction of the
shingles. Collapsing runs makes a phrase rewrite ("visit" -> "go to") cost
one shingle or two, not a whole window.

The hash function is injectable (any ``bytes -> int``), as in datasketch.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence

from .langdata import STOPWORDS

WILDCARD = "*"
#: Skeleton symbols per shingle, and shingles per winnowing window.
SHINGLE = 9
WINDOW = 4
#: A shingle needs this many function words to say anything about its document.
MIN_FUNCTION_WORDS = 4


def blake64(data: bytes) -> int:
    """A signed 64-bit hash (the range of an SQLite integer)."""
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "little", signed=True)


#: Words for fingerprinting: letters runs and digit runs of the lower-cased text. Cruder than
#: :func:`unspin.text.tokenize` and ten times faster; index and query read text the same way.
_WORD = re.compile(r"[^\W\d_]+|\d+")


def words(text: str) -> list[str]:
    """The text's lower-cased words, as fingerprinting reads them."""
    return _WORD.findall(text.lower())


def skeleton(tokens: Sequence[str]) -> list[str]:
    """Function words as themselves, each run of other words (and numbers) as one wildcard."""
    symbols: list[str] = []
    for low in tokens:
        if low in STOPWORDS:
            symbols.append(low)
        elif not symbols or symbols[-1] != WILDCARD:
            symbols.append(WILDCARD)
    return symbols


def shingles(syms: Sequence[str], hashfunc: Callable[[bytes], int] = blake64) -> list[tuple[int, int]]:
    """(hash, index of the first symbol) of every informative shingle of a skeleton."""
    out = []
    for i in range(len(syms) - SHINGLE + 1):
        window = syms[i : i + SHINGLE]
        if sum(s != WILDCARD for s in window) >= MIN_FUNCTION_WORDS:
            out.append((hashfunc(" ".join(window).encode("utf-8")), i))
    return out


def winnow(hashed: Sequence[tuple[int, int]], window: int = WINDOW) -> list[tuple[int, int]]:
    """The smallest hash of every ``window`` consecutive shingles (rightmost on ties), each once."""
    if len(hashed) <= window:
        return sorted(set(hashed), key=lambda h: h[1])
    picked: dict[int, tuple[int, int]] = {}
    for i in range(len(hashed) - window + 1):
        best = min(hashed[i : i + window], key=lambda h: (h[0], -h[1]))
        picked[best[1]] = best
    return [picked[k] for k in sorted(picked)]


def fingerprints(text: str, hashfunc: Callable[[bytes], int] = blake64) -> list[int]:
    """The winnowed skeleton-shingle hashes of a text, in text order (repeats kept once)."""
    seen: set[int] = set()
    out = []
    for h, _ in winnow(shingles(skeleton(words(text)), hashfunc)):
        if h not in seen:
            seen.add(h)
            out.append(h)
    return out
