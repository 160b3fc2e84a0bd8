"""The pocketsphinx trigram model as sorted arrays, for scoring many n-grams in one call.

pocketsphinx answers one n-gram per call, and the restorer asks for millions
per document batch; the call overhead, not the arithmetic, was the cost.
This module reads the model's binary trie (the "Trie Language Model" format
of sphinxbase: bit-packed, reversed so that the newest word is the root, 16-bit
quantised weights) into flat numpy arrays once, keeps them in the cache
directory as hash tables (:mod:`unspin.hash_index`), and scores whole arrays
of (h2, h1, w) word ids with a few vectorised look-ups. Numbers are those
pocketsphinx gives, to within its rounding (a test checks it).

Keys: a bigram "h1 w" has key ``w * V + h1``; a trigram "h2 h1 w" has key
``(w * V + h1) * V + h2`` (under 2^49 for the model's 72,547 words). Each
n-gram's weights sit in the slot of its key.
"""

from __future__ import annotations

import math
import os
import struct
from pathlib import Path

import numpy as np

from .array_cache import load_or_build
from .errors import DataError
from .hash_index import build, lookup, slot_count, spread

#: Bump when the array layout written to the cache changes.
TABLES_VERSION = 4
_HEADER = b"Trie Language Model"
# pocketsphinx's weights are logarithms in base 1.0001.
_LOGMATH_TO_LN = math.log(1.0001)
_QUANT_16 = 1
_ARRAYS = ("vocab", "uni_p", "uni_bo", "bi_key", "bi_p", "bi_bo", "tri_key", "tri_p")
#: Bigram slots are at most a quarter full (the look-ups that prune candidates ask only for bigrams,
#: more than half of all), trigram slots half: 176 MB in the cache, 128 of them bigrams.
_BIGRAM_SPARSITY = 2


class TrigramTables:
    """Vectorised look-ups into one trigram model; ``V`` words, ids 0..V-1, -1 for none or unknown."""

    def __init__(self, arrays: dict[str, np.ndarray]) -> None:
        # A tuple of strings, which the garbage collector stops tracking (a list it walks each time).
        words = tuple(arrays["vocab"].tolist())
        self.words: tuple[str, ...] = words
        self.ids: dict[str, int] = {w: i for i, w in enumerate(words)}
        self.V = len(words)
        self.uni_p = arrays["uni_p"]
        self.uni_bo = arrays["uni_bo"]
        # Hash tables: keys in slot order, weights in their keys' slots (see unspin.hash_index).
        self.bi_key = arrays["bi_key"]
        self.bi_p = arrays["bi_p"]
        self.bi_bo = arrays["bi_bo"]
        self.tri_key = arrays["tri_key"]
        self.tri_p = arrays["tri_p"]

    def id_of(self, words: list[str]) -> np.ndarray:
        """Word ids (-1 for a word the model does not know)."""
        get = self.ids.get
        return np.fromiter((get(w, -1) for w in words), dtype=np.int64, count=len(words))

    def logprobs(self, h2: np.ndarray, h1: np.ndarray, w: np.ndarray) -> np.ndarray:
        """ln P(w | h2 h1) for aligned id arrays, with Katz back-off as pocketsphinx computes it.

        ``w`` must be known (>= 0). A history word of -1 cuts the history
        there: h1 = -1 scores the unigram, h2 = -1 the bigram.
        """
        V = self.V
        p = self.uni_p[w]
        has1 = h1 >= 0
        has2 = has1 & (h2 >= 0)
        bigram = w * V + h1
        b, f2 = lookup(self.bi_key, bigram, has1)
        bo1 = np.where(has1, self.uni_bo[np.maximum(h1, 0)], 0.0)
        if not has2.any():
            # Bigram look-ups only (the restorer's pruning asks for thousands): two look-ups fewer.
            return _to_ln(np.where(f2, self.bi_p[b], p + bo1))
        # The back-off weight of the context "h2 h1" sits on its own bigram's slot.
        c, fc = lookup(self.bi_key, h1 * V + h2, has2)
        bo2 = np.where(fc, self.bi_bo[c], 0.0)
        t, f3 = lookup(self.tri_key, bigram * V + h2, has2 & f2)
        out = np.where(f2, self.bi_p[b] + bo2, p + bo1 + bo2)
        return _to_ln(np.where(f3, self.tri_p[t], out))


def _to_ln(logmath: np.ndarray) -> np.ndarray:
    """pocketsphinx sums in float32 and hands back an int: the same arithmetic gives the same numbers."""
    return np.trunc(logmath).astype(np.float64) * _LOGMATH_TO_LN

def read_trie(path: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    """Decode a sphinxbase trigram trie file into arrays, each n-gram order sorted by key
    (:func:`indexed` makes them the hash tables :class:`TrigramTables` takes)."""
    data = Path(path).read_bytes()
    if not data.startswith(_HEADER):
        raise DataError(f"{path} is not a pocketsphinx trie language model; reinstall pocketsphinx")
    off = len(_HEADER)
    order = data[off]
    off += 1
    if order != 3:
        raise DataError(f"{path} is a {order}-gram model; unspin's tables expect a trigram model")
    n1, cap2, cap3 = struct.unpack_from("<3I", data, off)
    off += 12
    (quant,) = struct.unpack_from("<i", data, off)
    off += 4
    if quant != _QUANT_16:
        raise DataError(f"{path} uses weight quantisation {quant}; unspin reads only the 16-bit kind")
    bins = np.frombuffer(data, dtype="<f4", count=3 * 65536, offset=off)
    bi_p_bins, bi_bo_bins, tri_p_bins = bins[:65536], bins[65536:131072], bins[131072:]
    off += bins.size * 4
    uni = np.frombuffer(data, dtype=[("p", "<f4"), ("bo", "<f4"), ("next", "<u4")], count=n1 + 1, offset=off)
    off += uni.size * 12
    word_bits = n1.bit_length()
    next_bits = cap3.bit_length()
    mid_bits = word_bits + 32 + next_bits
    mid_size = ((1 + cap2) * mid_bits + 7) // 8 + 8
    mid = _fields(data, off, cap2 + 1, mid_bits, (word_bits, 16, 16, next_bits))
    off += mid_size
    tri_size = ((1 + cap3) * (word_bits + 16) + 7) // 8 + 8
    tri = _fields(data, off, cap3, word_bits + 16, (word_bits, 16))
    off += tri_size
    (k,) = struct.unpack_from("<i", data, off)
    vocab = data[off + 4 : off + 4 + k].decode("utf-8").split("\0")[:n1]

    # The arrays are sized by the header's counts, but the entries in use end where the
    # parents' last "next" pointer says (the header counts n-grams the build dropped).
    uni_next = uni["next"].astype(np.int64)
    n2 = int(uni_next[-1])
    bi_parent = np.repeat(np.arange(n1, dtype=np.int64), np.diff(uni_next))
    bi_word, bi_bo_q, bi_p_q, bi_next = (x[: n2 + 1] for x in mid)
    n3 = int(bi_next[-1])
    tri_parent = np.repeat(np.arange(n2, dtype=np.int64), np.diff(bi_next))
    tri_word, tri_p_q = (x[:n3] for x in tri)
    bi_key = bi_parent * n1 + bi_word[:n2].astype(np.int64)
    tri_key = bi_key[tri_parent] * n1 + tri_word.astype(np.int64)
    # The file has a couple of sibling runs out of order; sorted, the keys are easy to check.
    tri_order = np.argsort(tri_key, kind="stable")
    return {
        "vocab": np.array(vocab),
        "uni_p": uni["p"][:n1].copy(),
        "uni_bo": uni["bo"][:n1].copy(),
        "bi_key": bi_key,
        "bi_p": bi_p_bins[bi_p_q[:n2]],
        "bi_bo": bi_bo_bins[bi_bo_q[:n2]],
        "tri_key": tri_key[tri_order],
        "tri_p": tri_p_bins[tri_p_q[tri_order]],
    }


def _fields(data: bytes, start: int, count: int, width: int, sizes: tuple[int, ...]) -> list[np.ndarray]:
    """Split ``count`` little-endian bit-packed records of ``width`` bits into their fields."""
    # A uint64 starting at every byte: eight bytes from a field's first byte hold it whole
    # (fields are at most 25 bits), and the format pads each array by eight bytes for this.
    at_byte = np.ndarray((len(data) - start - 7,), dtype="<u8", buffer=data, offset=start, strides=(1,))
    out = []
    bit = np.arange(count, dtype=np.int64) * width
    for size in sizes:
        word = at_byte[bit >> 3]
        out.append(((word >> (bit & 7).astype(np.uint64)) & np.uint64((1 << size) - 1)).astype(np.int64))
        bit = bit + size
    return out


def load_tables(model_path: str | os.PathLike[str], cache: Path) -> TrigramTables:
    """The model's tables, decoded once into ``cache`` and memory-mapped from there after."""
    folder = cache / f"ngram-tables-v{TABLES_VERSION}-{os.stat(model_path).st_size}"
    return TrigramTables(load_or_build(folder, _ARRAYS, lambda: indexed(read_trie(model_path))))


def indexed(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """:func:`read_trie`'s arrays with the bigrams and trigrams laid out as hash tables."""
    out = dict(arrays)
    for order, sparsity, columns in (("bi", _BIGRAM_SPARSITY, ("p", "bo")), ("tri", 1, ("p",))):
        keys = arrays[f"{order}_key"]
        home, size = build(keys, sparsity=sparsity), slot_count(len(keys), sparsity)
        out[f"{order}_key"] = spread(keys, home, size)
        for column in columns:
            out[f"{order}_{column}"] = spread(arrays[f"{order}_{column}"], home, size, 0)
    return out
