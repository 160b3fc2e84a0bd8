"""Every vocabulary word's possible originals, worked out once into the cache.

For an observed word met for the first time, the channel looks up the word
and each of its lemmas in the lexicon, re-inflects the lemmas' candidates
and ranks them all (:meth:`unspin.channel.Channel.ranked`): about 0.2 ms a
word, a quarter of the analysis time over a stream of news articles, whose
vocabulary keeps growing. This table holds that ranking for each of the
language model's 72,547 words, as arrays memory-mapped from the cache (about
45 MB, shared by a scan's worker processes), so a word costs a slice.
Phrases and words outside the model's vocabulary are still worked out as met.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from .array_cache import file_stamp, load_or_build, versioned_folder
from .channel import Originals
from .errors import DataError
from .lexicon import Candidate
from .params import Params

#: Bump when what Channel.ranked computes changes: tables of older versions are ignored.
TABLE_VERSION = 5
_ARRAYS = ("strings", "lemma", "first", "last", "offsets", "sid", "logq", "unigram")
_LABELS = ("synonym_swap", "phrase_swap")

Ranked = Callable[[str], "list[tuple[str, Candidate, str]] | None"]


class ChannelTable:
    """Per word id of the language model: its originals, each with the lexicon's numbers."""

    def __init__(self, arrays: dict[str, np.ndarray]) -> None:
        #: Every original the table names, by string id, with its lemma's string id and its first
        #: and last word's LM ids (lemmas that are no original are strings at the end).
        text = arrays["strings"]
        self.strings = tuple(text.tobytes().decode("utf-8").split("\n"))
        # Words per string: spaces between newlines, counted on the bytes (a loop over 231,000
        # strings would add a twentieth to the start-up of `unspin check`).
        spaces = np.flatnonzero(text == ord(" "))
        ends = np.append(np.flatnonzero(text == ord("\n")), len(text))
        self.n_words = np.diff(np.searchsorted(spaces, ends), prepend=0) + 1
        self.lemma = arrays["lemma"]
        self.first = arrays["first"]
        self.last = arrays["last"]
        # A word's rows are offsets[wid]:offsets[wid + 1]; the numbers are thousandths, as the
        # lexicon rounds them, so dividing gives back the very floats the lexicon gives.
        self.offsets = arrays["offsets"]
        self.sid = arrays["sid"]
        self.logq = arrays["logq"]
        self.unigram = arrays["unigram"]

    def originals(self, wid: int, observed_unigram: float, params: Params) -> Originals:
        """The channel's :class:`Originals` of word ``wid``, whose log frequency is ``observed_unigram``."""
        a, b = int(self.offsets[wid]), int(self.offsets[wid + 1])
        sid = self.sid[a:b]
        get = self.strings.__getitem__
        n_words = self.n_words[sid]
        # Tuples made by maps in C: a word met for the first time has up to 150 originals.
        return Originals(tuple(map(get, sid.tolist())), tuple(map(get, self.lemma[sid].tolist())),
                         self.logq[a:b] / 1000.0, self.unigram[a:b] / 1000.0 - observed_unigram,
                         tuple(map(_LABELS.__getitem__, (n_words > 1).tolist())), self.first[sid],
                         self.last[sid], params, n_words)


def build_table(ranked: Ranked, lemma_of: Callable[[str], str], vocabulary: Sequence[str],
                word_ids: Callable[[list[str]], np.ndarray]) -> dict[str, np.ndarray]:
    """The table's arrays: ``ranked(word)`` for every word of ``vocabulary``, row block k for word k."""
    string_id: dict[str, int] = {}
    offsets = [0]
    sid: list[int] = []
    logq: list[int] = []
    unigram: list[int] = []
    for word in vocabulary:
        for orig, c, label in ranked(word) or ():
            if label != _LABELS[" " in orig]:
                raise DataError(f"unexpected label {label!r} for {orig!r} <- {word!r}")
            sid.append(string_id.setdefault(orig, len(string_id)))
            logq.append(_thousandths(c.logq))
            unigram.append(_thousandths(c.unigram))
        offsets.append(len(sid))
    originals = list(string_id)
    lemma = [string_id.setdefault(lemma_of(orig), len(string_id)) for orig in originals]
    strings = list(string_id)
    words = [s.split() for s in strings]
    return {
        "strings": np.frombuffer("\n".join(strings).encode("utf-8"), dtype=np.uint8),
        "lemma": np.array(lemma, dtype=np.int32),
        "first": word_ids([w[0] for w in words]), "last": word_ids([w[-1] for w in words]),
        "offsets": np.array(offsets, dtype=np.int64), "sid": np.array(sid, dtype=np.int32),
        "logq": np.array(logq, dtype=np.int32), "unigram": np.array(unigram, dtype=np.int32),
    }


def _thousandths(x: float) -> int:
    """``x`` in thousandths, checked to give ``x`` back exactly (the lexicon stores three decimals)."""
    k = round(x * 1000)
    if k / 1000.0 != x:
        raise DataError(f"lexicon value {x!r} has more than three decimals: "
                        "rebuild it with `unspin lexicon build --force`")
    return k


def table_folder(cache: Path, lexicon_file: Path, scorer_name: str) -> Path:
    """Where the table for this lexicon file and language model lives."""
    return versioned_folder(cache, "channel-table", TABLE_VERSION, [*file_stamp(lexicon_file), scorer_name])


_LOADED: dict[Path, ChannelTable] = {}


def load_table(folder: Path, ranked: Ranked, lemma_of: Callable[[str], str], vocabulary: Sequence[str],
               word_ids: Callable[[list[str]], np.ndarray]) -> ChannelTable:
    """The table in ``folder`` (built there first if it is not), read once per process."""
    table = _LOADED.get(folder)
    if table is None:
        arrays = load_or_build(folder, _ARRAYS, lambda: build_table(ranked, lemma_of, vocabulary, word_ids))
        table = _LOADED[folder] = ChannelTable(arrays)
    return table
