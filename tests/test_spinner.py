"""The reference spinner: offsets, determinism, rates and what it must leave alone."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from unspin.spinner import KINDS, SpinResult, spin
from unspin.text import tokenize
from unspin.thesauri import Thesaurus

TEXT = (
    "The president visited the factory on Monday and gave up his plans to build three new plants. "
    '"It was a turning point," said John Smith, the second person to speak.  Officials are hoping '
    "the company will stop cutting jobs; bigger firms called on the government to act.\n"
    "Prices rose by 5 percent in the first quarter ."
)

SMALL = Thesaurus(
    "small",
    {
        "quick": ["fast", "rapid"],
        "dog": ["hound", "canine"],
        "jump": ["leap", "spring"],
        "lazy": ["idle", "slothful"],
        "fox": ["reynard"],
        "give up": ["abandon", "quit"],
        "turning point": ["watershed", "crossroads"],
        "smith": ["blacksmith"],
        "visit": ["call on", "see"],
    },
)


def check_invariants(result: SpinResult) -> None:
    """Every span maps between source and output, and undoing all swaps gives the source."""
    restored = []
    pos = 0
    for s in result.swaps:
        assert s.kind in KINDS
        assert result.text[s.out_start : s.out_end] == s.out_text
        assert result.source[s.src_start : s.src_end] == s.src_text
        if s.kind == "inserted_filler":
            assert s.src_start == s.src_end and s.src_text == ""
        restored.append(result.text[pos : s.out_start])
        restored.append(s.src_text)
        pos = s.out_end
    restored.append(result.text[pos:])
    assert "".join(restored) == result.source


def test_invariants_with_all_rewrites():
    r = spin(TEXT, "moby", rate=0.6, seed=3, numerals_rate=1.0, filler_rate=0.5)
    check_invariants(r)
    kinds = {s.kind for s in r.swaps}
    assert kinds == set(KINDS) or kinds >= {"synonym_swap", "numeral_swap", "inserted_filler"}
    assert r.text != TEXT


def test_deterministic_for_a_seed_and_varies_across_seeds():
    a = spin(TEXT, "moby", rate=0.3, seed=7, numerals_rate=0.5, filler_rate=0.2)
    b = spin(TEXT, "moby", rate=0.3, seed=7, numerals_rate=0.5, filler_rate=0.2)
    assert a.to_dict() == b.to_dict()
    assert len({spin(TEXT, "moby", rate=0.3, seed=s).text for s in range(5)}) > 1


def test_rate_zero_changes_nothing():
    r = spin(TEXT, "moby", rate=0.0)
    assert r.text == TEXT and r.swaps == []


def test_rate_is_exact_fraction_of_eligible_units():
    text = "The quick dog. The lazy dog. A quick jump, a lazy fox, a quick dog."
    # Eligible units: quick dog lazy dog quick jump lazy fox quick dog -> 10, all in SMALL.
    for rate, expected in [(0.1, 1), (0.25, 2), (0.5, 5), (1.0, 10)]:
        r = spin(text, SMALL, rate=rate, seed=1)
        assert len(r.swaps) == expected
        check_invariants(r)


def test_rate_counts_units_without_entries_too():
    # 4 eligible words, only "dog" has synonyms: round(0.5 * 4) = 2 but only 1 can swap.
    r = spin("Green dog eats apples.", SMALL, rate=0.5)
    assert [s.src_text for s in r.swaps] == ["dog"]


def test_names_are_left_alone_unless_asked():
    text = "Yesterday Smith met a dog. Smith barked."
    r = spin(text, SMALL, rate=1.0)
    assert [s.src_text for s in r.swaps] == ["dog"]
    r = spin(text, SMALL, rate=1.0, swap_names=True)
    assert [s.src_text for s in r.swaps] == ["Smith", "dog", "Smith"]
    assert r.text.startswith("Yesterday Blacksmith met a")


def test_sentence_initial_words_are_eligible_and_keep_case():
    r = spin("Quick thinking helps. DOG ate.", SMALL, rate=1.0)
    assert r.text.split()[0] in {"Fast", "Rapid"}
    assert "DOG" in r.text  # an all-caps word is treated as an acronym


def test_phrases_match_longest_first_and_inflect():
    r = spin("She gave up. It was a turning point. They visited us.", SMALL, rate=1.0)
    check_invariants(r)
    by_src = {s.src_text: s for s in r.swaps}
    assert by_src["gave up"].out_text in {"abandoned", "quit"}
    assert by_src["gave up"].kind == "phrase_swap"
    assert by_src["turning point"].out_text in {"watershed", "crossroads"}
    assert by_src["visited"].out_text in {"called on", "saw"}


def test_inflection_follows_observed_form():
    r = spin("The dogs jumped quickly over foxes.", SMALL, rate=1.0)
    outs = {s.src_text: s.out_text for s in r.swaps}
    assert outs["dogs"] in {"hounds", "canines"}
    assert outs["jumped"] in {"leaped", "sprang", "sprung", "leapt"}
    assert outs["foxes"] == "reynards"


def test_a_verb_after_an_auxiliary_takes_the_participle():
    verbs = Thesaurus("verbs", {"bring": ["take"], "visit": ["see"]})
    r = spin("They have brought food and he brought more. It was visited; she has not yet visited it.", verbs,
             rate=1.0)
    check_invariants(r)
    assert [s.out_text for s in r.swaps] == ["taken", "took", "seen", "seen"]


def test_a_consistent_spinner_swaps_a_word_everywhere_the_same_way():
    text = " ".join(["The quick dog saw a lazy fox and the quick fox saw a lazy dog."] * 3)
    for seed in range(5):
        r = spin(text, SMALL, rate=0.3, seed=seed, consistent=True)
        check_invariants(r)
        by_word: dict[str, set[str]] = {}
        for s in r.swaps:
            by_word.setdefault(s.src_text.lower(), set()).add(s.out_text.lower())
        assert all(len(outs) == 1 for outs in by_word.values()), by_word
        for word in by_word:
            everywhere = len(re.findall(rf"\b{word}\b", text.lower()))
            assert sum(s.src_text.lower() == word for s in r.swaps) == everywhere
        eligible = 2 * 3 * 4  # quick, dog, lazy, fox: twice a sentence
        assert len(r.swaps) >= round(0.3 * eligible)
    every = spin(text, SMALL, rate=0.3, seed=0)
    # The default spinner draws a synonym at each swap: some word comes out two ways.
    assert any(len({s.out_text for s in every.swaps if s.src_text == w}) > 1 for w in ("quick", "dog"))


def test_a_word_with_an_s_already_gets_no_second_one():
    # "proceeds" is a noun of its own but reads as the 3sg of "proceed": no "proceedses".
    money = Thesaurus("money", {"profit": ["proceeds", "gain"]})
    outs = {o for seed in range(8) for s in spin("Profits rose.", money, rate=1.0, seed=seed).swaps
            for o in [s.out_text]}
    assert outs == {"Gains"}


def test_spacing_and_punctuation_copied_exactly():
    text = "  The quick\tdog ,  jumped !\n\nA lazy  fox ."
    r = spin(text, SMALL, rate=1.0)
    check_invariants(r)
    assert [t.text for t in tokenize(r.text) if t.kind == "punct"] == [",", "!", "."]
    assert r.text.startswith("  The ") and r.text.endswith(" .")


def test_numerals_both_directions():
    r = spin("Three men came second in 2 races.", SMALL, rate=0.0, numerals_rate=1.0)
    assert r.text == "3 men came 2nd in two races."
    assert {s.kind for s in r.swaps} == {"numeral_swap"}
    assert spin("3 men left.", SMALL, rate=0.0, numerals_rate=1.0).text == "Three men left."


def test_fillers_go_before_verbs_and_adjectives():
    r = spin("The old man walked slowly to the empty station.", SMALL, rate=0.0, filler_rate=1.0)
    check_invariants(r)
    inserted = [s for s in r.swaps if s.kind == "inserted_filler"]
    assert inserted
    targets = {r.source[s.src_start :].split()[0] for s in inserted}
    assert targets <= {"old", "walked", "empty"}
    fillers = {"actually", "really", "essentially", "basically", "very"}
    assert all(s.out_text.strip() in fillers for s in inserted)


def test_to_dict_is_json_ready():
    r = spin(TEXT, SMALL, rate=1.0, filler_rate=0.3)
    d = json.loads(json.dumps(r.to_dict()))
    assert d["source"] == TEXT and d["text"] == r.text
    assert d["swaps"][0].keys() == {
        "src_start",
        "src_end",
        "src_text",
        "out_start",
        "out_end",
        "out_text",
        "kind",
    }


def test_bad_rate_raises():
    with pytest.raises(ValueError):
        spin("x", SMALL, rate=1.5)


def test_wordnet_spinner_runs():
    r = spin(TEXT, "wordnet", rate=0.5, seed=2)
    check_invariants(r)
    assert r.swaps


WORDS = " ".join(
    (
        "the quick dog dogs jumped gave up turning point Smith visit three 2nd 5 lazy foxes",
        "very old walked U.S. don't café",
    )
).split()
PIECES = st.one_of(
    st.sampled_from(WORDS),
    st.sampled_from([" ", "  ", "\n", "\t", ", ", ". ", "! ", '"', "(", ")", "-", "'"]),
    st.text(max_size=4),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pieces=st.lists(PIECES, max_size=40),
    rate=st.floats(0, 1),
    seed=st.integers(0, 2**16),
    numerals=st.floats(0, 1),
    filler=st.floats(0, 1),
    names=st.booleans(),
)
def test_property_invariants(pieces, rate, seed, numerals, filler, names):
    text = "".join(pieces)
    r = spin(text, SMALL, rate, seed, numerals_rate=numerals, filler_rate=filler, swap_names=names)
    assert r.source == text
    check_invariants(r)
    again = spin(text, SMALL, rate, seed, numerals_rate=numerals, filler_rate=filler, swap_names=names)
    assert again.to_dict() == r.to_dict()


@settings(max_examples=40, deadline=None)
@given(pieces=st.lists(st.sampled_from([*WORDS, " ", " ", ". ", ", "]), max_size=30), seed=st.integers(0, 99))
def test_property_invariants_moby(pieces, seed):
    r = spin("".join(pieces), "moby", rate=0.5, seed=seed, numerals_rate=0.5, filler_rate=0.5)
    check_invariants(r)
