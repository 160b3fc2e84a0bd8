"""Skeleton fingerprints: what survives a synonym swap, winnowing, injectable hashes."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from unspin.fingerprint import (
    SHINGLE,
    WILDCARD,
    blake64,
    fingerprints,
    shingles,
    skeleton,
    winnow,
    words,
)

SOURCE = ("The president arrived in the capital on Tuesday for a four-day visit ahead of a second "
          "summit with the leader of the north, and he said that the talks would be held at the "
          "Great Hall of the People in the centre of the city before the end of the week.")
SPUN = ("The chairman arrived in the capital on Tuesday for a four-day go to ahead of a 2nd "
        "top with the chief of the north, and he stated that the talks would be held at the "
        "Great Hall of the Individuals in the center of the town before the finish of the week.")


def test_skeleton_keeps_function_words_and_collapses_runs():
    assert skeleton(words("The Great Hall of the People was full")) == \
        ["the", WILDCARD, "of", "the", WILDCARD, "was", WILDCARD]
    assert skeleton(words("2nd top, 3rd")) == [WILDCARD]


def test_most_fingerprints_survive_synonym_swaps():
    a, b = set(fingerprints(SOURCE)), set(fingerprints(SPUN))
    assert a and len(a & b) / len(a) >= 0.5


def test_unrelated_text_shares_no_fingerprints():
    other = ("Shares in the mining company fell sharply after it warned that output from its "
             "largest copper mine would be lower this year, and analysts said the outlook for "
             "prices was weak because demand from factories had slowed in the spring.")
    assert not set(fingerprints(SOURCE)) & set(fingerprints(other))


def test_shingles_need_enough_function_words():
    syms = [WILDCARD, "the", WILDCARD, "of", WILDCARD, "a", WILDCARD, WILDCARD, WILDCARD, WILDCARD]
    assert shingles(syms) == []
    rich = ["the", WILDCARD, "of", "the", WILDCARD, "in", "a", WILDCARD, "to"]
    assert len(shingles(rich)) == 1


def test_hash_function_is_injectable():
    calls = []

    def fake(data: bytes) -> int:
        calls.append(data)
        return len(data)

    out = fingerprints(SOURCE, hashfunc=fake)
    assert calls and out
    assert set(out) <= {len(c) for c in calls}
    assert blake64(b"x") == blake64(b"x") != blake64(b"y")


@given(st.lists(st.integers(min_value=-(2**63), max_value=2**63 - 1), min_size=1, max_size=60))
def test_winnowing_picks_the_minimum_of_every_window(values):
    hashed = [(v, i) for i, v in enumerate(values)]
    picked = winnow(hashed, window=4)
    positions = {i for _, i in picked}
    assert [i for _, i in picked] == sorted(positions)
    for start in range(max(len(hashed) - 4 + 1, 1)):
        window = hashed[start : start + 4]
        assert any(i in positions and v == min(h for h, _ in window) for v, i in window)


def test_short_text_has_few_fingerprints():
    assert len(fingerprints("The cat sat on the mat.")) == 0
    assert SHINGLE > 5
