"""Tests for unspin.memo: a memo that stays within its ceiling."""

from __future__ import annotations

import gc

from hypothesis import given
from hypothesis import strategies as st

from unspin.lexicon import MEMO_ENTRIES, default_lexicon
from unspin.memo import BoundedMemo, word_memo, word_set
from unspin.pipeline import default_engine
from unspin.text import tokenize


@given(st.integers(min_value=1, max_value=20), st.lists(st.integers(min_value=0, max_value=50), max_size=200))
def test_never_holds_more_than_its_ceiling_and_keeps_the_latest(size, keys):
    memo: BoundedMemo[int, str] = BoundedMemo(size)
    for k in keys:
        assert memo.remember(k, str(k)) == str(k)
        assert len(memo) <= size
        assert memo[k] == str(k)


def test_the_lexicon_memo_is_bounded():
    lexicon = default_lexicon()
    assert isinstance(lexicon._memo, BoundedMemo) and lexicon._memo.max_size == MEMO_ENTRIES
    first = lexicon.candidates("firm")
    lexicon._memo.clear()  # other tests may have filled it past the small ceiling set here
    lexicon._memo.max_size = 3
    try:
        for word in ("top", "go", "individuals", "firm", "summit"):
            lexicon.candidates(word)
            assert len(lexicon._memo) <= 3
        assert lexicon.candidates("firm") == first  # forgetting changes nothing but speed
    finally:
        lexicon._memo.max_size = MEMO_ENTRIES


@given(st.lists(st.tuples(st.sampled_from("abcde"), st.sampled_from("xy")), max_size=100))
def test_word_memo_answers_as_the_function_does_and_calls_it_once_per_key_while_it_holds(calls):
    seen: list[tuple[str, str]] = []

    def join(a: str, b: str) -> str:
        seen.append((a, b))
        return a + b

    memo = word_memo(4)(join)
    for a, b in calls:
        assert memo(a, b) == a + b
    # At most 4 keys are held: a key is computed again only after the memo was emptied.
    assert len(seen) <= len(calls)
    assert len(set(seen)) == len(set(calls))
    if len(set(calls)) <= 4:
        assert len(seen) == len(set(calls))


def test_a_word_memo_of_one_argument_keys_by_the_argument():
    lengths = word_memo(10)(len)
    assert lengths("summit") == 6
    assert lengths.__wrapped__ is len


def test_word_set_tests_membership_like_a_set():
    words = word_set(["go to", "visit"])
    assert "visit" in words and "summit" not in words
    assert len(words) == 2


def test_what_the_memos_hold_after_an_analysis_is_left_alone_by_the_garbage_collector():
    engine = default_engine()
    text = "The firm said the four-day go to was ahead of a 2nd top with the leaders."
    engine.analyze(text)
    words = [t.lower for t in tokenize(text) if t.kind == "word"]
    rows = [engine.lexicon._memo[w] for w in words if w in engine.lexicon._memo]
    # Originals whose options the decoder read ("top" for "summit" at least).
    read = [o for o in map(engine.channel.originals, words) if o._parts]
    assert rows and read, "the analysis looked words up and read options"
    untracked = [*rows, *(part for o in read for part in (o.originals, o.words, o._parts)),
                 *engine.scorer._by_context.values(), engine.scorer._by_history]
    # A tuple of tuples is untracked once its members are, which may take a second collection.
    gc.collect()
    gc.collect()
    assert [gc.is_tracked(x) for x in untracked] == [False] * len(untracked)
