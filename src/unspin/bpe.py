"""Byte-level BPE, the tokenizer of GPT-2-style language models (SmolLM2, Llama 3...).

The deep scorer feeds the model one text token at a time (so it knows where
every word starts in the model's pieces), which makes a small, memoised
word encoder enough: no tokenizer library is needed, and the vocabulary and
merges come from the model file itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from itertools import pairwise

from .errors import DataError
from .memo import word_memo

#: Encoded words a scorer keeps at once (about 200 bytes each).
ENCODE_MEMO_ENTRIES = 100_000


@cache
def byte_alphabet() -> tuple[str, ...]:
    """The printable stand-in for each byte value, as GPT-2's byte-level BPE defines it.

    Printable Latin-1 bytes stand for themselves; the others (controls, space)
    are shifted past 255, so that a space becomes "Ġ" and every byte string
    is a string of visible characters.
    """
    keep = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    kept = set(keep)
    table = {}
    extra = 0
    for b in range(256):
        if b in kept:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + extra)
            extra += 1
    return tuple(table[b] for b in range(256))


class BytePairEncoder:
    """Encodes single words to model piece ids with a vocabulary and ranked merges."""

    def __init__(self, vocab: Sequence[str], merges: Sequence[str | Sequence[str]],
                 split_digits: bool = True) -> None:
        self.ids = {piece: i for i, piece in enumerate(vocab)}
        self.ranks: dict[tuple[str, str], int] = {}
        for rank, merge in enumerate(merges):
            pair = merge.split(" ") if isinstance(merge, str) else list(merge)
            if len(pair) != 2:
                raise DataError(f"malformed BPE merge {merge!r} in the model's tokenizer")
            self.ranks.setdefault((pair[0], pair[1]), rank)
        #: Models trained with digits split one by one must see numbers that way.
        self.split_digits = split_digits
        self._alphabet = byte_alphabet()
        # Bounded: a long scan meets new surfaces (every candidate original of every new word) without
        # end, and an unbounded cache grew with the collection.
        self.encode = word_memo(ENCODE_MEMO_ENTRIES)(self._encode)

    def _encode(self, word: str) -> tuple[int, ...]:
        """Piece ids of ``word`` (include a leading space where the text has one)."""
        out: list[int] = []
        for chunk in self._chunks(word):
            for piece in self._merge(chunk):
                out.extend(self._piece_ids(piece))
        return tuple(out)

    def _chunks(self, word: str) -> list[str]:
        if not self.split_digits or not any(c.isdigit() for c in word):
            return [word]
        chunks: list[str] = []
        for c in word:
            if c.isdigit() or not chunks or chunks[-1][-1].isdigit():
                chunks.append(c)
            else:
                chunks[-1] += c
        # A leading space belongs to the first chunk, digit or not, as in the model's pre-tokenizer.
        if len(chunks) > 1 and chunks[0] == " ":
            chunks[:2] = [" " + chunks[1]]
        return chunks

    def _merge(self, chunk: str) -> list[str]:
        parts = [self._alphabet[b] for b in chunk.encode("utf-8")]
        ranks = self.ranks
        never = 1 << 30
        # Each adjacent pair's rank, kept beside the parts: a merge changes only its neighbours'
        # ranks, and the lowest (the first of equals) is found without a Python call per pair.
        pair_ranks = [ranks.get(pair, never) for pair in pairwise(parts)]
        while pair_ranks:
            lowest = min(pair_ranks)
            if lowest == never:
                break
            best = pair_ranks.index(lowest)
            parts[best : best + 2] = [parts[best] + parts[best + 1]]
            del pair_ranks[best]
            if best > 0:
                pair_ranks[best - 1] = ranks.get((parts[best - 1], parts[best]), never)
            if best < len(pair_ranks):
                pair_ranks[best] = ranks.get((parts[best], parts[best + 1]), never)
        return parts

    def _piece_ids(self, piece: str) -> list[int]:
        found = self.ids.get(piece)
        if found is not None:
            return [found]
        # A merged piece missing from the vocabulary: fall back to its characters.
        return [self.ids[c] for c in piece if c in self.ids]
