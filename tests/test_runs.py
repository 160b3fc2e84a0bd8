"""The first pass's word runs: rows of ids, scored in one batch as word-by-word look-ups would."""

from __future__ import annotations

import numpy as np
import pytest

from unspin.lm import BOS, EOS
from unspin.pipeline import default_engine
from unspin.runs import Runs, SentenceWords, keep_run, lm_word
from unspin.text import tokenize


@pytest.fixture(scope="module")
def lm():
    return default_engine().scorer


def _by_lookups(lm, words: list[str]) -> float:
    """The run's score asked word by word: each word after the two before it."""
    return sum(lm.logprob(w, tuple(words[k - 2 : k])) for k, w in enumerate(words) if k >= 2)


def test_runs_of_any_length_added_singly_or_in_blocks_score_as_lookups(lm):
    rows = [["the", "company", "said"], [BOS, BOS, "officials", "met", "in", "paris"],
            ["a", "second", "summit", EOS], ["went", "to", "qzxvbnmw", "today"], ["of", "the", "people"]]
    runs = Runs()
    numbers = [runs.add_one(lm.word_ids(rows[0]).tolist())]
    block = np.stack([lm.word_ids(rows[4]), lm.word_ids(rows[0])])
    numbers += [runs.add_one(lm.word_ids(r).tolist()) for r in rows[1:4]]
    numbers += runs.add(block).tolist()
    assert numbers == list(range(6))
    scores = runs.scores(lm).tolist()
    want = [_by_lookups(lm, r) for r in (*rows[:4], rows[4], rows[0])]
    assert scores == pytest.approx(want, abs=1e-9)
    assert scores[0] == scores[5]  # the same row, once alone and once in a block
    assert runs.scores(lm).tolist() == scores  # scoring leaves the runs as they were


def test_no_runs_score_nothing(lm):
    assert Runs().scores(lm).tolist() == []


def test_sentence_words_pad_read_digits_and_skip_punctuation():
    tokens = tokenize("He met 3 leaders, again.")
    words = SentenceWords(tokens, 0, len(tokens))
    assert words.padded == [BOS, BOS, "he", "met", "three", "leaders", "again", EOS]
    assert lm_word(tokens[2]) == "three"
    comma = next(k for k, t in enumerate(tokens) if t.text == ",")
    assert words.observed(comma, comma + 1) == ()
    assert words.left(0) == (BOS, BOS)
    assert words.left(3) == ("met", "three")
    assert words.right(len(tokens) - 1) == (EOS,)
    assert words.right(1) == ("met", "three")


def test_a_keep_run_is_added_once_per_span_end(lm):
    tokens = tokenize("The firm will go to Beijing soon.")
    words = SentenceWords(tokens, 0, len(tokens))
    padded = tuple(lm.word_ids(words.padded).tolist())
    runs = Runs()
    ends: dict = {}
    context = tuple(lm.word_ids(list(words.left(3))).tolist())
    right, first = keep_run(runs, ends, words, 3, 5, context, padded)
    assert keep_run(runs, ends, words, 3, 5, context, padded) == (right, first)
    assert runs.count == 1
    assert right == tuple(lm.word_ids(["beijing", "soon"]).tolist())
    _, other = keep_run(runs, ends, words, 3, 4, context, padded)
    assert other != first and runs.count == 2
    score = runs.scores(lm)[first]
    assert score == pytest.approx(_by_lookups(lm, ["firm", "will", "go", "to", "beijing", "soon"]), abs=1e-9)
