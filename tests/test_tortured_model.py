"""Tests for unspin.tortured_model: term-shaped sequences one thesaurus step from a known term."""

from __future__ import annotations

from unspin.lexicon import Candidate
from unspin.tortured_model import PhraseModel, PhraseParams, default_phrase_model, load_ngrams


class StubLexicon:
    """The lexicon's read side, with a hand-written inverse thesaurus."""

    def __init__(self, inverse: dict[str, list[str]]) -> None:
        self.inverse = inverse

    def candidates(self, observed: str) -> tuple[Candidate, ...]:
        return tuple(Candidate(o, 1, -1.0, -8.0) for o in self.inverse.get(observed, []))


TERMS = {("random", "forest"): 40, ("surface", "area"): 60, ("large", "area"): 30, ("large", "region"): 5}
LEX = StubLexicon({"irregular": ["random", "odd"], "woodland": ["forest", "wood"], "region": ["area"]})
PARAMS = PhraseParams(threshold=1.0, min_term_count=3)


def flags(text: str) -> list[tuple[str, str, float]]:
    model = PhraseModel(TERMS, LEX, PARAMS)  # type: ignore[arg-type]
    out = []
    for span, detail in model.find(text):
        assert text[span.start:span.end] == span.text
        assert detail["source"] == "model"
        out.append((span.text, span.original, span.score))
    return out


def test_a_swapped_term_is_flagged_and_restored():
    (hit,) = flags("We trained an Irregular woodland on the data.")
    assert hit[:2] == ("Irregular woodland", "Random forest")
    assert 0.5 < hit[2] <= 1.0


def test_a_sequence_the_table_knows_is_left_alone():
    assert flags("The large region was mapped.") == []


def test_stop_words_and_punctuation_break_a_term():
    assert flags("It was irregular. Woodland covers it.") == []
    assert flags("the irregular, woodland") == []


def test_the_threshold_controls_what_is_flagged():
    strict = PhraseModel(TERMS, LEX, PhraseParams(threshold=50.0))  # type: ignore[arg-type]
    assert list(strict.find("an irregular woodland")) == []


def test_extra_terms_join_the_table():
    model = PhraseModel.with_extra_terms({}, ["Random Forest", "x"], LEX, PARAMS)  # type: ignore[arg-type]
    assert model.terms == {("random", "forest"): 3}


def test_shipped_table_and_model_load():
    table = load_ngrams()
    assert table[("neural", "network")] > 50
    assert all(2 <= len(k) <= 3 for k in list(table)[:1000])
    model = default_phrase_model()
    assert ("random", "forest") in model.terms
