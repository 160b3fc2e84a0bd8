"""The scoring transformer: agreement across weight formats, batching and causality."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch", reason="the deep extra is not installed: pip install '.[deep]'")
pytest.importorskip("gguf", reason="the deep extra is not installed: pip install '.[deep]'")

from tiny_model import write_gguf, write_hf_folder  # noqa: E402
from unspin.transformer import Transformer  # noqa: E402
from unspin.weights import load_model_files  # noqa: E402

SEQ = [260, 40, 90, 256, 258, 70, 101, 33]
ROWS = list(range(len(SEQ)))


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("tiny")
    return load_model_files(write_gguf(d / "tiny.gguf")), load_model_files(write_hf_folder(d / "hf"))


def test_gguf_and_hf_copies_of_one_network_agree(files):
    a, b = (Transformer(f).next_logprobs([SEQ], [ROWS])[0] for f in files)
    torch.testing.assert_close(a, b, atol=1e-4, rtol=0)
    # The agreement rests on undoing GGUF's Q/K permutation: read the other way, it breaks.
    wrong = dataclasses.replace(files[0], config=dataclasses.replace(files[0].config, rope_interleaved=False))
    assert (Transformer(wrong).next_logprobs([SEQ], [ROWS])[0] - b).abs().max() > 1e-2


def test_rows_are_log_probability_distributions(files):
    out = Transformer(files[0]).next_logprobs([SEQ], [[0, 3]])[0]
    assert out.shape == (2, len(files[0].vocab))
    torch.testing.assert_close(out.exp().sum(-1), torch.ones(2))


def test_padding_in_a_batch_changes_nothing(files):
    model = Transformer(files[0])
    alone = model.next_logprobs([SEQ[:4]], [[1, 3]])[0]
    batched = model.next_logprobs([SEQ, SEQ[:4]], [[0], [1, 3]])[1]
    torch.testing.assert_close(alone, batched, atol=1e-5, rtol=0)


def test_later_pieces_do_not_leak_into_earlier_rows(files):
    model = Transformer(files[0])
    changed = [*SEQ[:5], 99, 98, 97]
    a, b = model.next_logprobs([SEQ, changed], [[2, 4, 6], [2, 4, 6]])
    torch.testing.assert_close(a[:2], b[:2], atol=1e-5, rtol=0)
    assert (a[2] - b[2]).abs().max() > 1e-3


def test_output_layer_is_tied_to_the_embedding_when_absent(files):
    assert "head" not in files[0].tensors
    model = Transformer(files[0])
    assert model.head is model.embed


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_continuations_from_the_cache_equal_reading_the_spliced_sequence(files, dtype):
    model = Transformer(files[0], dtype)
    other = [*SEQ[:3], 50, 51, 52]
    reading = model.read([SEQ, other])
    torch.testing.assert_close(model.logprobs_at(reading, [[1, 2], [0]])[0],
                               model.next_logprobs([SEQ], [[1, 2]])[0], atol=1e-6, rtol=0)
    base, prefix, pieces = [0, 0, 1, 0], [2, 5, 4, 8], [[77, 78, 79], [40], [61, 62], [9, 10]]
    got = model.continue_logprobs(reading, base, prefix, pieces)
    seqs = [SEQ, other]
    for out, b, p, c in zip(got, base, prefix, pieces, strict=True):
        spliced = [*seqs[b][:p], *c]
        want = model.next_logprobs([spliced], [list(range(p, p + len(c)))])[0]
        torch.testing.assert_close(out, want, atol=1e-4 if dtype == torch.float32 else 0.1, rtol=0)


def test_batches_are_padded_to_a_few_widths_without_changing_the_states(files):
    from unspin.transformer import READ_STEP, padded

    model = Transformer(files[0])
    short, longer = model.read([SEQ[:3]]), model.read([SEQ])
    assert short.states.shape[0] == longer.states.shape[0] == READ_STEP
    assert [padded(n, 16) for n in (1, 16, 17)] == [16, 16, 32]
    exact, _ = model.hidden(torch.tensor([SEQ]))
    torch.testing.assert_close(longer.states[: len(SEQ)], exact[0], atol=1e-5, rtol=0)


def test_sequences_read_side_by_side_read_as_they_do_alone(files):
    model = Transformer(files[0])
    seqs = [SEQ, SEQ[:3], [*SEQ[:2], 61, 62, 63], SEQ[2:]]
    reading = model.read(seqs)
    assert reading.starts == [0, 8, 11, 16]
    for b, s in enumerate(seqs):
        alone = model.next_logprobs([s], [list(range(len(s)))])[0]
        got = model.logprobs_at(reading, [[] if k != b else list(range(len(s))) for k in range(len(seqs))])[b]
        torch.testing.assert_close(got, alone, atol=1e-5, rtol=0)
    # Continuations read from the packed cache equal reading the spliced sequence.
    base, prefix, pieces = [1, 3, 2, 0], [2, 4, 5, 8], [[77, 78], [40], [61, 62, 9], [9, 10]]
    for out, b, p, c in zip(model.continue_logprobs(reading, base, prefix, pieces), base, prefix, pieces,
                            strict=True):
        spliced = [*seqs[b][:p], *c]
        want = model.next_logprobs([spliced], [list(range(p, p + len(c)))])[0]
        torch.testing.assert_close(out, want, atol=1e-4, rtol=0)


_PIECE = st.integers(0, 260)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(_PIECE, min_size=1, max_size=12), min_size=1, max_size=5), st.data())
def test_any_batch_of_continuations_equals_reading_each_spliced_sequence(files, seqs, data):
    model = Transformer(files[0])
    reading = model.read(seqs)
    n = data.draw(st.integers(1, 6))
    base = data.draw(st.lists(st.integers(0, len(seqs) - 1), min_size=n, max_size=n))
    prefix = [data.draw(st.integers(1, len(seqs[b]))) for b in base]
    pieces = [data.draw(st.lists(_PIECE, min_size=1, max_size=4)) for _ in base]
    for out, b, p, c in zip(model.continue_logprobs(reading, base, prefix, pieces), base, prefix, pieces,
                            strict=True):
        spliced = [*seqs[b][:p], *c]
        want = model.next_logprobs([spliced], [list(range(p, p + len(c)))])[0]
        torch.testing.assert_close(out, want, atol=1e-4, rtol=0)


@pytest.mark.parametrize("tied", [True, False])
def test_a_model_mapped_back_from_its_layout_scores_exactly_alike(files, tied):
    f = files[0]
    if not tied:
        head = f.tensors["embed"] + np.float32(0.01)
        f = dataclasses.replace(f, tensors={**f.tensors, "head": head})
    model = Transformer(f, torch.bfloat16)
    arrays = model.layout()
    assert set(arrays) == set(Transformer.layout_names(f.config))
    again = Transformer.from_layout(f.config, arrays)
    assert (again.head is again.embed) == tied
    torch.testing.assert_close(again.next_logprobs([SEQ], [ROWS])[0], model.next_logprobs([SEQ], [ROWS])[0],
                               atol=0, rtol=0)


def test_only_a_bfloat16_model_is_laid_out(files):
    with pytest.raises(ValueError, match="bfloat16"):
        Transformer(files[0]).layout()
