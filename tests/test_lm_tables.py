"""The trigram model's arrays: decoded from pocketsphinx's own file, they must give its numbers."""

from __future__ import annotations

import os
import random

import numpy as np
import pytest

from unspin.errors import DataError
from unspin.lm import BOS, EOS, NGramScorer, default_scorer
from unspin.lm_tables import TrigramTables, load_tables, read_trie

PROSE = (
    "the president said on tuesday that the government would not raise taxes this year . "
    "officials in the city of new york reported a second summit ahead of the visit . "
    "a qzxvbnmw appeared near the great hall of the people"
)


@pytest.fixture(scope="module")
def lm() -> NGramScorer:
    return default_scorer()


@pytest.fixture(scope="module")
def tables(lm) -> TrigramTables:
    return lm.tables


@pytest.fixture(scope="module")
def decoded(lm) -> dict[str, np.ndarray]:
    return read_trie(lm._path)


def test_decoded_keys_are_sorted_and_the_tables_hold_each_once(decoded, tables):
    assert np.all(np.diff(decoded["bi_key"]) > 0)
    assert np.all(np.diff(decoded["tri_key"]) > 0)
    for order in ("bi", "tri"):
        held = getattr(tables, f"{order}_key")
        assert np.sort(held[held >= 0]).tolist() == decoded[f"{order}_key"].tolist()
    assert len(tables.bi_key) == len(tables.bi_p) == len(tables.bi_bo)
    assert len(tables.tri_key) == len(tables.tri_p)
    assert len(tables.words) == tables.V == len(tables.uni_p)
    assert tables.ids["people"] == tables.words.index("people")


def _queries(tables: TrigramTables, n: int = 3000) -> list[tuple[str, str, str]]:
    """Prose trigrams, trigrams the model stores, random word triples, and short or cut histories."""
    rng = random.Random(7)
    words = [BOS, BOS, *PROSE.split(), EOS]
    out = [(words[i - 2], words[i - 1], words[i]) for i in range(2, len(words))]
    stored = tables.tri_key[tables.tri_key >= 0]
    for k in rng.sample(range(len(stored)), n):
        bigram, h2 = divmod(int(stored[k]), tables.V)
        w, h1 = divmod(bigram, tables.V)
        out.append((tables.words[h2], tables.words[h1], tables.words[w]))
    vocab = tables.words
    out += [(rng.choice(vocab), rng.choice(vocab), rng.choice(vocab)) for _ in range(n)]
    out += [("", rng.choice(vocab), rng.choice(vocab)) for _ in range(200)]
    out += [("", "", rng.choice(vocab)) for _ in range(200)]
    out += [("qzxvbnmw", "the", "people"), ("the", "qzxvbnmw", "people"), ("of", "the", "qzxvbnmw")]
    return out


def test_batch_gives_exactly_what_pocketsphinx_gives(lm, tables):
    queries = _queries(tables)
    h2, h1, w = (list(x) for x in zip(*queries, strict=True))
    got = lm.batch(h2, h1, w)
    want = [lm.logprob(c, [x for x in (a, b) if x] if b else []) for a, b, c in queries]
    assert got.tolist() == want


def test_unknown_words_get_the_scorer_floor_and_cut_the_history(lm):
    got = lm.batch(["of", "qzxvbnmw", "the"], ["the", "the", "qzxvbnmw"], ["qzxvbnmw", "people", "people"])
    assert got[0] == lm.unknown_logprob
    assert got[1] == lm.logprob("people", ["the"])
    assert got[2] == lm.unigram("people")


def test_tables_are_decoded_once_into_the_cache(tmp_path, lm):
    first = load_tables(lm._path, tmp_path)
    (folder,) = tmp_path.iterdir()
    stamp = os.stat(folder / "tri_p.npy").st_mtime_ns
    again = load_tables(lm._path, tmp_path)
    assert os.stat(folder / "tri_p.npy").st_mtime_ns == stamp
    assert isinstance(again.tri_p.base, np.memmap)  # a view of the file, not a copy
    ids = again.id_of(["of", "the", "people"])
    assert again.logprobs(ids[:1], ids[1:2], ids[2:]) == first.logprobs(ids[:1], ids[1:2], ids[2:])


def test_a_file_that_is_not_a_trie_model_is_a_data_error(tmp_path):
    bad = tmp_path / "model.lm.bin"
    bad.write_bytes(b"Darpa Trigram LM\0" + bytes(64))
    with pytest.raises(DataError, match="not a pocketsphinx trie"):
        read_trie(bad)


def test_a_batch_of_bigrams_only_gives_the_same_numbers(lm, tables):
    # Without any older word the tables skip the trigram searches; the numbers must not change.
    queries = [q for q in _queries(tables, n=500) if not q[0]]
    assert len(queries) > 300
    got = lm.batch([""] * len(queries), [q[1] for q in queries], [q[2] for q in queries])
    assert got.tolist() == [lm.logprob(c, [b] if b else []) for _, b, c in queries]
