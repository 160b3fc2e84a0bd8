"""The compiled inverse lexicon: building, look-ups and a damaged cache.

The build mechanics are tested on small stand-in thesauri (compiling from the
real Moby and WordNet takes about 30 s); look-ups of real words use the
default cache, which ``Lexicon()`` compiles from the real thesauri the first
time it is needed on a machine and every later test run reuses.
"""

from __future__ import annotations

import functools
import os
import sqlite3
from pathlib import Path

import pytest
import wordfreq

import unspin.thesauri
from unspin.errors import CacheError, DataError
from unspin.langdata import STOPWORDS
from unspin.lexicon import (
    LEXICON_VERSION,
    MAX_CANDIDATES,
    MOBY_FWD,
    MOBY_REV,
    WORDNET,
    Lexicon,
    build_lexicon,
    cache_dir,
    default_lexicon,
    lexicon_info,
    lexicon_path,
    static_score,
)
from unspin.lm import default_scorer
from unspin.thesauri import Thesaurus

REBUILD = "unspin lexicon build --force"

BASE = {
    "company": ["firm", "business", "corporation"],
    "agency": ["firm", "bureau", "office"],
    "visit": ["go to", "call on", "see"],
    "people": ["individuals", "persons", "folk"],
    "about": ["roughly", "around"],  # a stop word is never offered as an original
    "qzxvbnmw": ["firm"],  # nor is a word the language model does not know
    "Large": ["Huge", "big!"],  # case is folded, unusable entries are dropped
    "fifty": ["l", "half a hundred"],  # single letters are neither originals ...
    "l": ["fifty"],  # ... nor observed entries
}
# WordNet lists every lemma of a synset under every other one.
SMALL_WORDNET = Thesaurus(
    "wordnet-small", {"company": ["firm"], "business": ["firm"], "firm": ["company", "business"]}
)


@functools.cache
def many_heads() -> tuple[str, ...]:
    """More plain words than MAX_CANDIDATES, all known to the LM, each to list "thing" as a synonym."""
    lm = default_scorer()
    taken = {w for head, syns in BASE.items() for w in (head.lower(), *syns)} | {"thing"}
    words = [w for w in wordfreq.top_n_list("en", 5000) if w.isascii() and w.isalpha() and len(w) > 2
             and w not in STOPWORDS and w not in taken and lm.known(w)]
    return tuple(words[: MAX_CANDIDATES + 25])


@functools.cache
def small_moby() -> Thesaurus:
    return Thesaurus("moby-small", {**BASE, **{w: ["thing"] for w in many_heads()}})


def _patched_readers(mp: pytest.MonkeyPatch) -> None:
    mp.setattr(unspin.thesauri, "read_moby", lambda *a, **k: small_moby())
    mp.setattr(unspin.thesauri, "read_wordnet", lambda *a, **k: SMALL_WORDNET)


@pytest.fixture(scope="session")
def small_build(tmp_path_factory) -> tuple[Path, dict]:
    """One lexicon compiled from the small thesauri, shared by every test here."""
    path = tmp_path_factory.mktemp("cache") / "lexicon.sqlite"
    with pytest.MonkeyPatch.context() as mp:
        _patched_readers(mp)
        info = build_lexicon(path=path)
    return path, info


@pytest.fixture(scope="session")
def small(small_build) -> Lexicon:
    return Lexicon(small_build[0])


@pytest.fixture(scope="session")
def real() -> Lexicon:
    return default_lexicon()


def originals(lex: Lexicon, observed: str) -> list[str]:
    return [c.original for c in lex.candidates(observed)]


# --- building -----------------------------------------------------------------


def test_build_reports_its_statistics(small_build):
    path, info = small_build
    assert info["built"] is True
    assert info["path"] == str(path)
    assert info["size_bytes"] == path.stat().st_size > 0
    assert info["seconds"] >= 0.0
    assert info["version"] == LEXICON_VERSION
    assert info["lm"] == default_scorer().name
    con = sqlite3.connect(path)
    (rows,) = con.execute("SELECT count(*) FROM inverse").fetchone()
    con.close()
    assert info["n_entries"] == rows > 0
    assert lexicon_info(path) == info
    assert not list(path.parent.glob("*.tmp")), "temporary build file left behind"


def test_build_does_not_rebuild_unless_forced(small_build, tmp_path, monkeypatch):
    _patched_readers(monkeypatch)
    path = tmp_path / "lex.sqlite"
    build_lexicon(path=path)
    inode = path.stat().st_ino
    again = build_lexicon(path=path)
    assert path.stat().st_ino == inode
    assert again == lexicon_info(path)
    forced = build_lexicon(path=path, force=True)
    assert path.stat().st_ino != inode, "force=True must write a fresh file"
    assert forced["n_entries"] == small_build[1]["n_entries"]


def test_inverse_direction_and_evidence_flags(small):
    firm = {c.original: c for c in small.candidates("firm")}
    assert set(firm) == {"company", "agency", "business"}
    assert firm["company"].flags == MOBY_FWD | WORDNET
    assert firm["agency"].flags == MOBY_FWD
    assert firm["business"].flags == WORDNET
    company = {c.original: c for c in small.candidates("company")}
    assert company["firm"].flags & MOBY_REV
    assert firm["company"].unigram == pytest.approx(default_scorer().unigram("company"), abs=1e-3)


def test_candidates_come_best_static_score_first(small):
    for observed in ("firm", "thing", "individuals"):
        scores = [static_score(c) for c in small.candidates(observed)]
        assert scores == sorted(scores, reverse=True)


def test_filters_stop_words_unknown_words_and_unusable_entries(small):
    assert "about" not in originals(small, "roughly")
    assert originals(small, "roughly") == []
    assert "qzxvbnmw" not in originals(small, "firm")
    assert originals(small, "huge") == ["large"]
    assert small.candidates("big!") == ()
    assert small.candidates("Huge") == (), "look-ups take lower-cased words"


def test_single_letters_are_left_out(small):
    assert originals(small, "half a hundred") == ["fifty"]
    assert small.candidates("l") == ()
    assert "l" not in originals(small, "fifty")


def test_phrases_are_entries_and_indexed_by_first_word(small):
    assert originals(small, "go to") == ["visit"]
    assert originals(small, "call on") == ["visit"]
    assert small.phrase_starts == {"go": 2, "call": 2, "half": 3}


def test_candidates_are_capped_keeping_the_best(small):
    kept = originals(small, "thing")
    many = many_heads()
    assert len(kept) == MAX_CANDIDATES < len(many)
    assert set(kept) <= set(many)
    # Each original has the same single synonym and evidence: the commonest words must win.
    lm = default_scorer()
    dropped = set(many) - set(kept)
    assert min(lm.unigram(w) for w in kept) >= max(lm.unigram(w) for w in dropped) - 1e-3


def test_missing_cache_is_built_on_first_use(tmp_path, monkeypatch):
    _patched_readers(monkeypatch)
    path = tmp_path / "sub" / "lexicon.sqlite"
    lex = Lexicon(path)
    assert path.exists()
    assert lex.version == f"lexicon-v{LEXICON_VERSION}"
    assert "company" in originals(lex, "firm")


def test_cache_name_changes_with_the_word_lists(monkeypatch):
    before = lexicon_path()
    monkeypatch.setattr("unspin.lexicon.STOPWORDS", frozenset({"the"}))
    assert lexicon_path() != before


def test_cache_dir_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("UNSPIN_CACHE_DIR", str(tmp_path / "c"))
    assert cache_dir() == tmp_path / "c"
    assert lexicon_path().parent == tmp_path / "c"
    assert lexicon_path().name.startswith(f"lexicon-v{LEXICON_VERSION}-")
    monkeypatch.delenv("UNSPIN_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "unspin"
    assert lexicon_info()["path"] == str(lexicon_path())


def test_a_cache_folder_that_cannot_be_written_is_a_cache_error_before_any_build(tmp_path, monkeypatch):
    def never(*args):
        raise AssertionError("the build started although the cache cannot be written")

    monkeypatch.setattr("unspin.lexicon.synonym_graph", never)
    blocker = tmp_path / "a file"
    blocker.write_text("x")
    with pytest.raises(CacheError) as err:
        Lexicon(blocker / "unspin" / "lexicon.sqlite")
    assert "UNSPIN_CACHE_DIR" in err.value.message and str(blocker / "unspin") in err.value.message
    assert err.value.exit_code == DataError.exit_code


def test_info_without_a_cache_builds_nothing(tmp_path):
    path = tmp_path / "absent.sqlite"
    assert lexicon_info(path) == {"path": str(path), "built": False}
    assert not path.exists()


# --- a damaged cache ------------------------------------------------------------


@pytest.mark.parametrize(
    "content", [b"this is not an sqlite database\n" * 200, b"", b"SQLite format 3\x00" + b"\xff" * 4000]
)
def test_damaged_cache_is_a_data_error_naming_the_fix(tmp_path, content):
    path = tmp_path / "lexicon.sqlite"
    path.write_bytes(content)
    with pytest.raises(DataError) as err:
        Lexicon(path)
    assert REBUILD in err.value.message
    assert str(path) in err.value.message


def test_forced_build_replaces_a_damaged_cache(tmp_path, monkeypatch):
    _patched_readers(monkeypatch)
    path = tmp_path / "lexicon.sqlite"
    path.write_bytes(b"garbage" * 100)
    assert build_lexicon(path=path, force=True)["built"]
    assert "company" in originals(Lexicon(path), "firm")


def test_info_on_a_damaged_cache_reports_it_so_a_forced_build_can_replace_it(tmp_path):
    path = tmp_path / "lexicon.sqlite"
    path.write_bytes(b"this is not an sqlite database\n" * 200)
    info = lexicon_info(path)
    assert info["built"] is False
    assert info["damaged"] is True


# --- the real lexicon -----------------------------------------------------------


@pytest.mark.skipif(not os.environ.get("UNSPIN_SLOW_TESTS"),
                    reason="a full build takes ~35 s; set UNSPIN_SLOW_TESTS=1")
def test_full_build_matches_the_default_cache(tmp_path, real):
    info = build_lexicon(path=tmp_path / "lexicon.sqlite")
    assert info["built"] and info["seconds"] > 0 and info["size_bytes"] > 1_000_000
    # A default cache built by older code under the same LEXICON_VERSION would differ here.
    assert info["n_entries"] == lexicon_info()["n_entries"], f"stale default cache: run `{REBUILD}`"
    fresh = Lexicon(tmp_path / "lexicon.sqlite")
    for observed in ("firm", "go to", "big"):
        assert fresh.candidates(observed) == real.candidates(observed)


def test_real_lexicon_info(real):
    info = lexicon_info()
    assert info["built"] is True
    assert info["n_entries"] > 50_000
    assert info["size_bytes"] > 1_000_000
    assert info["seconds"] > 0
    assert real.version == f"lexicon-v{info['version']}"


def test_real_inverse_look_ups(real):
    assert "visit" in originals(real, "go to")
    assert {"company", "business"} & set(originals(real, "firm"))
    assert "agency" in originals(real, "bureau")
    assert real.candidates("qzxvbnmw") == ()
    assert real.candidates("") == ()


@pytest.mark.parametrize("observed", ["firm", "good", "big", "run", "make", "take", "go to", "fast", "set"])
def test_real_candidates_are_capped_and_clean(real, observed):
    cands = real.candidates(observed)
    assert 0 < len(cands) <= MAX_CANDIDATES
    assert len({c.original for c in cands}) == len(cands)
    for c in cands:
        assert c.original != observed
        # A stop word here means the cache predates the current word lists (a stale cache).
        assert c.original not in STOPWORDS, f"stale lexicon cache? run `{REBUILD}` or bump LEXICON_VERSION"
        assert c.flags & (MOBY_FWD | MOBY_REV | WORDNET)
        assert c.unigram < 0


@pytest.mark.parametrize("observed", ["addition", "apex", "grand", "circle", "crux", "frontier"])
def test_real_originals_are_never_a_single_letter(real, observed):
    assert all(len(c.original) > 1 or c.original == "a" for c in real.candidates(observed))


def test_real_lexicon_knows_multi_word_starts(real):
    assert real.phrase_starts.get("go", 0) >= 2
    assert all(2 <= n <= 4 for n in real.phrase_starts.values())


def test_look_ups_are_memoised(real):
    first = real.candidates("firm")
    rows = real._memo["firm"]
    assert real.candidates("firm") == first
    assert real._memo["firm"] is rows  # answered from the memo, not read again
