"""Tests for unspin.context_model: the fast path's reader of a word's wider window."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from unspin.context_model import (
    WINDOW,
    ContextModel,
    content_positions,
    option_log_odds,
    pack,
    shipped_context_model,
)
from unspin.params import FEATURES, weights_stamp
from unspin.pipeline import Engine, default_engine
from unspin.probe import SHIPPED_CONTEXT, Probe, shipped_probe
from unspin.text import tokenize

DIM = 8
#: (text, the writer's word, a thesaurus neighbour that reads worse there)
PAIRS = [
    ("The two presidents will meet at a second summit in Hanoi next month.", "summit", "top"),
    ("The central bank raised interest rates to fight inflation.", "interest", "curiosity"),
    ("Police arrested the suspect after a long car chase on the highway.", "suspect", "defendant"),
    ("The company reported record profits for the third quarter of the year.", "profits", "gains"),
    ("Voters went to the polls on Sunday to elect a new parliament.", "went", "proceeded"),
    ("Doctors said the patient was in stable condition after surgery.", "patient", "invalid"),
    ("The storm knocked out power to thousands of homes overnight.", "power", "force"),
    ("Scientists published the results of the study in a medical journal.", "journal", "diary"),
    ("The army launched an attack on the rebel positions at dawn.", "attack", "onslaught"),
    ("Shares fell sharply on the stock market after the announcement.", "market", "marketplace"),
    ("The government announced new measures to reduce unemployment.", "measures", "steps"),
    ("The minister resigned after the scandal became public last week.", "resigned", "quit"),
]


def tiny(words: list[str], seed: int = 0) -> tuple[ContextModel, dict[str, np.ndarray]]:
    rng = np.random.default_rng(seed)
    table = np.concatenate([np.zeros((1, DIM)), rng.normal(size=(len(words), DIM))])
    square = {k: rng.normal(size=(DIM, DIM)) for k in ("topic_w", "hidden_w", "out_w")}
    vector = {k: rng.normal(size=DIM) for k in ("mix_b", "hidden_b", "out_b", "bias_w")}
    arrays = {"table": table, "mix_w": rng.normal(size=(2 * WINDOW * DIM, DIM)), **square, **vector}
    return ContextModel.from_packed(pack(words, arrays)), arrays


def reference_logits(arrays: dict[str, np.ndarray], row: dict[str, int], words: list[str], k: int,
                     asked: list[str]) -> np.ndarray:
    """The model's scores for the gap at ``k``, computed the long way round from float weights."""
    table = arrays["table"]
    ids = [row.get(w, 0) for w in words]
    content = [ids[j] for j in range(len(words)) if len(words[j]) > 2 and ids[j] and j != k]
    topic = table[content].sum(0) / max(len(content), 1)
    around = [*range(k - WINDOW, k), *range(k + 1, k + WINDOW + 1)]
    window = [ids[j] if 0 <= j < len(ids) else 0 for j in around]
    x = np.concatenate([table[i] for i in window])
    pre = x @ arrays["mix_w"] + arrays["mix_b"] + topic @ arrays["topic_w"]
    h = 0.5 * pre * (1 + np.tanh(np.sqrt(2 / np.pi) * (pre + 0.044715 * pre ** 3)))
    q = h @ arrays["hidden_w"] + arrays["hidden_b"]
    rows = [row[w] for w in asked]
    return (table[rows] @ arrays["out_w"] + arrays["out_b"]) @ q + table[rows] @ arrays["bias_w"]


def test_content_positions_are_words_a_spinner_would_swap():
    tokens = tokenize("The U.S. army of 2024 sent its best men, all fit, to war-torn areas.")
    found = [tokens[k].text for k in content_positions(tokens)]
    assert found == ["army", "sent", "best", "men", "fit", "areas"]


def test_log_odds_match_the_model_computed_by_hand():
    words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"]
    model, arrays = tiny(words)
    row = {w: i + 1 for i, w in enumerate(words)}
    text = "alpha beta gamma delta epsilon zeta eta"
    tokens = tokenize(text)
    for k in (0, 3, 6):
        asked = ["theta", "beta", tokens[k].text]
        got = model.log_odds(tokens, {k: asked})[k]
        ref = reference_logits(arrays, row, text.split(), k, asked)
        # The table is stored as int8 rows, so the two agree to quantisation, not to the bit.
        np.testing.assert_allclose(got, ref - ref[-1], atol=0.05 * np.abs(ref).max() + 0.05)
        assert got[-1] == pytest.approx(0.0, abs=1e-4)


def test_unknown_words_give_no_evidence():
    model, _ = tiny(["alpha", "beta", "gamma"])
    tokens = tokenize("alpha qwxz gamma")
    out = model.log_odds(tokens, {0: ["beta", "zzzq"], 1: ["beta", "gamma"]})
    assert out[0][1] == 0.0 and out[0][0] != 0.0
    # The written word itself is unknown: nothing to compare against.
    assert not out[1].any()


def test_an_inflected_form_reads_as_its_lemma():
    model, _ = tiny(["year", "market", "company"])
    assert model.row_of("years") == model.row_of("year") > 0
    assert model.row_of("companies") == model.row_of("company")
    assert model.row_of("qwxzs") == 0


def test_the_shipped_model_prefers_the_writers_word_in_context():
    model = shipped_context_model()
    assert model is not None
    preferred = 0
    for text, right, wrong in PAIRS:
        tokens = tokenize(text)
        k = next(i for i, t in enumerate(tokens) if t.text == right)
        preferred += model.log_odds(tokens, {k: [wrong]})[k][0] < 0
    # A model that knew nothing would pass ten of twelve about once in fifty.
    assert preferred >= 10


def test_option_log_odds_cover_every_option_and_read_a_phrase_in_the_gap_it_leaves():
    engine = default_engine()
    model = shipped_context_model()
    text = "The minister paid a four-day go to to the capital ahead of a second summit."
    tokens = tokenize(text)
    positions = [p for s in engine.options(tokens) for p in s.positions]
    lm_rows = np.append(model.rows(engine.scorer.tables.words), 0)
    evidence = option_log_odds(model, tokens, positions, lm_rows)
    assert evidence
    phrases = 0
    for pos in positions:
        if pos.index not in evidence:
            continue
        odds, prior = evidence[pos.index]
        assert len(odds) == len(pos)
        assert prior == 0.0  # no probe, no prior
        for t in range(len(pos)):
            words, _, end = pos.reading(t)
            if len(words) > 1 or not model.row_of(words[0]):
                assert odds[t] == 0.0
            elif end == pos.index + 1:
                expected = model.log_odds(tokens, {pos.index: [words[0]]})[pos.index][0]
                assert odds[t] == pytest.approx(expected, abs=1e-4)
            else:
                # One word for the phrase "go to": read in the gap the whole phrase leaves,
                # against the phrase's first word read there.
                q = model.queries(tokens, [pos.index], [end])[0]
                rows = model.rows([words[0], tokens[pos.index].lower])
                score = model.out[rows] @ q + model.bias[rows]
                assert odds[t] == pytest.approx(score[0] - score[1], abs=1e-4)
                phrases += 1
    assert phrases


def test_a_gap_read_with_its_end_at_the_next_token_is_the_plain_gap():
    model = shipped_context_model()
    tokens = tokenize("The minister paid a four-day go to to the capital.")
    at = [1, 5, 7]
    np.testing.assert_allclose(model.queries(tokens, at, [k + 1 for k in at]), model.queries(tokens, at))
    # Reading past "go to" sees "to the capital" on the right, not "to to the".
    assert not np.allclose(model.queries(tokens, [5], [7]), model.queries(tokens, [5]))

def test_the_fast_path_weighs_the_evidence_only_with_a_weight():
    engine = default_engine()
    assert engine.params.w_neural > 0
    tokens = tokenize("The minister paid a four-day go to to the capital ahead of a 2nd top.")
    text = "The minister paid a four-day go to to the capital ahead of a 2nd top."
    with_evidence = [o for s in engine.sentences(text, tokens) for p in s.positions for o in p.options]
    assert with_evidence and all(len(o.features) == len(FEATURES) for o in with_evidence)
    # The probe's prior is the last feature, the same for every option of a position.
    assert engine.params.w_probe > 0 and any(o.features[-1] != 0 for o in with_evidence)
    weights = weights_stamp(engine.params, engine.calibration)
    assert engine.model_name == (f"{engine.scorer.name} + {engine.context.name} + {engine.context_probe.name}"
                                 f" + {weights}")
    assert engine.context.name.startswith("context:96x")
    no_probe = Engine(params=replace(engine.params, w_probe=0.0))
    assert no_probe.context_probe is None
    assert no_probe.model_name == (f"{engine.scorer.name} + {engine.context.name}"
                                   f" + {weights_stamp(no_probe.params, no_probe.calibration)}")
    assert all(o.features[-1] == 0 for s in no_probe.sentences(text, tokens) for p in s.positions
               for o in p.options)
    plain = Engine(params=replace(engine.params, w_neural=0.0))
    assert plain.model_name == f"{engine.scorer.name} + {weights_stamp(plain.params, plain.calibration)}"
    without = [o for s in plain.sentences(text, tokens) for p in s.positions for o in p.options]
    assert all(len(o.features) == 6 for o in without)


def test_rows_of_another_vocabulary_end_with_the_row_of_its_unknown_id():
    model, _ = tiny(["year", "market"])
    rows = model.rows_with_none(["market", "years", "qwxz"])
    assert rows.tolist() == [2, 1, 0, 0]
    shipped = shipped_context_model()
    words = ["summit", "aforementioned", "qwxz"]
    first = shipped.rows_with_none(words)
    # The second answer comes from the cache entry the first one wrote.
    assert shipped.rows_with_none(words).tolist() == first.tolist()
    assert first.tolist() == [shipped.row_of(w) for w in words] + [0]
    assert first[0] > 0 and first[2] == 0


def probe_logit(model: ContextModel, probe: Probe, tokens: list, k: int) -> float:
    own = model.rows([tokens[k].lower])
    return float(probe.logits(model.probe_features(tokens, [k], model.queries(tokens, [k]), own))[0])


def test_probe_features_hold_the_reading_the_written_word_and_its_case():
    words = ["alpha", "beta", "gamma", "delta"]
    model, _ = tiny(words)
    tokens = tokenize("alpha Beta gamma delta")
    at = [1, 2]
    own = model.rows([tokens[k].lower for k in at])
    q = model.queries(tokens, at)
    x = model.probe_features(tokens, at, q, own)
    assert x.shape == (2, 3 * DIM + 2)
    np.testing.assert_allclose(x[:, :DIM], q)
    np.testing.assert_allclose(x[:, DIM:2 * DIM], model.table[own])
    # The written word's score, spread over the columns, sums back to it without its bias.
    np.testing.assert_allclose(x[:, 2 * DIM:3 * DIM].sum(1) + x[:, -2],
                               np.einsum("ij,ij->i", model.out[own], q) + model.bias[own], rtol=1e-5)
    assert x[:, -1].tolist() == [1.0, 0.0]


def test_the_shipped_probe_is_for_the_shipped_context_model_only():
    model = shipped_context_model()
    dim = model.table.shape[1]
    assert shipped_probe(model.name, dim, SHIPPED_CONTEXT) is not None
    assert shipped_probe(model.name + "x", dim, SHIPPED_CONTEXT) is None
    engine = default_engine()
    assert (engine.context_probe is not None) == bool(engine.params.w_probe)


def test_the_shipped_probe_reads_a_neighbour_as_likelier_swapped_in_than_the_writers_word():
    model = shipped_context_model()
    probe = shipped_probe(model.name, model.table.shape[1], SHIPPED_CONTEXT)
    higher = 0
    for text, right, wrong in PAIRS:
        tokens = tokenize(text)
        k = next(i for i, t in enumerate(tokens) if t.text == right)
        spun = tokenize(text.replace(right, wrong))
        higher += probe_logit(model, probe, spun, k) > probe_logit(model, probe, tokens, k)
    # A probe that knew nothing would pass ten of twelve about once in fifty.
    assert higher >= 10


def test_option_log_odds_carry_the_probes_prior_for_each_position():
    engine = default_engine()
    model = shipped_context_model()
    probe = shipped_probe(model.name, model.table.shape[1], SHIPPED_CONTEXT)
    tokens = tokenize("The minister paid a four-day go to to the capital ahead of a 2nd top.")
    positions = [p for s in engine.options(tokens) for p in s.positions]
    lm_rows = np.append(model.rows(engine.scorer.tables.words), 0)
    plain = option_log_odds(model, tokens, positions, lm_rows)
    evidence = option_log_odds(model, tokens, positions, lm_rows, probe)
    assert evidence.keys() == plain.keys() and evidence
    for k, (odds, prior) in evidence.items():
        np.testing.assert_array_equal(odds, plain[k].deltas)
        assert prior == pytest.approx(probe_logit(model, probe, tokens, k), abs=1e-4)
