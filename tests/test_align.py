"""Aligning a spun copy with its source."""

from __future__ import annotations

from unspin.align import align

SOURCE = ("The president arrived in the capital on Tuesday for a four-day visit ahead of a second "
          "summit with the leader. He said that the talks would be held at the Great Hall of the "
          "People before the end of the week.")
SPUN = ("The president arrived in the capital on Tuesday for a four-day trip ahead of a second "
        "meeting with the leader. He said that the talks would be held at the Great Hall of the "
        "Individuals before the end of the week.")


def test_substitutions_map_spun_words_to_source_words_with_exact_offsets():
    a = align(SPUN, SOURCE)
    pairs = [(s.text, s.source_text) for s in a.substitutions]
    assert pairs == [("trip", "visit"), ("meeting", "summit"), ("Individuals", "People")]
    for s in a.substitutions:
        assert SPUN[s.start : s.end] == s.text
        assert SOURCE[s.source_start : s.source_end] == s.source_text
    assert a.containment == 1.0
    assert 0.85 < a.identical < 1.0


def test_passages_carry_offsets_in_both_texts():
    a = align(SPUN, SOURCE)
    [p] = a.passages
    assert SPUN[p.start : p.end].startswith("The president")
    assert SOURCE[p.source_start : p.source_end].endswith("of the week")


def test_inserted_words_face_an_empty_source_text():
    copy = SOURCE.replace("the talks", "the talks actually")
    a = align(copy, SOURCE)
    [s] = a.substitutions
    assert (s.text, s.source_text) == ("actually", "")
    assert s.source_start == s.source_end


def test_a_copy_of_part_of_the_source_is_fully_contained():
    part = "He said that the talks would be held at the Great Hall of the Individuals before the end"
    a = align(part, SOURCE)
    assert a.containment == 1.0
    assert [(s.text, s.source_text) for s in a.substitutions] == [("Individuals", "People")]


def test_unrelated_texts_barely_align():
    other = ("Shares in the mining company fell sharply after it warned that output from its largest "
             "mine would be lower this year, and analysts said the outlook was weak.")
    assert align(other, SOURCE).containment < 0.2
