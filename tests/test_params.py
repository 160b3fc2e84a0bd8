import math
from dataclasses import replace

import numpy as np
import pytest

from unspin.calibration import Calibration
from unspin.params import FEATURES, Params, log_share, shipped_data_stamp, weights_stamp


def test_logq_weighs_each_feature_and_the_bias_only_for_thesaurus_swaps():
    p = Params(w_logq=2.0, bias=1.5, numeral_logp=-1.0, filler_logp=-3.0, w_freq_gap=0.5, w_in_document=4.0,
               w_observed_repeats=-2.0, w_neural=0.75, w_probe=0.25)
    swap = (-1.0, 0.0, 0.0, 2.0, 1.0, 1.0, 3.0, -4.0)
    assert len(swap) == len(FEATURES)
    assert p.logq(swap) == pytest.approx(2.0 * -1.0 + 1.5 + 0.5 * 2.0 + 4.0 - 2.0 + 0.75 * 3.0 + 0.25 * -4.0)
    # A numeral rewrite, read with the document features and without the neural ones.
    numeral = (0.0, 1.0, 0.0, 0.0, 0.0, 0.0)
    assert p.logq(numeral) == pytest.approx(-1.0)
    # An array with a row per feature scores each column as one option.
    both = np.array([swap[:6], numeral]).T
    assert p.logq(both).tolist() == pytest.approx([p.logq(swap[:6]), p.logq(numeral)])


def test_log_share_is_the_log_of_a_softmax_share():
    assert log_share(np.array([1.0, 1.0]), 0, 3.0) == pytest.approx(math.log(0.5))
    assert log_share(np.array([2.0, 0.0]), 0, 0.5) == pytest.approx(1.0 - math.log(math.e + 1.0))


def test_choice_shift_is_the_frequency_gap_alone_without_choice_weights():
    x = np.array([[-1.0, -2.0], [0.0, 0.0], [0.0, 0.0], [1.0, 3.0], [2.0, 0.0], [0.0, 0.0], [0.5, -0.5]])
    p = Params(w_logq=1.5, w_freq_gap=0.7, w_in_document=1.0, w_neural=0.75)
    assert p.choice_shift(x).tolist() == pytest.approx((-0.7 * x[3]).tolist())
    q = replace(p, choice_w_logq=2.0, choice_w_in_document=3.0, choice_w_neural=1.0)
    want = -0.7 * x[3] + 0.5 * x[0] + 2.0 * x[4] + 0.25 * x[6]
    assert q.choice_shift(x).tolist() == pytest.approx(want.tolist())
    # Feature rows a fast path without its context model lacks read as zero.
    assert q.choice_shift(x[:6]).tolist() == pytest.approx((-0.7 * x[3] + 0.5 * x[0] + 2.0 * x[4]).tolist())


def test_original_probability_maps_the_choices_softmax():
    assert Params().original_probability(np.array([1.0, 0.0]), 0) is None
    p = Params(original_scale=0.5, original_intercept=1.5, original_slope=3.0)
    sigmoid = lambda z: 1 / (1 + math.exp(-z))  # noqa: E731
    # Alone among the options weighed, the original is as sure as such originals were on tuning text.
    assert p.original_probability(np.array([4.0]), 0) == pytest.approx(sigmoid(1.5))
    # Two options scored alike share the softmax.
    tied = p.original_probability(np.array([2.0, 2.0]), 1)
    assert tied == pytest.approx(sigmoid(1.5 + 3.0 * math.log(0.5)))
    # A wider lead makes the chosen original surer, never past the one-option figure.
    sure = [p.original_probability(np.array([lead, 0.0, -1.0]), 0) for lead in (0.0, 1.0, 3.0, 30.0)]
    assert sure == sorted(sure) and sure[0] < sure[-1] <= sigmoid(1.5)
    # The first pass's scores of every option over the same words add their own share.
    q = replace(p, original_scale_same=1.0, original_slope_same=2.0)
    crowded = np.array([1.0, 1.0, 1.0, 1.0])
    assert q.original_probability(np.array([4.0]), 0, crowded, 2) == pytest.approx(
        sigmoid(1.5 + 2.0 * math.log(0.25)))
    # Not among them (or no first pass): read as the only one.
    assert q.original_probability(np.array([4.0]), 0, crowded, -1) == pytest.approx(sigmoid(1.5))
    assert q.original_probability(np.array([4.0]), 0) == pytest.approx(sigmoid(1.5))


def test_the_weights_stamp_tells_weights_apart_and_is_stable():
    p, c = Params(bias=-3.0), Calibration()
    assert weights_stamp(p, c) == weights_stamp(Params(bias=-3.0), Calibration())
    assert weights_stamp(p, c).startswith("weights:")
    assert weights_stamp(p, c) != weights_stamp(replace(p, bias=-3.1), c)
    assert weights_stamp(p, c) != weights_stamp(p, replace(c, w_length=-1.0))


def test_the_shipped_data_stamp_follows_the_package_data(tmp_path, monkeypatch):
    import unspin.params as params

    stamp = shipped_data_stamp()
    assert stamp == shipped_data_stamp() and len(stamp) == 8
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "params.json").write_text("{}")
    monkeypatch.setattr(params.resources, "files", lambda _: tmp_path)
    first = shipped_data_stamp()
    (tmp_path / "data" / "params.json").write_text('{"params": {"bias": 1}}')
    assert shipped_data_stamp() not in (first, stamp)
