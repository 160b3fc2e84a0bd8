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
