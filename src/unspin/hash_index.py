"""An open-addressing hash index over sorted int64 keys, built and probed with whole numpy arrays.

The trigram tables answer millions of n-gram look-ups per batch of documents.
A binary search over their sorted keys (two million bigrams) touches about
twenty places in tens of megabytes per key; a hash slot is usually right at
the first probe. The index is one array of slots, each holding the position
of a key in the sorted array (``EMPTY`` for none), so it is saved to the
cache and memory-mapped like the keys it indexes, and a probe reads the key
itself from them.

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


def build(keys: np.ndarray, hash_fn: HashFunction = fibonacci_hash) -> np.ndarray:
    """The slots of an index over distinct ``keys``: each the position of a key, or ``EMPTY``."""
    bits = table_bits(len(keys))
    mask = (1 << bits) - 1
    slots = np.full(1 << bits, EMPTY, dtype=np.int32 if len(keys) < 2**31 else np.int64)
    pending = np.arange(len(keys), dtype=np.int64)
    slot = hash_fn(keys, bits)
    while pending.size:
        tried = slot[pending]
        free = slots[tried] == EMPTY
        # Of the keys that reach the same free slot this round, the first takes it.
        taken, first = np.unique(tried[free], return_index=True)
        slots[taken] = pending[free][first]
        waiting = np.ones(len(pending), dtype=bool)
        waiting[np.flatnonzero(free)[first]] = False
        pending = pending[waiting]
        slot[pending] = (slot[pending] + 1) & mask
    return slots


def lookup(keys: np.ndarray, slots: np.ndarray, wanted: np.ndarray, valid: np.ndarray,
           hash_fn: HashFunction = fibonacci_hash) -> tuple[np.ndarray, np.ndarray]:
    """Per wanted key: its position in ``keys`` (0 where absent) and whether it is there.

    ``slots`` is what :func:`build` made of ``keys`` with the same ``hash_fn``.
    Keys where ``valid`` is False are not looked up and count as absent.
    """
    bits = len(slots).bit_length() - 1
    mask = len(slots) - 1
    at = np.zeros(len(wanted), dtype=np.int64)
    found = np.zeros(len(wanted), dtype=bool)
    pending = np.flatnonzero(valid) if len(keys) else np.zeros(0, dtype=np.int64)
    want = wanted[pending]
    slot = hash_fn(want, bits)
    while pending.size:
        held = slots[slot].astype(np.int64)
        filled = held != EMPTY
        hit = filled & (keys[np.maximum(held, 0)] == want)
        if hit.any():
            at[pending[hit]] = held[hit]
            found[pending[hit]] = True
        go_on = filled & ~hit
        pending, want, slot = pending[go_on], want[go_on], (slot[go_on] + 1) & mask
    return at, found
