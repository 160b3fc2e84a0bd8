"""Tests for unspin.memo: a memo that stays within its ceiling."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from unspin.lexicon import MEMO_ENTRIES, default_lexicon
from unspin.memo import BoundedMemo


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
