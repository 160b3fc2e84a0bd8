"""Inflection and lemmatisation against WordNet's exception lists and spelling rules."""

from __future__ import annotations

import pytest

from unspin.inflect import FORMS, inflect, lemma_pos, lemmatize


@pytest.mark.parametrize(
    ("lemma", "form", "expected"),
    [
        ("go", "ing", "going"),
        ("go", "past", "went"),
        ("go", "3sg", "goes"),
        ("go to", "ing", "going to"),
        ("call on", "past", "called on"),
        ("get in touch with", "3sg", "gets in touch with"),
        ("news agency", "plural", "news agencies"),
        ("turning point", "plural", "turning points"),
        ("person", "plural", "people"),  # not in noun.exc: a built-in irregular
        ("child", "plural", "children"),
        ("wolf", "plural", "wolves"),
        ("church", "plural", "churches"),
        ("bus", "plural", "buses"),  # noun.exc's "busses" is the rarer spelling
        ("photo", "plural", "photos"),
        ("hero", "plural", "heroes"),
        ("stop", "ing", "stopping"),
        ("stop", "past", "stopped"),
        ("visit", "ing", "visiting"),
        ("visit", "past", "visited"),
        ("admit", "past", "admitted"),
        ("quit", "ing", "quitting"),
        ("make", "ing", "making"),
        ("see", "ing", "seeing"),
        ("die", "ing", "dying"),
        ("study", "past", "studied"),
        ("try", "3sg", "tries"),
        ("panic", "past", "panicked"),
        ("see", "past", "saw"),
        ("begin", "past", "began"),
        ("drink", "past", "drank"),
        ("get", "past", "got"),
        ("prove", "past", "proved"),  # verb.exc only lists the participle "proven"
        ("let", "past", "let"),
        ("be", "3sg", "is"),
        ("be", "past", "was"),
        ("have", "3sg", "has"),
        ("do", "past", "did"),
        ("take", "participle", "taken"),
        ("go", "participle", "gone"),
        ("sing", "participle", "sung"),  # verb.exc lists "sang" and "sung" alike
        ("show", "participle", "shown"),  # only the participle is irregular
        ("beat", "participle", "beaten"),  # only the past is spelt as the base
        ("come", "participle", "come"),  # only the participle is spelt as the base
        ("bring", "participle", "brought"),
        ("say", "participle", "said"),
        ("visit", "participle", "visited"),
        ("put", "participle", "put"),
        ("be", "participle", "been"),
        ("give up", "participle", "given up"),
        ("big", "comparative", "bigger"),
        ("happy", "comparative", "happier"),
        ("large", "superlative", "largest"),
        ("good", "comparative", "better"),
        ("beautiful", "superlative", "most beautiful"),
        ("well known", "comparative", "more well known"),
        ("car", "base", "car"),
    ],
)
def test_inflect(lemma, form, expected):
    assert inflect(lemma, form) == expected


def test_inflect_rejects_unknown_form():
    with pytest.raises(ValueError):
        inflect("go", "gerund")


@pytest.mark.parametrize(
    ("word", "analysis"),
    [
        ("visiting", ("visit", "ing")),
        ("went", ("go", "past")),
        ("people", ("person", "plural")),
        ("children", ("child", "plural")),
        ("stopped", ("stop", "past")),
        ("hoping", ("hope", "ing")),
        ("better", ("good", "comparative")),
        ("biggest", ("big", "superlative")),
        ("buses", ("bus", "plural")),
        ("travelling", ("travel", "ing")),
        ("is", ("be", "3sg")),
        ("let", ("let", "past")),
        ("called on", ("call on", "past")),
        ("gave up", ("give up", "past")),
        ("given up", ("give up", "participle")),
        ("taken", ("take", "participle")),
        ("been", ("be", "participle")),
        ("come", ("come", "participle")),
        ("turning points", ("turning point", "plural")),
        ("Cars", ("car", "plural")),
    ],
)
def test_lemmatize_finds(word, analysis):
    assert analysis in lemmatize(word)


@pytest.mark.parametrize(
    ("word", "wrong"),
    [
        ("hoping", ("hop", "ing")),
        ("was", ("wa", "plural")),
        ("news", ("new", "plural")),
        ("goed", ("go", "past")),
        # A form spelt alike as past and participle is read as the past only.
        ("brought", ("bring", "participle")),
        ("visited", ("visit", "participle")),
        ("took", ("take", "participle")),
        ("taken", ("take", "past")),
    ],
)
def test_lemmatize_rejects_false_analyses(word, wrong):
    assert wrong not in lemmatize(word)


def test_lemmatize_orders_irregular_first_and_falls_back_to_base():
    assert lemmatize("saw")[0] == ("see", "past")
    assert ("saw", "base") in lemmatize("saw")
    assert lemmatize("xyzzyq") == [("xyzzyq", "base")]


def test_every_rule_analysis_reinflects():
    words = ["visiting", "stopped", "cars", "happier", "tries", "boxes", "hoped", "makes", "taken", "went",
             "fallen", "beaten", "shown"]
    for word in words:
        for lemma, form in lemmatize(word):
            if form != "base" and lemma != "person":
                assert inflect(lemma, form) == word, (word, lemma, form)


def test_forms_and_pos():
    assert set(FORMS) == {"base", "plural", "3sg", "past", "participle", "ing", "comparative",
                          "superlative"}
    assert lemma_pos("car") == {"noun"}
    assert {"noun", "verb"} <= lemma_pos("visit")
