"""The hash index must answer exactly what a binary search over the sorted keys answers."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from unspin.hash_index import EMPTY, build, fibonacci_hash, lookup, slot_count, spread, table_bits

keys_st = st.lists(st.integers(0, 2**40), unique=True, max_size=300).map(
    lambda x: np.array(sorted(x), dtype=np.int64))


def _by_search(keys: np.ndarray, wanted: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    at = np.minimum(np.searchsorted(keys, wanted), max(len(keys) - 1, 0))
    found = valid & (len(keys) > 0) & (keys[at] == wanted if len(keys) else False)
    return at, found


def _check(keys: np.ndarray, wanted: np.ndarray, valid: np.ndarray, hash_fn=fibonacci_hash,
           sparsity: int = 1) -> None:
    home = build(keys, hash_fn, sparsity)
    at, found = lookup(spread(keys, home, slot_count(len(keys), sparsity)), wanted, valid, hash_fn)
    want_at, want_found = _by_search(keys, wanted, valid)
    assert found.tolist() == want_found.tolist()
    # The slot found is the key's own: values spread the same way line up with it.
    assert at[found].tolist() == home[want_at[found]].tolist()


@settings(max_examples=200, deadline=None)
@given(keys_st, st.lists(st.integers(0, 2**40), max_size=100), st.data(), st.integers(1, 3))
def test_lookup_agrees_with_a_binary_search(keys, others, data, sparsity):
    # Keys that are there, keys that are not, and some of either marked not to be looked up.
    wanted = np.array(list(keys[: len(keys) // 2]) + others, dtype=np.int64)
    flags = st.lists(st.booleans(), min_size=len(wanted), max_size=len(wanted))
    valid = np.array(data.draw(flags), dtype=bool)
    _check(keys, wanted, valid, sparsity=sparsity)


def test_colliding_keys_are_all_found():
    # Every key hashed to one of two slots: long probe runs that wrap around the table's end.
    def clumped(keys: np.ndarray, bits: int) -> np.ndarray:
        return np.where(keys % 2 == 0, 0, (1 << bits) - 1).astype(np.int64)

    keys = np.arange(0, 400, 3, dtype=np.int64)
    wanted = np.arange(-2, 410, dtype=np.int64)
    _check(keys, wanted, np.ones(len(wanted), dtype=bool), clumped)


def test_the_table_stays_at_most_half_full():
    for n in (0, 1, 7, 8, 9, 1000, 2_051_541):
        assert n <= (1 << table_bits(n)) // 2 == slot_count(n) // 2
        assert slot_count(n, 2) == 2 * slot_count(n)
    home = build(np.arange(1000, dtype=np.int64) * 7)
    assert len(set(home.tolist())) == 1000
    assert home.min() >= 0 and home.max() < slot_count(1000)


def test_spread_puts_each_value_in_its_keys_slot():
    keys = np.array([3, 17, 40, 2**33], dtype=np.int64)
    values = np.array([0.5, 1.5, 2.5, 3.5], dtype=np.float32)
    home, size = build(keys), slot_count(len(keys))
    table, laid = spread(keys, home, size), spread(values, home, size, 0)
    assert laid.dtype == np.float32 and len(laid) == size
    at, found = lookup(table, keys, np.ones(len(keys), dtype=bool))
    assert found.all() and laid[at].tolist() == values.tolist()
    assert (table == EMPTY).sum() == size - len(keys) and (laid[table == EMPTY] == 0).all()
