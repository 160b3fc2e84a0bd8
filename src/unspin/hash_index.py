"""An open-addressing hash table of int64 keys, built and probed with whole numpy arrays.

The trigram tables answer millions of n-gram look-ups per batch of documents.
A binary search over their sorted keys (two million bigrams) touches about
twenty places in tens of megabytes per key; a hash slot is usually right at
the first probe. The table is the keys themselves laid out in slot order
(``EMPTY`` where there is none), and whatever goes with each key is laid out
the same way (:func:`spread`), so a probe reads one array and the answer is
the slot. The arrays are saved to the cache and memory-mapped.

Linear probing: a key goes to the first free slot from its hash on. Look-ups
move every key still unresolved one slot on per round, so the rounds are as
many as the longest run a wanted key walks, and most keys are done after one.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

#: Marks a free slot.
EMPTY = -1
#: Knuth's multiplicative constant (2^64 / golden ratio): neighbouring codes land far apart.
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)

#: Maps keys to slots in ``range(2 ** bits)``; injectable so that tests can force collisions.
HashFunction = Callable[[np.ndarray, int], np.ndarray]


def fibonacci_hash(keys: np.ndarray, bits: int) -> np.ndarray:
    """The top ``bits`` bits of ``key * 2^64 / golden ratio`` (wrapping), as slot numbers."""
    return ((keys.astype(np.uint64) * _GOLDEN) >> np.uint64(64 - bits)).astype(np.int64)


def table_bits(n_keys: int) -> int:
    """Slots as a power of two, at most half full: runs stay short."""
    return max(4, (2 * n_keys - 1).bit_length())


def slot_count(n_keys: int, sparsity: int = 1) -> int:
    """Slots for ``n_keys`` keys: a power of two, at least ``2 ** sparsity`` times the keys (each
    doubling shortens the probe runs)."""
    return 1 << (table_bits(n_keys) + sparsity - 1)


def build(keys: np.ndarray, hash_fn: HashFunction = fibonacci_hash, sparsity: int = 1) -> np.ndarray:
    """Each of the distinct ``keys``' slot in a table of :func:`slot_count` slots."""
    size = slot_count(len(keys), sparsity)
    taken = np.zeros(size, dtype=bool)
    home = hash_fn(keys, size.bit_length() - 1)
    pending = np.arange(len(keys), dtype=np.int64)
    while pending.size:
        tried = home[pending]
        free = ~taken[tried]
        # Of the keys that reach the same free slot this round, the first takes it.
        won, first = np.unique(tried[free], return_index=True)
        taken[won] = True
        waiting = np.ones(len(pending), dtype=bool)
        waiting[np.flatnonzero(free)[first]] = False
        pending = pending[waiting]
        home[pending] = (home[pending] + 1) & (size - 1)
    return home


def spread(values: np.ndarray, home: np.ndarray, size: int, fill: float | int = EMPTY) -> np.ndarray:
    """``values`` (one per key, in the keys' order) laid out in a table of ``size`` slots, each in its
    key's slot from :func:`build`, ``fill`` in the free ones."""
    out = np.full(size, fill, dtype=values.dtype)
    out[home] = values
    return out


def lookup(table: np.ndarray, wanted: np.ndarray, valid: np.ndarray,
           hash_fn: HashFunction = fibonacci_hash) -> tuple[np.ndarray, np.ndarray]:
    """Per wanted key: its slot in ``table`` (0 where absent) and whether it is there.

    ``table`` holds the keys in slot order (``spread(keys, build(keys, hash_fn), size)``),
    none negative. Keys where ``valid`` is False are not looked up and count as absent, as
    negative ones do.
    """
    bits = len(table).bit_length() - 1
    mask = len(table) - 1
    at = np.zeros(len(wanted), dtype=np.int64)
    found = np.zeros(len(wanted), dtype=bool)
    # A negative key would match the EMPTY mark of a free slot.
    pending = np.flatnonzero(valid & (wanted >= 0))
    want = wanted[pending]
    slot = hash_fn(want, bits)
    while pending.size:
        held = table[slot]
        hit = held == want
        if hit.any():
            done = pending[hit]
            at[done] = slot[hit]
            found[done] = True
        go_on = (held != EMPTY) & ~hit
        pending, want, slot = pending[go_on], want[go_on], (slot[go_on] + 1) & mask
    return at, found
