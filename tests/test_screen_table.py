"""The screen's candidate table: the same answers as working each word out, built once."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from unspin.pipeline import default_engine
from unspin.screen import Screen
from unspin.screen_table import CandidateTable, build_table, load_table, table_folder
from unspin.text import tokenize

WORDS = ("firm", "visit", "individuals", "top", "2nd", "the", "qzxvbnmw", "japan's", "summit", "went")


@pytest.fixture(scope="module")
def live() -> Screen:
    """A screen with the shipped settings that works every word out (no table)."""
    tuned = default_engine().screen
    return Screen(tuned.channel, tuned.lm, tuned.p, top=tuned.top, calibration=tuned.calibration,
                  cut=tuned.cut)


def _same(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]) -> bool:
    return a[0].dtype == b[0].dtype and np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])


def test_each_row_holds_what_the_screen_works_out_for_that_word(live):
    table = CandidateTable(build_table(live.candidates, WORDS, live.top))
    sizes = []
    for k, word in enumerate(WORDS):
        assert _same(table.get(k), live.candidates(word)), word
        sizes.append(int(table.size[k]))
    assert max(sizes) == live.top and 0 in sizes  # full rows, and words with no candidates


def test_a_table_is_built_once_and_memory_mapped_after(tmp_path, live):
    calls: list[str] = []

    def compute(word: str):
        calls.append(word)
        return live.candidates(word)

    folder = tmp_path / "table"
    first = load_table(folder, compute, WORDS, live.top)
    again = load_table(folder, compute, WORDS, live.top)
    assert calls == list(WORDS)
    assert isinstance(again.ids.base, np.memmap)
    assert all(_same(first.get(k), again.get(k)) for k in range(len(WORDS)))
    assert [p.name for p in tmp_path.iterdir()] == ["table"]  # no temporary folder left behind


def test_the_folder_name_changes_with_every_input(tmp_path, live):
    lexicon = live.channel.lexicon.path
    base = table_folder(tmp_path, lexicon, "lm", live.p, 8)
    assert table_folder(tmp_path, lexicon, "lm", live.p, 8) == base
    others = {table_folder(tmp_path, lexicon, "lm", live.p, 3),
              table_folder(tmp_path, lexicon, "other lm", live.p, 8),
              table_folder(tmp_path, lexicon, "lm", dataclasses.replace(live.p, w_logq=0.5), 8)}
    assert base not in others and len(others) == 3


def test_the_shipped_screen_reads_the_table_and_scores_as_without_it(live):
    tuned = default_engine().screen
    assert tuned.table is not None
    text = ("The firm said the four-day go to was ahead of a 2nd top with the Individuals. "
            "Japan's leaders went to the summit, officials said.")
    for tok in tokenize(text):
        if tok.kind == "word":
            assert _same(tuned.candidates(tok.lower), live.candidates(tok.lower)), tok.text
    assert tuned.evidence(tokenize(text)) == live.evidence(tokenize(text))
