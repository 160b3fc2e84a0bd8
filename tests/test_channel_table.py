"""The channel's table of originals: the same answers as working each word out, built once."""

from __future__ import annotations

import numpy as np
import pytest

from unspin import channel_table
from unspin.channel import Channel, Originals, document_counts, lemma_of
from unspin.channel_table import build_table, load_table, table_folder
from unspin.errors import DataError
from unspin.pipeline import default_engine
from unspin.text import sentences, tokenize

WORDS = ("firm", "visit", "visiting", "individuals", "top", "the", "qzxvbnmw", "japan's", "went", "2nd")


@pytest.fixture(scope="module")
def live() -> Channel:
    """The shipped channel's weights, lexicon and model, working every word out (no table)."""
    engine = default_engine()
    return Channel(engine.lexicon, engine.params, engine.scorer)


def _same(a: Originals, b: Originals) -> bool:
    return (a.originals == b.originals and a.lemmas == b.lemmas
            and [a.features(k) for k in range(len(a))] == [b.features(k) for k in range(len(b))]
            and a.labels == b.labels and a.words == b.words and np.array_equal(a.first_ids, b.first_ids)
            and np.array_equal(a.last_ids, b.last_ids) and np.array_equal(a.base_logq, b.base_logq)
            and a.n_words.tolist() == b.n_words.tolist())


def test_each_word_gets_exactly_what_the_channel_works_out(tmp_path, live):
    table = load_table(tmp_path / "t", live.ranked, lemma_of, WORDS, live.lm.word_ids)
    sizes = []
    for k, word in enumerate(WORDS):
        got = table.originals(k, live.lm.unigram(word), live.params)
        assert _same(got, live.originals(word)), word
        sizes.append(len(got))
    assert min(sizes) == 0 and max(sizes) > 50  # words with none, and long lists
    assert table.n_words.tolist() == [len(s.split(" ")) for s in table.strings]
    assert any(label == "phrase_swap" for label in live.originals("visit").labels)


def test_a_table_is_built_once_and_memory_mapped_after(tmp_path, live):
    calls: list[str] = []

    def ranked(word: str):
        calls.append(word)
        return live.ranked(word)

    load_table(tmp_path / "t", ranked, lemma_of, WORDS, live.lm.word_ids)
    assert calls == list(WORDS)
    channel_table._LOADED.clear()  # as a new process would
    again = load_table(tmp_path / "t", ranked, lemma_of, WORDS, live.lm.word_ids)
    assert calls == list(WORDS)
    assert isinstance(again.sid.base, np.memmap)


def test_the_build_refuses_numbers_it_could_not_give_back(live):
    def ranked(word: str):
        orig, c, label = live.ranked("firm")[0]
        return [(orig, c._replace(logq=c.logq + 1e-6), label)]

    with pytest.raises(DataError, match="three decimals"):
        build_table(ranked, lemma_of, ["firm"], live.lm.word_ids)


def test_the_folder_name_changes_with_the_lexicon_file_and_the_model(tmp_path, live):
    lexicon = live.lexicon.path
    other = tmp_path / "other.sqlite"
    other.write_bytes(b"x")
    base = table_folder(tmp_path, lexicon, "lm")
    assert table_folder(tmp_path, lexicon, "lm") == base
    assert len({base, table_folder(tmp_path, other, "lm"), table_folder(tmp_path, lexicon, "lm2")}) == 3


def test_the_engine_reads_the_table_and_proposes_as_without_it(live):
    engine = default_engine()
    assert engine.channel.table is not None
    tokens = tokenize("The firm said the four-day go to was ahead of a 2nd top with the Individuals. "
                      "Japan's leaders went to the summit, officials said.")
    counts = document_counts(tokens)
    for lo, hi in sentences(tokens):
        got, want = (channel.positions(tokens, lo, hi, counts) for channel in (engine.channel, live))
        def rows(positions):
            return [(p.index, p.guarded, p.options) for p in positions]

        assert rows(got) == rows(want)
        assert any(p.options for p in got)


def test_building_a_table_drops_tables_of_older_versions(tmp_path, live):
    old = tmp_path / "channel-table-v0-abc"
    old.mkdir()
    (old / "sid.npy").write_bytes(b"x")
    other = tmp_path / f"channel-table-v{channel_table.TABLE_VERSION}-other"
    other.mkdir()  # same version, other inputs: kept
    load_table(tmp_path / f"channel-table-v{channel_table.TABLE_VERSION}-new", live.ranked, lemma_of, WORDS,
               live.lm.word_ids)
    assert not old.exists() and other.exists()


@pytest.mark.parametrize("observed", ["reinforcements", "weapons", "spectacles", "departed", "troops"])
def test_no_original_is_an_inflected_word_inflected_again(live, observed):
    ids = live.lm.word_ids
    for original, _, _ in live.ranked(observed):
        for word in original.split():
            # "soldiers" -> "soldierses", "small arms" -> "small armses", "went" -> "wented"
            for stem in (word[:-2], word[:-1]):
                assert not (ids([word])[0] < 0 <= ids([stem])[0] and stem.endswith(("s", "ed"))), original


def test_building_a_table_keeps_tables_of_newer_versions(tmp_path, live):
    newer = tmp_path / f"channel-table-v{channel_table.TABLE_VERSION + 1}-abc"
    newer.mkdir()  # a newer unspin sharing the cache: rebuilding its table after each run would be waste
    (newer / "sid.npy").write_bytes(b"x")
    load_table(tmp_path / f"channel-table-v{channel_table.TABLE_VERSION}-new", live.ranked, lemma_of, WORDS,
               live.lm.word_ids)
    assert (newer / "sid.npy").exists()
