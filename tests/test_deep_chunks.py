"""How deep mode cuts a document into model sequences: chunks after their context, in batches."""

from __future__ import annotations

import unspin.deep_chunks as deep_chunks
from unspin.deep_chunks import BATCH_PIECES, CONTEXT_TOKENS, Job, batches_of, chunk_bounds


def test_chunks_cover_every_sentence_once_each_after_the_sentence_before():
    sents = [(0, 10, []), (10, 15, []), (15, 40, []), (40, 41, []), (41, 60, [])]
    chunks = chunk_bounds(sents, 20)
    assert [m for _, m in chunks] == [[0, 1, 2], [3, 4]]
    assert [first for first, _ in chunks] == [0, 0]  # the second chunk reads sentences 0-2 as context
    assert [m for _, m in chunk_bounds(sents, 1)] == [[0], [1], [2], [3], [4]]
    assert [first for first, _ in chunk_bounds(sents, 1)] == [0, 0, 0, 0, 0]


def test_a_chunk_reads_the_sentences_before_it_that_fit_in_its_context(monkeypatch):
    monkeypatch.setattr(deep_chunks, "CONTEXT_TOKENS", 20)
    sents = [(0, 10, []), (10, 15, []), (15, 40, []), (40, 41, []), (41, 60, [])]
    # Sentences 0-1 fit before 2. Sentence 2 (25 tokens) does not fit: 3 reads its last 20 tokens,
    # and 4 reads 3 alone.
    assert [first for first, _ in deep_chunks.chunk_bounds(sents, 1)] == [0, 0, 0, 20, 40]


def test_a_long_sentence_before_a_chunk_is_read_again_only_in_part():
    sents = [(0, 300, []), (300, 320, []), (320, 330, [])]
    assert chunk_bounds(sents, 10) == [(0, [0]), (300 - CONTEXT_TOKENS, [1]), (300, [2])]


def test_batches_hold_consecutive_jobs_up_to_the_piece_budget_and_a_long_job_alone():
    sizes = [1000, 1000, 100, BATCH_PIECES + 5, 10, 10]
    jobs = [Job(list(range(n)), []) for n in sizes]
    batches = batches_of(jobs)
    assert [job for batch in batches for job in batch] == jobs
    assert [[len(j.seq) for j in b] for b in batches] == [[1000, 1000], [100], [BATCH_PIECES + 5], [10, 10]]
    assert all(sum(len(j.seq) for j in b) <= BATCH_PIECES for b in batches if len(b) > 1)
