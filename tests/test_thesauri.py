"""Thesaurus readers: real Moby/WordNet data plus small synthetic files for each format."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest

from unspin.errors import DataError
from unspin.thesauri import (
    Thesaurus,
    load_thesaurus,
    read_fixed_width,
    read_moby,
    read_mythes,
    read_tsv,
)

SHARED = Path(os.environ.get("UNSPIN_SHARED") or Path(__file__).resolve().parents[2] / "shared") / "data"
STYLISH = SHARED / "thesaurus_stylish_plagiarism"
MYTHES = SHARED / "thesaurus_mythes_en_us" / "th_en_US_v2.dat.gz"


@pytest.fixture(scope="module")
def moby() -> Thesaurus:
    return load_thesaurus("moby")


@pytest.fixture(scope="module")
def wordnet() -> Thesaurus:
    return load_thesaurus("wordnet")


def test_thesaurus_normalises_entries():
    th = Thesaurus("t", [("Big", ["Large", "large ", "big", "", "huge  thing"]), ("big", ["vast"])])
    assert th.get("big") == ("large", "huge thing", "vast")
    assert th.get("BIG") == th.get("big")
    assert "Big" in th and "small" not in th and 3 not in th
    assert len(th) == 1
    assert list(th.headwords()) == ["big"]
    assert th.max_phrase_len == 1
    assert th.get("small") == ()


def test_thesaurus_phrase_len_and_empty_entries():
    th = Thesaurus("t", {"give  up": ["quit"], "lonely": ["lonely"]})
    assert th.max_phrase_len == 2
    assert "give up" in th
    assert "lonely" not in th  # its only synonym was itself
    assert Thesaurus("empty", {}).max_phrase_len == 0


def test_moby_has_phrasal_synonyms(moby):
    assert "call on" in moby.get("visit")
    assert len(moby) > 30_000
    assert moby.max_phrase_len >= 3
    for head, syns in list(moby.items())[::500]:
        assert head == head.lower()
        assert head not in syns
        assert len(set(syns)) == len(syns)
        assert all(s and s == s.strip() for s in syns)


def test_moby_lowercases_capitalised_headwords(moby):
    assert "a-bomb" in moby
    assert all(s == s.lower() for s in moby.get("a-bomb"))


def test_wordnet_synonyms_are_symmetric_co_lemmas(wordnet):
    assert "automobile" in wordnet.get("car")
    assert "car" in wordnet.get("automobile")
    # Sense order: the most frequent sense of "car" comes first.
    assert wordnet.get("car")[0] == "auto"
    assert "give up" in wordnet
    for head, syns in list(wordnet.items())[::997]:
        assert "_" not in head
        assert all("(" not in s and "_" not in s and s == s.lower() for s in syns)


def test_wordnet_similar_adds_adjective_neighbours(wordnet):
    similar = load_thesaurus("wordnet+similar")
    assert "blissful" not in wordnet.get("happy")
    assert "blissful" in similar.get("happy")
    assert similar.name == "wordnet+similar"


def test_named_thesauri_are_cached():
    assert load_thesaurus("moby") is load_thesaurus("MOBY")


MYTHES_SAMPLE = """UTF-8
car|2
(noun)|auto|automobile|machine|motorcar|motor vehicle (generic term)|automotive vehicle (generic term)
(noun)|railcar|railway car|wheeled vehicle (generic term)
happy|2
(adj)|cheerful (related term)|glad (similar term)|unhappy (antonym)
(adj)|felicitous|fortunate (similar term)
vesical|1
(adj)|cystic|body part (related term)|bladder|vesica (related term)
"""


@pytest.mark.parametrize("compress", [False, True])
def test_mythes_drops_marked_terms(tmp_path, compress):
    path = tmp_path / ("th.dat.gz" if compress else "th.dat")
    data = MYTHES_SAMPLE.encode()
    path.write_bytes(gzip.compress(data) if compress else data)
    th = read_mythes(path)
    assert th.get("car") == ("auto", "automobile", "machine", "motorcar", "railcar", "railway car")
    assert th.get("happy") == ("felicitous",)
    # Only the last lemma of a related synset is marked ("bladder|vesica (related term)"),
    # so the whole unmarked run before a related mark is dropped, true synonym or not.
    assert "vesical" not in th
    wide = read_mythes(path, include_related=True)
    assert set(wide.get("happy")) == {"cheerful", "glad", "felicitous", "fortunate"}
    assert "bladder" in wide.get("vesical")
    assert load_thesaurus(path).get("car") == th.get("car")


@pytest.mark.parametrize(
    "text",
    ["UTF-8\ncar|2\n(noun)|auto\n", "UTF-8\ncar|x\n(noun)|auto\n", "UTF-8\ncar|1\nauto|car\n"],
)
def test_mythes_malformed_raises_data_error(tmp_path, text):
    path = tmp_path / "bad.dat"
    path.write_text(text)
    with pytest.raises(DataError):
        read_mythes(path)


@pytest.mark.skipif(not MYTHES.exists(), reason="shared MyThes data absent")
def test_real_mythes():
    th = read_mythes(MYTHES)
    assert "automobile" in th.get("car")
    assert "motor vehicle" not in th.get("car")  # a generic term
    assert len(th) > 100_000


def test_tsv_and_fixed_width(tmp_path):
    tsv = tmp_path / "t.tsv"
    tsv.write_text("headword\tsynonyms\ngive up\tdrop|waive|stop fighting\ntruly\tindeed|actually,\n")
    txt = tmp_path / "t.txt"
    txt.write_text(f"{'give up':<19}drop  waive  stop fighting   \n{'truly':<19}indeed  actually,\n")
    a, b = read_tsv(tsv), read_fixed_width(txt)
    assert a.get("give up") == ("drop", "waive", "stop fighting")
    assert a.get("truly") == ("indeed", "actually")
    assert dict(a.items()) == dict(b.items())
    assert dict(load_thesaurus(tsv).items()) == dict(load_thesaurus(txt).items())


@pytest.mark.skipif(not STYLISH.exists(), reason="shared stylish thesaurus absent")
def test_real_stylish_formats_agree():
    a = read_tsv(STYLISH / "thesaurus.tsv")
    b = read_fixed_width(STYLISH / "thesaurus.txt")
    assert dict(a.items()) == dict(b.items())
    assert "turning point" in a and a.max_phrase_len == 3
    assert len(a) == 6327  # 6,332 rows, 5 headwords repeated and merged


def test_moby_format_file_is_detected(tmp_path):
    path = tmp_path / "mini.txt"
    path.write_text("visit,call on,see\r\nstop,halt,cease\r\n")
    th = load_thesaurus(path)
    assert th.get("visit") == ("call on", "see")
    assert read_moby(path).get("stop") == ("halt", "cease")


def test_load_errors(tmp_path):
    with pytest.raises(DataError, match="unknown thesaurus"):
        load_thesaurus("roget")
    with pytest.raises(DataError, match="not found"):
        read_tsv(tmp_path / "missing.tsv")
    with pytest.raises(DataError, match="not a file"):
        load_thesaurus(tmp_path)
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    with pytest.raises(DataError):
        load_thesaurus(empty)
    odd = tmp_path / "odd.txt"
    odd.write_text("just some words\nwithout structure\n")
    with pytest.raises(DataError, match="unknown thesaurus format"):
        load_thesaurus(odd)
    broken = tmp_path / "broken.dat.gz"
    broken.write_bytes(b"not gzip")
    with pytest.raises(DataError, match="cannot read"):
        load_thesaurus(broken)
