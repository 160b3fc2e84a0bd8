"""The screen's candidates for every word the language model knows, worked out once.

Per observed word, the screen needs the ids and context-free channel scores
of its few likeliest one-word originals (:meth:`unspin.screen.Screen.candidates`).
Working that out for a word not met before takes a lexicon look-up and
inflection, about 0.2 ms: over a crawl's long tail of words, most of the
screen's time. This table holds the answer for each of the model's 72,547
words, a row per word id, built once into the cache (about 15 s) and
memory-mapped after. Words outside the model's vocabulary are still worked
out as they come.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from .array_cache import file_stamp, load_or_build, versioned_folder

#: Bump when what the screen computes per word changes: tables of older versions are ignored.
TABLE_VERSION = 2
_ARRAYS = ("ids", "logq", "size")

Candidates = tuple[np.ndarray, np.ndarray]


class CandidateTable:
    """Per word id: up to ``top`` candidate ids and their scores, and how many there are."""

    def __init__(self, arrays: dict[str, np.ndarray]) -> None:
        self.ids = arrays["ids"]
        self.logq = arrays["logq"]
        self.size = arrays["size"]

    def get(self, wid: int) -> Candidates:
        """The candidates of the word with id ``wid``, as :meth:`Screen.candidates` gives them."""
        n = int(self.size[wid])
        return self.ids[wid, :n], self.logq[wid, :n]


def build_table(compute: Callable[[str], Candidates], vocabulary: Sequence[str],
                top: int) -> dict[str, np.ndarray]:
    """The table's arrays: ``compute(word)`` for every word of ``vocabulary``, row k for word k."""
    ids = np.full((len(vocabulary), top), -1, dtype=np.int64)
    logq = np.zeros((len(vocabulary), top))
    size = np.zeros(len(vocabulary), dtype=np.int16)
    for k, word in enumerate(vocabulary):
        c, q = compute(word)
        ids[k, : len(c)] = c
        logq[k, : len(q)] = q
        size[k] = len(c)
    return {"ids": ids, "logq": logq, "size": size}


def table_folder(cache: Path, lexicon_file: Path, scorer_name: str, params: object, top: int) -> Path:
    """Where the table for these inputs lives: the name fingerprints everything its rows depend on."""
    inputs = [*file_stamp(lexicon_file), scorer_name, dataclasses.astuple(params), top]
    return versioned_folder(cache, "screen-table", TABLE_VERSION, inputs)


def load_table(folder: Path, compute: Callable[[str], Candidates], vocabulary: Sequence[str],
               top: int) -> CandidateTable:
    """The table in ``folder``, built there first if it is not (see :func:`build_table`)."""
    return CandidateTable(load_or_build(folder, _ARRAYS, lambda: build_table(compute, vocabulary, top)))
