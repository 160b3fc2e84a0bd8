"""A repeated word's repeat cost comes off where every occurrence reads as the same swap."""

from __future__ import annotations

import numpy as np
import pytest

from unspin.options import Option, Position
from unspin.params import FEATURES, Params
from unspin.repeats import release_repeats
from unspin.text import tokenize

TOKENS = tokenize("The firm said the firm agreed.")
FIRMS = [k for k, t in enumerate(TOKENS) if t.lower == "firm"]
REPEATS = FEATURES.index("observed_repeats")
PARAMS = Params(w_observed_repeats=-4.0, repeat_release=3.0)


def position(i: int, odds: list[float], repeats: float = 1.0) -> Position:
    features = tuple(1.0 if k == REPEATS and repeats else 0.0 for k in range(len(FEATURES)))
    options = [Option(i, i + 1, (w,), -2.0, "synonym_swap", features) for w in ("agency", "company")]
    pos = Position(i, options)
    pos.odds = np.array(odds)
    return pos


def logqs(pos: Position) -> list[float]:
    return [o.logq for o in pos.options]


def test_the_cost_comes_off_only_the_swap_every_occurrence_reads():
    # "agency" reads at 1 + 4 >= 3 at both occurrences; "company" at -3 + 4 < 3 at the second.
    first, second = position(FIRMS[0], [1.0, 2.0]), position(FIRMS[1], [0.5, -3.0])
    release_repeats(TOKENS, [first, second], PARAMS)
    assert logqs(first) == [2.0, -2.0] and logqs(second) == [2.0, -2.0]
    assert first.odds.tolist() == [5.0, 2.0] and second.odds.tolist() == [4.5, -3.0]
    assert first.options[0].features[REPEATS] == 0.0 and first.options[1].features[REPEATS] == 1.0
    # Read again, nothing more comes off.
    release_repeats(TOKENS, [first, second], PARAMS)
    assert logqs(first) == [2.0, -2.0] and first.odds.tolist() == [5.0, 2.0]


@pytest.mark.parametrize("params", [Params(w_observed_repeats=-4.0), Params(w_observed_repeats=0.0,
                                                                             repeat_release=3.0)])
def test_nothing_comes_off_when_release_or_the_cost_is_off(params):
    first, second = position(FIRMS[0], [1.0, 2.0]), position(FIRMS[1], [1.0, 2.0])
    release_repeats(TOKENS, [first, second], params)
    assert logqs(first) == logqs(second) == [-2.0, -2.0]


def test_one_occurrence_that_reads_well_as_written_keeps_the_cost_everywhere():
    first, second = position(FIRMS[0], [5.0, 5.0]), position(FIRMS[1], [-2.0, -2.0])
    release_repeats(TOKENS, [first, second], PARAMS)
    assert logqs(first) == logqs(second) == [-2.0, -2.0]


def test_a_word_written_once_or_options_without_the_cost_are_left_alone():
    said = next(k for k, t in enumerate(TOKENS) if t.lower == "said")
    alone = position(said, [9.0, 9.0])
    free = [position(FIRMS[0], [9.0, 9.0], repeats=0.0), position(FIRMS[1], [9.0, 9.0], repeats=0.0)]
    release_repeats(TOKENS, [alone, *free], PARAMS)
    assert logqs(alone) == [-2.0, -2.0] and all(logqs(p) == [-2.0, -2.0] for p in free)
