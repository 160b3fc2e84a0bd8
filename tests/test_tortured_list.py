"""Tests for unspin.tortured_list: the PPS query language, list files, and the built-in list."""

from __future__ import annotations

import gzip

import pytest

from unspin.errors import DataError
from unspin.phrase_match import Words
from unspin.tortured_list import (
    All,
    Any_,
    Not,
    Term,
    builtin_list,
    load_list,
    merge_lists,
    parse_query,
    read_list,
)


def found(known, text: str) -> list[tuple[str, str]]:
    w = Words.of(text)
    return sorted((text[w.starts[h.first]:w.ends[h.last - 1]], h.entry.expected_term) for h in known.find(w))


def one(query: str, expected: str = "x"):
    return read_list(f'tortured_phrase,expected_phrase,num_papers\n"{query.replace(chr(34), chr(34) * 2)}",'
                     f'{expected},5\n'.encode(), "test list")


def test_query_grammar():
    assert parse_query('"surface region" AND "surface area"') == All((Term(("surface", "region")),
                                                                       Term(("surface", "area"))))
    assert parse_query('"a b" NOT "c"') == All((Term(("a", "b")), Not(Term(("c",)))))
    assert parse_query('"x" AND ("y" OR "z")') == All((Term(("x",)), Any_((Term(("y",)), Term(("z",))))))
    assert parse_query('"gatherings clustering"~10') == Term(("gathering", "cluster"), slop=10)
    assert parse_query('"e c" AND optimiz*') == All((Term(("e", "c")), Term((), prefix="optimiz")))
    assert parse_query("plain words here") == Term(("plain", "word", "here"))


def test_and_needs_the_context_term_somewhere_in_the_text():
    known = one('"surface region" AND "surface area"', "surface area")
    assert found(known, "The surface region was large.") == []
    assert found(known, "The surface region was large. Its surface areas vary.") == [
        ("surface region", "surface area")]


def test_not_excludes_and_or_accepts_any():
    known = one('"backward probability" NOT "Markov"')
    assert found(known, "A backward probability.") == [("backward probability", "x")]
    assert found(known, "A backward probability in a Markov chain.") == []
    known = one('"corridor impact" AND ("magnetic" OR "sensor")')
    assert found(known, "The corridor impact sensor.") == [("corridor impact", "x")]
    assert found(known, "The corridor impact.") == []


def test_slop_and_prefix():
    known = one('"exactness accuracy"~5')
    text = "the exactness of the measured accuracy"
    assert found(known, text) == [("exactness of the measured accuracy", "x")]
    assert found(known, "exactness " + "and so on " * 5 + "accuracy") == []
    known = one('"enhancement calculation" AND optimiz*')
    assert found(known, "An enhancement calculation for optimizing.") == [("enhancement calculation", "x")]
    assert found(known, "An enhancement calculation.") == []


def test_a_typo_in_a_query_keeps_the_leading_phrase():
    known = one('"total national production" ADN "GDP"', "gross domestic product")
    assert found(known, "the total national production grew") == [
        ("total national production", "gross domestic product")]


def test_expected_term_drops_curators_comments():
    row = b'"""cadence design""",rythm pattern (?),"11,384"\n'
    known = read_list(b"tortured_phrase,expected_phrase,num_papers\n" + row, "t")
    (e,) = known.entries
    assert (e.expected_term, e.papers, e.expected) == ("rythm pattern", 11384, "rythm pattern (?)")


def test_user_list_files(tmp_path):
    plain = tmp_path / "mine.csv"
    plain.write_text("phrase,expected\nprofound learning,deep learning\n", encoding="utf-8")
    assert found(load_list(plain), "We use profound learning.") == [("profound learning", "deep learning")]
    zipped = tmp_path / "mine.tsv.gz"
    zipped.write_bytes(gzip.compress(b"bosom peril\tbreast cancer\n"))
    assert found(load_list(zipped), "bosom perils") == [("bosom perils", "breast cancer")]
    assert load_list(plain).sha256 != load_list(zipped).sha256


@pytest.mark.parametrize("data, needle", [(b"", "no entries"), (b"\xff\xfe\x00bad", "UTF-8"),
                                          (b"just-a-phrase\n", "expected term")])
def test_bad_list_files_are_data_errors(tmp_path, data, needle):
    path = tmp_path / "bad.csv"
    path.write_bytes(data)
    with pytest.raises(DataError, match=needle):
        load_list(path)
    with pytest.raises(DataError, match="cannot read"):
        load_list(tmp_path / "missing.csv")


def test_builtin_list_is_the_pps_export():
    known = builtin_list()
    assert len(known) == 7644
    assert len(known.sha256) == 64
    assert "Problematic Paper Screener" in known.name
    assert ("Counterfeit consciousness", "artificial intelligence") in found(
        known, "Counterfeit consciousness is everywhere.")


def test_merged_lists_let_a_newer_entry_replace_the_older_one():
    old = read_list(b"profound learning,deep learning,3\nbosom peril,breast cancer,9\n", "old")
    new = read_list(b"Profound Learning,Deep learning,12\ngauge of warmth,measure of heat,1\n", "new")
    both = merge_lists([old, new])
    assert len(both) == 3
    papers = {e.tortured.lower(): e.papers for e in both.entries}
    assert papers == {"profound learning": 12, "bosom peril": 9, "gauge of warmth": 1}
    assert both.name == "old + new" and [p[0] for p in both.parts] == ["old", "new"]
    assert both.sha256 not in (old.sha256, new.sha256)
    assert merge_lists([new, old]).sha256 != both.sha256
    assert merge_lists([old]) is old
    assert found(both, "We use profound learning.") == [("profound learning", "Deep learning")]
