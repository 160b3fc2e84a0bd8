"""The hash index must answer exactly what a binary search over the sorted keys answers."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from unspin.hash_index import EMPTY, build, fibonacci_hash, lookup, table_bits

keys_st = st.lists(st.integers(0, 2**40), unique=True, max_size=300).map(
    lambda x: np.array(sorted(x), dtype=np.int64))


def _by_search(keys: np.ndarray, wanted: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    at = np.minimum(np.searchsorted(keys, wanted), max(len(keys) - 1, 0))
    found = valid & (len(keys) > 0) & (keys[at] == wanted if len(keys) else False)
    return at, found


def _check(keys: np.ndarray, wanted: np.ndarray, valid: np.ndarray, hash_fn=fibonacci_hash) -> None:
    slots = build(keys, hash_fn)
    at, found = lookup(keys, slots, wanted, valid, hash_fn)
    want_at, want_found = _by_search(keys, wanted, valid)
    assert found.tolist() == want_found.tolist()
    assert at[found].tolist() == want_at[found].tolist()


@settings(max_examples=200, deadline=None)
@given(keys_st, st.lists(st.integers(0, 2**40), max_size=100), st.data())
def test_lookup_agrees_with_a_binary_search(keys, others, data):
    # Keys that are there, keys that are not, and some of either marked not to be looked up.
    wanted = np.array(list(keys[: len(keys) // 2]) + others, dtype=np.int64)
    flags = st.lists(st.booleans(), min_size=len(wanted), max_size=len(wanted))
    valid = np.array(data.draw(flags), dtype=bool)
    _check(keys, wanted, valid)


def test_colliding_keys_are_all_found():
    # Every key hashed to one of two slots: long probe runs that wrap around the table's end.
    def clumped(keys: np.ndarray, bits: int) -> np.ndarray:
        return np.where(keys % 2 == 0, 0, (1 << bits) - 1).astype(np.int64)

    keys = np.arange(0, 400, 3, dtype=np.int64)
    wanted = np.arange(-2, 410, dtype=np.int64)
    _check(keys, wanted, np.ones(len(wanted), dtype=bool), clumped)


def test_the_table_stays_at_most_half_full():
    for n in (0, 1, 7, 8, 9, 1000, 2_051_541):
        assert n <= (1 << table_bits(n)) // 2
    slots = build(np.arange(1000, dtype=np.int64) * 7)
    assert (slots != EMPTY).sum() == 1000
    assert sorted(slots[slots != EMPTY].tolist()) == list(range(1000))
