"""The text layer: offset-exact tokens, sentence boundaries and case matching."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from unspin.text import (
    case_modes,
    cased,
    leading_sentences,
    match_case,
    restore_case,
    sentences,
    tokenize,
)

# Characters the tokenizer treats specially, mixed with unicode letters, digits,
# marks and unusual whitespace, so generated text hits the interesting branches.
_TRICKY = [*"aZq.,;:!?'’\"“”()-$€£%/ \t\n\u00a0\u2009\u3000é中ß٣\u0301_", "st", "bn", "Mr", "U.S", "3.5"]
TEXTS = st.one_of(
    st.text(max_size=200),
    st.lists(st.sampled_from(_TRICKY), max_size=80).map("".join),
)


def words(text: str) -> list[str]:
    return [t.text for t in tokenize(text)]


def sentence_texts(text: str) -> list[str]:
    toks = tokenize(text)
    return [text[toks[lo].start : toks[hi - 1].end] for lo, hi in sentences(toks)]


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_offsets_are_exact_and_cover_all_non_space(text):
    toks = tokenize(text)
    pos = 0
    for t in toks:
        assert t.text, "empty token"
        assert text[t.start : t.end] == t.text
        assert t.start >= pos, "tokens overlap or are out of order"
        # Whatever lies between tokens is whitespace: no character is dropped.
        assert text[pos : t.start].strip() == ""
        assert not any(c.isspace() for c in t.text)
        assert t.kind in {"word", "number", "punct"}
        pos = t.end
    assert text[pos:].strip() == ""


@settings(max_examples=200, deadline=None)
@given(TEXTS)
def test_sentences_partition_the_tokens(text):
    toks = tokenize(text)
    bounds = sentences(toks)
    expect = 0
    for lo, hi in bounds:
        assert lo == expect and hi > lo
        expect = hi
    assert expect == len(toks)


@pytest.mark.parametrize(
    "abbr", ["U.S.", "U.K.", "e.g.", "a.m.", "Mr.", "Mrs.", "Dr.", "Jan.", "Sept.", "Inc."]
)
def test_abbreviation_is_one_word_token(abbr):
    toks = tokenize(f"The {abbr} case")
    assert [t.text for t in toks] == ["The", abbr, "case"]
    assert toks[1].kind == "word"


def test_abbreviations_do_not_end_sentences():
    text = "Mr. Smith went to the U.S. Embassy in Jan. Officials met him. Then he left."
    assert sentence_texts(text) == [
        "Mr. Smith went to the U.S. Embassy in Jan. Officials met him.",
        "Then he left.",
    ]


def test_abbreviation_prefix_inside_a_word_is_not_an_abbreviation():
    # "Mrs" must not be split as "Mr" + "s", nor "No" taken from "Nov".
    assert words("Mrs. Nov. Nothing.") == ["Mrs.", "Nov.", "Nothing", "."]


@pytest.mark.parametrize(
    "num", ["3.5%", "$8.9bn", "2nd", "10:30", "1,000,000", "£20m", "1990s", "3/4", "21st"]
)
def test_number_is_one_number_token(num):
    toks = tokenize(f"It rose {num} today.")
    assert [t.text for t in toks] == ["It", "rose", num, "today", "."]
    assert toks[2].kind == "number"


def test_number_at_sentence_end_leaves_the_full_stop_alone():
    toks = tokenize("Growth was 3.5. Then it fell to 2.")
    assert [t.text for t in toks] == ["Growth", "was", "3.5", ".", "Then", "it", "fell", "to", "2", "."]
    assert sentence_texts("Growth was 3.5. Then it fell to 2.") == ["Growth was 3.5.", "Then it fell to 2."]


@pytest.mark.parametrize(
    "word", ["well-known", "state-of-the-art", "man's", "don't", "isn’t", "O'Brien", "rock’n’roll", "café"]
)
def test_hyphenated_and_apostrophe_words_are_one_token(word):
    toks = tokenize(f"a {word} thing")
    assert [t.text for t in toks] == ["a", word, "thing"]
    assert toks[1].is_word


def test_dangling_hyphen_and_quote_are_punctuation():
    assert words("rock - and 'roll' -- yes") == ["rock", "-", "and", "'", "roll", "'", "-", "-", "yes"]
    assert [t.kind for t in tokenize("'roll'")] == ["punct", "word", "punct"]


def test_token_helpers():
    toks = tokenize("The CAT sat")
    assert [t.lower for t in toks] == ["the", "cat", "sat"]
    assert [t.is_capitalized for t in toks] == [True, True, False]


def test_sentence_split_on_full_stop_exclamation_and_question():
    text = "It rained. Was it cold? Yes! 42 people came."
    assert sentence_texts(text) == ["It rained.", "Was it cold?", "Yes!", "42 people came."]


def test_no_split_before_lower_case():
    assert sentence_texts("He was at approx. the same place. Then left.") == [
        "He was at approx. the same place.",
        "Then left.",
    ]


def test_closing_quotes_and_brackets_stay_with_their_sentence():
    text = "He said “Stop.” Then he left. She nodded (slowly.) It ended."
    assert sentence_texts(text) == ["He said “Stop.”", "Then he left.", "She nodded (slowly.)", "It ended."]
    text = 'He said "Stop." Then he left.'
    assert sentence_texts(text) == ['He said "Stop."', "Then he left."]


def test_curly_opening_quote_starts_the_next_sentence():
    assert sentence_texts("He left. “Why?” she asked.") == ["He left.", "“Why?” she asked."]


def test_straight_opening_quote_starts_the_next_sentence():
    assert sentence_texts('He left. "Why?" she asked.') == ["He left.", '"Why?" she asked.']


@pytest.mark.parametrize(
    ("template", "word", "expected"),
    [
        ("firm", "agency", "agency"),
        ("Firm", "agency", "Agency"),
        ("FIRM", "agency", "AGENCY"),
        ("Firm", "news agency", "News agency"),
        ("FIRM", "news agency", "NEWS AGENCY"),
        ("iPhone", "phone", "phone"),
        ("A", "word", "Word"),
        ("a", "Word", "Word"),
    ],
)
def test_match_case(template, word, expected):
    assert match_case(template, word) == expected


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyzéçø", min_size=1, max_size=12))
def test_match_case_follows_the_template_pattern(word):
    assert match_case("lower", word) == word
    assert match_case("UPPER", word) == word.upper()
    titled = match_case("Title", word)
    assert titled[0] == word[0].upper() and titled[1:] == word[1:]


@pytest.mark.parametrize(
    ("text", "observed", "original", "expected"),
    [
        # Inside a name a multi-word original is capitalised word by word, small words aside.
        ("They won at the Winter Games last year.", "Winter Games", "winter olympics", "Winter Olympics"),
        ("the Great Hall of the Individuals", "Individuals", "common people", "Common People"),
        ("the Hall of Individuals", "Hall of Individuals", "house of the people", "House of the People"),
        # A capital at a sentence's or quotation's start is not a name.
        ("Visits rose. Individuals came.", "Individuals", "many people", "Many people"),
        ('He said "Individuals came".', "Individuals", "many people", "Many people"),
        ("a four-day go to", "go to", "visit", "visit"),
        ("They met in NASA offices.", "NASA", "space agency", "SPACE AGENCY"),
    ],
)
def test_restore_case(text, observed, original, expected):
    tokens = tokenize(text)
    start = text.index(observed)
    i = next(k for k, t in enumerate(tokens) if t.start == start)
    j = next(k for k, t in enumerate(tokens) if t.end == start + len(observed)) + 1
    assert restore_case(tokens, i, j, original) == expected


@pytest.mark.parametrize(
    ("text", "observed", "modes"),
    [
        ("They won at the Winter Games last year.", "Winter Games", ("title", "name")),
        ("Visits rose. Individuals came.", "Individuals", ("title", "title")),
        ("They met in NASA offices.", "NASA", ("upper", "upper")),
        ("a four-day go to", "go to", ("lower", "lower")),
    ],
)
def test_case_modes_one_word_then_several(text, observed, modes):
    tokens = tokenize(text)
    start = text.index(observed)
    i = next(k for k, t in enumerate(tokens) if t.start == start)
    j = next(k for k, t in enumerate(tokens) if t.end == start + len(observed)) + 1
    assert case_modes(tokens, i, j) == modes
    assert cased("common people", modes[1]) == restore_case(tokens, i, j, "common people")


def test_leading_sentences_stops_at_the_sentence_that_reaches_the_count():
    text = "One two three. Four five six. Seven eight."
    assert leading_sentences(text, 4) == "One two three. Four five six."
    assert leading_sentences(text, 3) == "One two three."
    assert leading_sentences(text, 100) == text
