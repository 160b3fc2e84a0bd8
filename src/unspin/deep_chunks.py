"""How deep mode cuts a document into the sequences its model reads.

Consecutive sentences are read together in chunks of about
:data:`CHUNK_TOKENS` tokens, each after as much of the text before it as fits
in :data:`CONTEXT_TOKENS` (:func:`chunk_bounds`); a chunk becomes a
:class:`Job`, its model pieces and its eligible positions (:class:`Ask`), and
consecutive jobs are grouped into batches of at most :data:`BATCH_PIECES`
pieces, each read in one pass (:func:`batches_of`). :mod:`unspin.neural` builds
the jobs and reads them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .options import Position
from .text import Token

#: Pieces per batch, read in one pass (see unspin.transformer.Transformer.read).
BATCH_PIECES = 2048

#: Tokens of consecutive sentences read in one sequence (after their context: CONTEXT_TOKENS). Left
#: context matters: one sentence of it made clean text look far less spun to the model (mean best
#: log-odds at unspun positions 0.75 -> 0.01); chunks of about 120 tokens read each piece once or
#: so instead of twice, and gave the tuner a better optimum (objective 1.19 against 1.17).
#: 1 reads each sentence after its predecessor alone.
CHUNK_TOKENS = 120

#: A chunk is read after as many whole sentences before it as fit in this many tokens, and at
#: least the last this many tokens of the one before it. One whole sentence was read before: where
#: sentence ends are missing (lists, captions) one "sentence" of 400 tokens was read twice, and
#: attention costs the square of a sequence's length. Two short sentences instead of one gave
#: slightly better tuning figures (BENCHMARKS.md, 2026-12-06) for 2% more pieces read.
CONTEXT_TOKENS = 60


def leading_space(tokens: Sequence[Token], first: int, k: int) -> str:
    """The space that token k's pieces start with, in a sequence that starts at token ``first``."""
    return " " if k > first and tokens[k - 1].end < tokens[k].start else ""


@dataclass(slots=True)
class Ask:
    """One eligible position of a chunk: where its word's pieces lie in the sequence, and its options.

    ``at``, ``after`` and ``stop``: the first pieces of the word, of the next
    token and of the token after that (``stop == after`` where the chunk ends
    after the word). ``ends``: the first piece after each
    option's span. ``options``: (words, channel score, span end) per option;
    ``cands``: each option's pieces.
    """

    index: int
    at: int
    after: int
    stop: int
    ends: list[int]
    options: list[tuple[tuple[str, ...], float, int]]
    cands: list[tuple[int, ...]]
    capitalised: bool
    sentence_start: bool


@dataclass(slots=True)
class Job:
    """One chunk read as a model sequence, with its positions."""

    seq: list[int]
    asks: list[Ask]


def probe_rows(job: Job) -> np.ndarray:
    """Per position of a chunk, the rows the probe reads: its word's last piece and the next
    word's; without a next word (at a chunk's end, ``stop == after``) the word stands for it."""
    return np.array([(a.after - 1, a.stop - 1) for a in job.asks], dtype=np.int64).reshape(-1, 2)


def chunk_bounds(sentences: Sequence[tuple[int, int, Sequence[Position]]],
                 chunk_tokens: int) -> list[tuple[int, list[int]]]:
    """(first token read, sentence indices scored) per chunk of consecutive sentences, each read
    after its context (see :func:`context_start`)."""
    chunks: list[list[int]] = []
    current: list[int] = []
    size = 0
    for n, (lo, hi, _) in enumerate(sentences):
        current.append(n)
        size += hi - lo
        if size >= chunk_tokens:
            chunks.append(current)
            current, size = [], 0
    if current:
        chunks.append(current)
    return [(context_start(sentences, c[0]), c) for c in chunks]


def context_start(sentences: Sequence[tuple[int, int, Sequence[Position]]], n: int) -> int:
    """The first token read before sentence n: the sentences before it that fit in
    :data:`CONTEXT_TOKENS` tokens, or at least the last that many tokens of the one before it."""
    start = sentences[n][0]
    k = max(0, n - 1)
    while k > 0 and start - sentences[k - 1][0] <= CONTEXT_TOKENS:
        k -= 1
    return max(sentences[k][0], start - CONTEXT_TOKENS)


def batches_of(jobs: list[Job]) -> list[list[Job]]:
    """Group consecutive jobs so that each batch holds at most BATCH_PIECES pieces (a longer job
    is a batch of its own)."""
    batches: list[list[Job]] = []
    current: list[Job] = []
    size = 0
    for job in jobs:
        if current and size + len(job.seq) > BATCH_PIECES:
            batches.append(current)
            current, size = [], 0
        current.append(job)
        size += len(job.seq)
    if current:
        batches.append(current)
    return batches
