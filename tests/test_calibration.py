import math

import pytest

from unspin.calibration import SPAN_ODDS_CLIP, Calibration, swap_log_odds


def test_without_a_fit_a_span_keeps_the_decoders_confidence():
    assert Calibration().span_score(0.9731) == 0.9731


def test_the_span_map_is_logistic_in_the_decoders_log_odds():
    calib = Calibration(span_intercept=-0.5, span_slope=0.25)
    assert calib.span_score(0.5) == pytest.approx(1 / (1 + math.exp(0.5)))
    z = math.log(0.99 / 0.01)
    assert calib.span_score(0.99) == pytest.approx(1 / (1 + math.exp(0.5 - 0.25 * z)))


def test_the_span_map_keeps_the_order_of_confidences():
    calib = Calibration(span_intercept=-0.64, span_slope=0.25)
    confidences = [0.5, 0.6, 0.9, 0.99, 0.9999, 1 - 1e-9]
    scores = [calib.span_score(c) for c in confidences]
    assert scores == sorted(scores) and len(set(scores)) == len(scores)


def test_certainty_reads_as_the_clip_and_stays_finite():
    assert swap_log_odds(1.0) == pytest.approx(SPAN_ODDS_CLIP)
    assert swap_log_odds(0.0) == pytest.approx(-SPAN_ODDS_CLIP)
    calib = Calibration(span_intercept=-0.64, span_slope=0.25)
    assert calib.span_score(1.0) == calib.span_score(1 - 1e-15) < 1.0


def test_the_document_score_reads_the_rate_the_ratio_over_root_n_and_the_log_length():
    calib = Calibration(intercept=-5.0, w_rate=20.0, w_llr=0.7, w_length=-3.0)
    z = -5.0 + 20.0 * 0.05 + 0.7 * 40.0 / math.sqrt(400) - 3.0 * math.log(400 / 100)
    assert calib.score(0.05, 40.0, 400) == pytest.approx(1 / (1 + math.exp(-z)))
    assert Calibration.features(0.05, 40.0, 400) == pytest.approx((0.05, 2.0, math.log(4.0)))


def test_a_length_weight_lowers_a_longer_texts_score_for_the_same_evidence_per_position():
    flat = Calibration(intercept=-5.0, w_rate=20.0, w_llr=0.7)
    for_length = Calibration(intercept=-5.0, w_rate=20.0, w_llr=0.7, w_length=-3.0)
    # The same swap rate and a ratio growing with the positions, as a clean text's does when
    # every stretch of it holds a word or two the model half suspects.
    short, long = (0.04, 10.0, 100), (0.04, 40.0, 400)
    assert flat.score(*long) > flat.score(*short)
    assert for_length.score(*long) < for_length.score(*short)
    assert for_length.score(*short) == pytest.approx(flat.score(*short))  # 100 positions: no change


def test_texts_of_100_positions_or_fewer_are_scored_as_without_the_length_weight():
    flat = Calibration(intercept=-5.0, w_rate=20.0, w_llr=0.7)
    for_length = Calibration(intercept=-5.0, w_rate=20.0, w_llr=0.7, w_length=-3.0)
    for n in (1, 30, 99, 100):
        assert for_length.score(0.1, 3.0, n) == flat.score(0.1, 3.0, n)
        assert Calibration.features(0.1, 3.0, n)[2] == 0.0


def test_length_counts_only_past_length_from():
    from_150 = Calibration(intercept=-5.0, w_rate=20.0, w_llr=0.7, w_length=-3.0, length_from=150)
    flat = Calibration(intercept=-5.0, w_rate=20.0, w_llr=0.7)
    for n in (100, 149, 150):
        assert from_150.score(0.1, 3.0, n) == flat.score(0.1, 3.0, n)
    assert from_150.score(0.1, 30.0, 300) < flat.score(0.1, 30.0, 300)
    assert Calibration.features(0.1, 3.0, 300, 150)[2] == pytest.approx(math.log(2.0))
