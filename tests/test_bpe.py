"""Byte-level BPE word encoding."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from unspin import bpe as bpe_module
from unspin.bpe import BytePairEncoder, byte_alphabet
from unspin.errors import DataError

VOCAB = [*byte_alphabet(), "Ġt", "he", "Ġthe", "Ġs", "12", "Ġ1"]
MERGES = ["Ġ t", "h e", "Ġt he", "Ġ s", "1 2", "Ġ 1"]


def decode(bpe: BytePairEncoder, ids: tuple[int, ...]) -> str:
    back = {c: b for b, c in enumerate(byte_alphabet())}
    pieces = {i: p for p, i in bpe.ids.items()}
    return bytes(back[c] for i in ids for c in pieces[i]).decode("utf-8")


def test_alphabet_is_a_printable_bijection_with_space_as_g_dot():
    alphabet = byte_alphabet()
    assert len(set(alphabet)) == 256
    assert alphabet[ord(" ")] == "Ġ"
    assert alphabet[ord("A")] == "A"
    assert all(c.isprintable() for c in alphabet)


def test_merges_apply_in_rank_order():
    bpe = BytePairEncoder(VOCAB, MERGES)
    assert bpe.encode(" the") == (bpe.ids["Ġthe"],)
    assert bpe.encode("the") == (bpe.ids["t"], bpe.ids["he"])
    assert bpe.encode(" sea") == (bpe.ids["Ġs"], bpe.ids["e"], bpe.ids["a"])


def test_digits_are_split_one_by_one_when_the_model_was_trained_so():
    split = BytePairEncoder(VOCAB, MERGES)
    whole = BytePairEncoder(VOCAB, MERGES, split_digits=False)
    assert split.encode(" 12") == (split.ids["Ġ1"], split.ids["2"])
    assert whole.encode("12") == (whole.ids["12"],)
    assert decode(split, split.encode(" 12th")) == " 12th"


def test_merges_given_as_pairs_are_read_like_strings():
    assert BytePairEncoder(VOCAB, [m.split(" ") for m in MERGES]).encode(" the") == \
        BytePairEncoder(VOCAB, MERGES).encode(" the")


def test_malformed_merge_is_a_data_error():
    with pytest.raises(DataError, match="malformed BPE merge"):
        BytePairEncoder(VOCAB, ["Ġ t x"])


@given(st.text(min_size=1, max_size=20))
def test_any_text_round_trips_through_its_pieces(word):
    bpe = BytePairEncoder(VOCAB, MERGES)
    assert decode(bpe, bpe.encode(word)) == word


def test_encodings_are_remembered_within_a_ceiling(monkeypatch):
    calls: list[str] = []
    encode = BytePairEncoder._encode

    def counting(self, word):
        calls.append(word)
        return encode(self, word)

    monkeypatch.setattr(BytePairEncoder, "_encode", counting)
    monkeypatch.setattr(bpe_module, "ENCODE_MEMO_ENTRIES", 3)
    bpe = BytePairEncoder(VOCAB, MERGES)
    words = [" the", " sea", "the", " the", " 12"]
    first = [bpe.encode(w) for w in words]
    assert calls == [" the", " sea", "the", " 12"]  # " the" again was remembered
    assert [bpe.encode(w) for w in words] == first
    assert len(calls) > 4  # the memo emptied itself rather than growing past three


def _merge_by_rescanning(bpe: BytePairEncoder, chunk: str) -> list[str]:
    """The merge rule stated plainly: join the lowest-ranked adjacent pair (the first of equals)."""
    parts = [byte_alphabet()[b] for b in chunk.encode("utf-8")]
    while len(parts) > 1:
        pairs = [(bpe.ranks.get(pair, len(bpe.ranks)), k) for k, pair in enumerate(pairwise(parts))]
        rank, best = min(pairs)
        if rank == len(bpe.ranks):
            break
        parts[best : best + 2] = [parts[best] + parts[best + 1]]
    return parts


# Overlapping merges, so that which pair goes first matters ("aaa", "aba", "abab").
OVERLAP_MERGES = ["a a", "a b", "b a", "aa a", "ab a", "a ba", "ab ab", "b b", "Ġ a", "Ġa b"]
OVERLAP_VOCAB = [*byte_alphabet(), "aa", "ab", "ba", "aaa", "aba", "abab", "bb", "Ġa", "Ġab"]


@given(st.text(alphabet="ab c", min_size=1, max_size=24))
def test_merging_follows_the_plain_rule(chunk):
    bpe = BytePairEncoder(OVERLAP_VOCAB, OVERLAP_MERGES)
    assert bpe._merge(chunk) == _merge_by_rescanning(bpe, chunk)
