"""Tests for unspin.tortured_model: term-shaped sequences one channel step from a known term."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

from unspin.lexicon import Candidate
from unspin.phrase_match import stem
from unspin.tortured_model import (
    FEATURES,
    PhraseModel,
    PhraseParams,
    default_phrase_model,
    learn_channel,
    learn_spinner_words,
    load_ngrams,
)


class StubLexicon:
    """The lexicon's read side, with a hand-written inverse thesaurus."""

    def __init__(self, inverse: dict[str, list[str]]) -> None:
        self.inverse = inverse

    def candidates(self, observed: str) -> tuple[Candidate, ...]:
        return tuple(Candidate(o, 1, -1.0, -8.0) for o in self.inverse.get(observed, []))


class StubLM:
    """Independent words, except for the pairs it is told associate."""

    def __init__(self, pairs: set[tuple[str, str]]) -> None:
        self.pairs = pairs

    def logprob(self, word: str, history: Sequence[str]) -> float:
        return -2.0 if history and (history[-1], word) in self.pairs else -10.0

    def unigram(self, word: str) -> float:
        return -10.0


NGRAMS = {("random", "forest"): 40, ("surface", "area"): 60, ("large", "area"): 30, ("large", "region"): 5}
LEX = StubLexicon({"region": ["area"], "woodland": ["wood"]})
CHANNEL = learn_channel([("irregular woodland", "random forest"), ("arbitrary woodland", "random forest")])
# Weights that reward a known term reached through learned swaps; the tests below are about
# which readings exist and how they are reported, not about the fitted values.
PARAMS = PhraseParams(bias=-3.0, weights={**dict.fromkeys(FEATURES, 0.0), "term_count": 1.0,
                                          "learned_swaps": 1.0}, threshold=0.5)


def model(params: PhraseParams = PARAMS, lm: StubLM | None = None) -> PhraseModel:
    return PhraseModel(NGRAMS, LEX, lm or StubLM(set()), CHANNEL, params)


def flags(text: str, m: PhraseModel | None = None) -> list[tuple[str, str]]:
    out = []
    for span, detail in (m or model()).find(text):
        assert text[span.start:span.end] == span.text
        assert detail["source"] == "model" and 0.5 <= span.score <= 1.0
        out.append((span.text, span.original))
    return out


def test_learned_channel_aligns_words_of_equal_length_phrases():
    assert CHANNEL == {"irregular": {"random": 1}, "arbitrary": {"random": 1}, "woodland": {"forest": 2}}
    assert learn_channel([("huge information", "big data"), ("brilliant", "smart phone")]) == {
        "huge": {"big": 1}, "information": {"data": 1}}


def test_a_swapped_term_is_flagged_and_restored_with_its_case():
    assert flags("We trained an Irregular woodlands model.") == [("Irregular woodlands", "Random forest")]


def test_a_sequence_the_table_knows_is_left_alone():
    assert flags("The large region was mapped.") == []


def test_a_sequence_whose_words_associate_is_left_alone():
    lm = StubLM({("irregular", "woodland")})
    assert flags("an irregular woodland", model(lm=lm)) == []


def test_stop_words_and_punctuation_break_a_term():
    assert flags("It was irregular. Woodland covers it.") == []
    assert flags("the irregular, woodland") == []


def test_a_term_does_not_run_into_a_quotation():
    assert flags("the irregular woodland") != []
    quoted = ('the irregular "woodland"', "the irregular ``woodland''", "the irregular \u201cwoodland\u201d",
              "the ``irregular'' woodland")
    assert [flags(text) for text in quoted] == [[], [], [], []]


def test_a_term_does_not_run_across_latex_markup():
    marked = ("the irregular}woodland", "the irregular{woodland", "the irregular $woodland",
              "the irregular\\woodland")
    assert [flags(text) for text in marked] == [[], [], [], []]


def test_a_difference_in_diacritics_alone_is_no_swap():
    pairs = [("Henon delineate", "H\u00e9non map"), ("Poincare guide", "Poincar\u00e9 map")]
    assert set(learn_channel(pairs)) == {"delineate", "guide"}
    assert learn_spinner_words(pairs) == {"delineate": 1, "guide": 1}


def test_the_threshold_controls_what_is_flagged():
    strict = model(PhraseParams(bias=PARAMS.bias, weights=PARAMS.weights, threshold=0.999))
    assert flags("an irregular woodland", strict) == []


def test_extra_terms_join_the_table_by_stem():
    m = PhraseModel({}, LEX, StubLM(set()), CHANNEL, PARAMS, extra_terms=["Random Forests", "x"])
    assert {k: (t.count, t.surface) for k, t in m.terms.items()} == {
        ("random", "forest"): (PARAMS.min_term_count, ("random", "forests"))}


def test_shipped_table_and_model_load():
    table = load_ngrams()
    assert table[("neural", "network")] > 50
    m = default_phrase_model()
    assert ("random", "forest") in m.terms
    assert "random" in m.channel["irregular"]



def test_readings_are_every_term_in_channel_reach_in_table_order():
    """The index by first two words finds what a walk over the whole table finds, in its order."""
    m = default_phrase_model()
    grams = [("irregular", "woodland"), ("profound", "learning"), ("neural", "organization", "model"),
             ("surface", "region"), ("discourse", "investigation"), ("huge", "information", "examination")]
    for gram in grams:
        stems = tuple(stem(w) for w in gram)
        opts = [{s, *m.options(w)} for s, w in zip(stems, gram, strict=True)]
        walked = [key for key, term in m.terms.items()
                  if term.count >= m.params.min_term_count and len(key) == len(gram) and key != stems
                  and all(k in o for k, o in zip(key, opts, strict=True))]
        # Grouped by the first word's options in their order, as find() breaks ties by it.
        first = list(dict.fromkeys([stems[0], *m.options(gram[0])]))
        walked.sort(key=lambda key: first.index(key[0]))
        assert [key for key, _ in m.readings(gram)] == walked
        assert m.readings(gram) is m.readings(gram)
    assert m.readings(("profound", "learning"))


# -- words that give a sequence away ---------------------------------------

SPINNER_WORDS = learn_spinner_words([
    ("irregular woodland", "random forest"), ("irregular grove", "random forest"),
    ("irregular example", "random sample"), ("neural organization", "neural network"),
    ("woodland fire", "forest fire")])
# Clean-prose word counts: "example" is common there, "irregular" and "woodland" are not.
WORDS = {("example",): 400, ("irregular",): 1, ("grove",): 2, ("data",): 600, ("we",): 500}
SPINNER_PARAMS = replace(PARAMS, spinner_threshold=3.0)


def spinner_model(params: PhraseParams = SPINNER_PARAMS, ngrams: dict | None = None) -> PhraseModel:
    return PhraseModel(ngrams if ngrams is not None else {**NGRAMS, **WORDS}, LEX, StubLM(set()), CHANNEL,
                       params, spinner_words=SPINNER_WORDS)


def test_spinner_words_are_those_written_and_not_expected():
    assert SPINNER_WORDS == {"irregular": 3, "woodland": 2, "grove": 1, "example": 1, "organization": 1}


def test_a_sequence_with_a_spinner_word_is_flagged_with_the_words_likeliest_original():
    text = "We fit an irregular grove to the data."
    found = list(spinner_model().find(text))
    assert [(s.text, s.original) for s, _ in found] == [("irregular grove", "random grove")]
    span, detail = found[0]
    assert text[span.start:span.end] == span.text and 0.5 <= span.score < 1.0
    assert detail == {"source": "model", "evidence": "spinner_words", "spinner_words": ["irregular"]}
    # The more scientists write a word, the less it gives away.
    m = spinner_model()
    assert spinner_model(ngrams={**NGRAMS, **WORDS, ("woodland",): 50}).spinner_odds("woodland") \
        < m.spinner_odds("woodland")


def test_spinner_words_leave_terms_common_words_and_rare_swaps_alone():
    m = spinner_model(ngrams={**NGRAMS, **WORDS, ("irregular", "grove"): 3})
    assert list(m.find("We fit an irregular grove to the data.")) == []  # a term the table knows
    assert m.spinner_odds("example") < SPINNER_PARAMS.spinner_threshold  # scientists write it too
    assert m.spinner_odds("grove") == -math.inf  # seen swapped once: too few to count
    assert list(spinner_model(replace(SPINNER_PARAMS, spinner_threshold=20.0)).find(
        "We fit an irregular grove to the data.")) == []
    # Without clean word counts the words say nothing.
    assert list(spinner_model(ngrams=dict(NGRAMS)).find("We fit an irregular grove to the data.")) == []


def test_two_spinner_like_words_give_a_sequence_away_together():
    m = spinner_model()
    strong, weak = sorted((m.spinner_odds(w) for w in ("irregular", "woodland")), reverse=True)
    assert weak > 0
    # A bar neither word reaches alone, but the pair does with half the second word's odds.
    bar = strong + 0.25 * weak
    text = "We mapped the irregular woodland edges."
    words_only = replace(SPINNER_PARAMS, threshold=0.999, spinner_threshold=bar)
    found = list(spinner_model(replace(words_only, spinner_second_weight=0.5)).find(text))
    # Both words are read as the spinner's, and swapped back through the list's swaps.
    assert [(s.text, s.original, d["evidence"]) for s, d in found] == [
        ("irregular woodland", "random forest", "spinner_words")]
    assert found[0][1]["spinner_words"] == ["irregular", "woodland"]
    assert list(spinner_model(replace(words_only, spinner_second_weight=0.0)).find(text)) == []


def test_a_known_term_reading_wins_over_the_words_alone():
    found = list(spinner_model().find("The irregular woodland was large."))
    assert [(s.text, s.original, d["evidence"]) for s, d in found] == [
        ("irregular woodland", "random forest", "term")]


# -- where a spinner's word is, and what it read as ------------------------

# "ceaseless" is most often written for "chronic", once for "continuous".
CEASELESS = [("ceaseless pain", "chronic pain")] * 3 + [("ceaseless variable", "continuous variable")]
# The term path is kept out of the way (threshold 0.999) so that only a spinner's words flag.
WORDS_ONLY = replace(PARAMS, threshold=0.999, spinner_threshold=3.0)


def ceaseless_model(params: PhraseParams = WORDS_ONLY) -> PhraseModel:
    ngrams = {("continuous", "variable"): 10, ("data",): 600, ("value",): 300, ("bright",): 50}
    return PhraseModel(ngrams, StubLexicon({}), StubLM(set()), learn_channel(CEASELESS), params,
                       spinner_words=learn_spinner_words(CEASELESS))


def spans_of(text: str, m: PhraseModel) -> list[tuple[str, str | None]]:
    out = []
    for span, detail in m.find(text):
        assert text[span.start:span.end] == span.text and detail["evidence"] == "spinner_words"
        out.append((span.text, span.original))
    return out


def test_a_spinner_word_is_read_as_the_term_its_neighbour_makes_with_it():
    # Not "chronic variable", the commonest original alone: the table knows "continuous variable".
    assert spans_of("Each ceaseless variable was scaled.", ceaseless_model()) == [
        ("ceaseless variable", "continuous variable")]
    # With no term in reach, the word takes its commonest original.
    assert spans_of("Each ceaseless noise was scaled.", ceaseless_model()) == [
        ("ceaseless noise", "chronic noise")]


def test_without_a_term_a_spinner_word_is_reported_with_the_word_before_it():
    # "bright ceaseless value" is flagged; the span is the word and the one before it, not all three.
    assert spans_of("A bright ceaseless value was kept.", ceaseless_model()) == [
        ("bright ceaseless", "bright chronic")]
    # A neighbour that is a spinner's word too goes with it, wherever it stands.
    both = [*CEASELESS, ("value ceaseless", "worth chronic"), ("value plan", "worth plan")]
    m = PhraseModel({("data",): 600, ("bright",): 50}, StubLexicon({}), StubLM(set()), learn_channel(both),
                    WORDS_ONLY, spinner_words=learn_spinner_words(both))
    assert m.spinner_odds("value") >= WORDS_ONLY.spinner_threshold
    assert spans_of("A bright ceaseless value was kept.", m) == [("ceaseless value", "chronic worth")]


def test_of_equal_terms_a_spinner_word_reads_as_the_one_its_swaps_are_shown_for_most():
    # Both terms are in reach, equally common; the list decides, not the order of a set.
    ngrams = {("speech", "analysis"): 10, ("voice", "analysis"): 10, ("data",): 600}
    for often, rarely in (("speech", "voice"), ("voice", "speech")):
        pairs = [("discourse analysis", f"{w} analysis") for w in (often, often, rarely)]
        m = PhraseModel(ngrams, StubLexicon({}), StubLM(set()), learn_channel(pairs), WORDS_ONLY,
                        spinner_words=learn_spinner_words(pairs))
        assert spans_of("A discourse analysis was run.", m) == [("discourse analysis", f"{often} analysis")]


def test_a_weaker_spinner_word_needs_a_known_term_with_its_neighbours_unchanged():
    m = ceaseless_model(replace(WORDS_ONLY, spinner_threshold=20.0, spinner_term_threshold=3.0))
    assert spans_of("Each ceaseless variable was scaled.", m) == [
        ("ceaseless variable", "continuous variable")]
    assert spans_of("Each ceaseless noise was scaled.", m) == []
    assert spans_of("Each ceaseless variable was scaled.", ceaseless_model(
        replace(WORDS_ONLY, spinner_threshold=20.0))) == []


# -- a finding grown over the spinner's words beside it ------------------------

# "organization" is a spinner's word (for "network") that the table's two-word terms do not hold.
GROWING = [("irregular woodland", "random forest"), ("arbitrary woodland", "random forest"),
           ("neural organization", "neural network"), ("social organization", "social network"),
           ("sensor organization", "sensor network")]


def growing_model(extend: float, extend_to: int = 4) -> PhraseModel:
    ngrams = {("random", "forest"): 40, ("data",): 600, ("we",): 500, ("model",): 300}
    # Only the term path flags here (spinner_threshold out of reach), so that a neighbour is found
    # by growing a finding, not as a finding of its own.
    params = replace(PARAMS, spinner_threshold=99.0, extend_threshold=extend, extend_to=extend_to)
    return PhraseModel(ngrams, StubLexicon({}), StubLM(set()), learn_channel(GROWING), params,
                       spinner_words=learn_spinner_words(GROWING))


def test_a_finding_grows_over_a_neighbouring_spinners_word_read_as_its_commonest_original():
    text = "We trained an irregular woodland organization on the data."
    m = growing_model(2.0)
    assert m.spinner_odds("organization") >= 2.0
    assert flags(text, m) == [("irregular woodland organization", "random forest network")]
    # Off (the default), the finding keeps the window it was read in.
    assert flags(text, growing_model(99.0)) == [("irregular woodland", "random forest")]
    # Before the finding too, and no further than extend_to words.
    assert flags("An organization irregular woodland was grown.", m) == [
        ("organization irregular woodland", "network random forest")]
    assert flags(text, growing_model(2.0, extend_to=2)) == [("irregular woodland", "random forest")]


def test_a_finding_does_not_grow_over_plain_words_punctuation_or_a_bar_it_misses():
    m = growing_model(2.0)
    assert flags("We trained an irregular woodland model on the data.", m) == [
        ("irregular woodland", "random forest")]
    assert flags("We trained an irregular woodland, organization first.", m) == [
        ("irregular woodland", "random forest")]
    odds = m.spinner_odds("organization")
    assert flags("We trained an irregular woodland organization.", growing_model(odds + 0.1)) == [
        ("irregular woodland", "random forest")]


def test_inside_a_finding_a_word_at_the_growing_bar_is_read_as_the_spinners_too():
    # "bright" is written for "smart" twice on the list: too weak to flag, strong enough to grow on.
    pairs = [*CEASELESS, ("bright idea", "smart idea"), ("bright phone", "smart phone")]
    ngrams = {("data",): 600, ("value",): 300, ("bright",): 50}

    def m(extend: float) -> PhraseModel:
        return PhraseModel(ngrams, StubLexicon({}), StubLM(set()), learn_channel(pairs),
                           replace(WORDS_ONLY, extend_threshold=extend),
                           spinner_words=learn_spinner_words(pairs))

    odds = m(99.0).spinner_odds("bright")
    assert 0 < odds < WORDS_ONLY.spinner_threshold
    assert spans_of("A bright ceaseless value was kept.", m(99.0)) == [("bright ceaseless", "bright chronic")]
    assert spans_of("A bright ceaseless value was kept.", m(odds - 0.1)) == [
        ("bright ceaseless", "smart chronic")]
