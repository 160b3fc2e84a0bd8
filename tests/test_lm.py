"""The trigram scorer over the pocketsphinx US-English LM."""

from __future__ import annotations

import math
import os
import socket

import pytest

from unspin.errors import DataError
from unspin.lm import BOS, EOS, NGramScorer, Scorer, default_scorer, spoken


@pytest.fixture(scope="module")
def lm() -> NGramScorer:
    return default_scorer()


def sentence_logprob(scorer: Scorer, sentence: str) -> float:
    words = [BOS, *sentence.lower().split(), EOS]
    return sum(scorer.logprob(w, words[:i]) for i, w in enumerate(words) if i > 0)


def test_loads_from_the_installed_wheel_without_network(monkeypatch):
    import pocketsphinx

    def no_network(*args, **kwargs):
        raise OSError("network access attempted while loading the LM")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    scorer = NGramScorer()
    path = os.path.join(pocketsphinx.get_model_path(), "en-us", "en-us.lm.bin")
    assert scorer.name == f"ngram:cmusphinx-en-us-3gram:{os.path.getsize(path)}"
    assert scorer.order == 2
    assert scorer.known("people")
    assert isinstance(scorer, NGramScorer)


def test_missing_model_file_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="not found"):
        NGramScorer(path=str(tmp_path / "nope.lm.bin"))


def test_default_scorer_is_shared(lm):
    assert default_scorer() is lm


def test_prefers_common_phrase_in_context(lm):
    assert lm.logprob("people", ["of", "the"]) > lm.logprob("individuals", ["of", "the"]) + 1.0
    assert lm.logprob("agency", ["central", "news"]) > lm.logprob("firm", ["central", "news"]) + 1.0


def test_prefers_the_original_sentence(lm):
    original = "the korean central news agency said on tuesday"
    spun = "the korean central news firm said on tuesday"
    assert sentence_logprob(lm, original) > sentence_logprob(lm, spun)
    assert sentence_logprob(lm, "the will of the people") > sentence_logprob(
        lm, "the will of the individuals"
    )


def test_context_matters(lm):
    # The same word is far likelier where it usually follows.
    assert lm.logprob("states", ["the", "united"]) > lm.logprob("states", ["the", "blue"]) + 2.0
    assert lm.logprob("states", ["the", "united"]) > lm.unigram("states")


def test_logprobs_are_natural_log_probabilities(lm):
    for word in ("the", "people", "agency"):
        lp = lm.unigram(word)
        assert -30.0 < lp < 0.0
    # "the" is the commonest English word; ln P(the) is around ln(0.05).
    assert math.exp(lm.unigram("the")) == pytest.approx(0.05, rel=0.8)


def test_unknown_words_get_the_floor(lm):
    word = "qzxvbnmw"
    assert not lm.known(word)
    assert lm.logprob(word, ["of", "the"]) == lm.unknown_logprob
    assert lm.unigram(word) == lm.unknown_logprob
    custom = NGramScorer(unknown_logprob=-23.5)
    assert custom.logprob(word, []) == -23.5


def test_unknown_history_word_backs_off_instead_of_failing(lm):
    value = lm.logprob("people", ["qzxvbnmw", "the"])
    assert math.isfinite(value)
    # The unknown word is dropped: what is left is the bigram P(people | the).
    assert value == lm.logprob("people", ["the"])
    assert value != lm.logprob("people", ["of", "the"])


def test_history_longer_than_two_is_accepted(lm):
    short = lm.logprob("people", ["of", "the"])
    assert lm.logprob("people", ["a", "lot", "of", "the"]) == short
    assert lm.logprob("people", (BOS, "many", "of", "the")) == short


def test_sentence_start_is_context(lm):
    assert lm.logprob("the", [BOS]) > lm.logprob("the", ["the"])
    assert lm.logprob(EOS, ["the", "people"]) > lm.logprob(EOS, ["of", "the"])


def test_plain_digits_read_as_their_number_words_and_suffixed_ordinals_do_not(lm):
    # The model has no digits: read as they are, "7" would always lose to "seven", and a numeral
    # a spinner spelled out could never get its digits back.
    assert spoken("7") == "seven" and spoken("12") == "twelve" and spoken("seven") == "seven"
    assert spoken("2nd") == "2nd" and spoken("2015") == "2015"
    assert lm.logprob("7", ("on", "february")) == lm.logprob("seven", ("on", "february"))
    assert lm.logprob("medals", ("won", "7")) == lm.logprob("medals", ("won", "seven"))
    assert lm.next_logprobs(("february",))["7"] == lm.next_logprobs(("february",))["seven"]
    assert lm.word_ids(["7", "seven"]).tolist()[0] == lm.word_ids(["seven"]).tolist()[0] >= 0
    assert lm.logprob("2nd", ("a",)) == lm.unknown_logprob
