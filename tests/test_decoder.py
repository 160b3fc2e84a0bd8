"""The decoder against brute force, on a stand-in language model, and the scorer look-ups it relies on.

The stand-in scorer gives every trigram a fixed pseudo-random log
probability, so the tests need no model file and any slip in which context
a word is scored in changes the numbers.
"""

from __future__ import annotations

import itertools
import math
import zlib
from dataclasses import replace

import pytest

from unspin.channel import Option, Position
from unspin.decoder import Choice, Decoder, Sentence
from unspin.lattice import best_reading
from unspin.lm import BOS, EOS, NGramScorer, WordTable, batch_by_logprob, default_scorer
from unspin.params import Params
from unspin.runs import SentenceWords, lm_word
from unspin.text import sentences, tokenize


class _Table(dict):
    def __init__(self, history: tuple[str, ...]) -> None:
        super().__init__()
        self.history = history

    def __missing__(self, word: str) -> float:
        value = self[word] = -1.0 - 11.0 * (zlib.crc32(" ".join((*self.history, word)).encode()) / 2**32)
        return value


class HashScorer:
    """A trigram "model" whose log probabilities hash the trigram: the Scorer protocol, nothing more."""

    name = "hash"
    order = 2

    def next_logprobs(self, history: tuple[str, ...]) -> _Table:
        return _Table(tuple(history[-2:]))

    def logprob(self, word: str, history) -> float:
        return self.next_logprobs(tuple(history))[word]

    def __init__(self) -> None:
        self.table = WordTable()

    def word_ids(self, words):
        return self.table.ids(words)

    def batch_ids(self, h2, h1, words):
        return batch_by_logprob(self, self.table, h2, h1, words)

    def known(self, word: str) -> bool:
        return True

    def unigram(self, word: str) -> float:
        return self.logprob(word, ())


def option(i: int, words: str, logq: float, j: int | None = None) -> Option:
    return Option(i, i + 1 if j is None else j, tuple(words.split()), logq, "synonym_swap")


def decoder(scorer=None) -> Decoder:
    return Decoder(None, scorer or HashScorer(), Params())


def path_score(dec: Decoder, tokens, s: Sentence, picks: dict[int, Option | None], rate: float) -> float:
    """Channel plus LM score of one reading of the sentence, summed token by token."""
    lm, p = dec.lm, dec.p
    by_start = {pos.index: pos for pos in s.positions}
    hist = [BOS, BOS]
    total = 0.0
    i = s.lo
    while i < s.hi:
        pos, opt = by_start.get(i), picks.get(i)
        if opt is not None:
            total += math.log(rate) + opt.logq - (p.name_penalty if pos.guarded else 0.0)
            words, i = opt.words, opt.j
        else:
            total += math.log1p(-rate) if pos else 0.0
            tok = tokens[i]
            words = (lm_word(tok),) if tok.kind in ("word", "number") else ()
            i += 1
        for w in words:
            total += lm.logprob(w, hist)
            hist = [hist[-1], w]
    return total + lm.logprob(EOS, hist)


def readings(s: Sentence):
    """Every consistent choice of swaps (non-overlapping options) in the sentence."""
    choices = [[None, *pos.options] for pos in s.positions]
    for combo in itertools.product(*choices):
        picked = [o for o in combo if o is not None]
        if all(a.j <= b.i for a, b in itertools.pairwise(sorted(picked, key=lambda o: o.i))):
            yield {o.i: o for o in picked}


def sentence_of(text: str, options: dict[int, list[Option]], names: frozenset[int] = frozenset()):
    tokens = tokenize(text)
    (lo, hi), = sentences(tokens)
    positions = [Position(i, opts, i in names) for i, opts in sorted(options.items())]
    return tokens, Sentence(lo, hi, positions)


TEXT = "The firm said on Tuesday that 3 big rises were seen, not many."


def spun_sentence():
    # tokens: The firm said on Tuesday that 3 big rises were seen , not many .
    return sentence_of(TEXT, {
        1: [option(1, "agency", -1.0), option(1, "company", -2.0), option(1, "business", -3.0)],
        3: [option(3, "upon", -2.5)],
        4: [option(4, "monday", -4.0)],
        6: [option(6, "three", -2.0)],
        7: [option(7, "large", -1.5), option(7, "major", -1.0), option(7, "very large", -3.0, j=9)],
        8: [option(8, "increases", -0.5), option(8, "gains", -1.0)],
    }, names=frozenset({4}))


def test_words_reads_digits_and_skips_punctuation():
    tokens, s = spun_sentence()
    words = SentenceWords(tokens, s.lo, s.hi)
    assert words.left(s.lo) == (BOS, BOS)
    assert words.left(2) == ("the", "firm")
    assert words.observed(6, 7) == ("three",)
    assert words.observed(10, 12) == ("seen",)
    assert words.right(11) == ("not", "many")
    assert words.right(13) == ("many", EOS)
    assert words.right(14) == (EOS,)
    assert words.right(s.hi) == (EOS,)


@pytest.mark.parametrize("rate", [0.02, 0.2, 0.6])
def test_decode_finds_the_best_reading(rate):
    tokens, s = spun_sentence()
    dec = decoder()
    best = max(readings(s), key=lambda picks: path_score(dec, tokens, s, picks, rate))
    chosen = [c.option for c in dec.decode(tokens, s, rate)]
    assert chosen == sorted(best.values(), key=lambda o: o.i)


def test_equal_scores_keep_the_first_option():
    # Two originals with the same channel score, and a model that scores every word alike.
    class Flat(_Table):
        def __missing__(self, word: str) -> float:
            return -30.0 if word == "firm" else -2.0

    class FlatScorer(HashScorer):
        def next_logprobs(self, history):
            return Flat(tuple(history[-2:]))

    tokens, s = sentence_of("The firm said so.", {1: [option(1, "agency", -1.0), option(1, "bureau", -1.0)]})
    (choice,) = decoder(FlatScorer()).decode(tokens, s, 0.2)
    assert choice.option.words == ("agency",)


class _Flat(_Table):
    def __missing__(self, word: str) -> float:
        return -2.0


class _FlatScorer(HashScorer):
    """Every word equally likely anywhere, so only the channel decides."""

    def next_logprobs(self, history):
        return _Flat(tuple(history[-2:]))


@pytest.mark.parametrize("at, doubled", [(1, "minister"), (2, "envoy")])
def test_a_swap_never_doubles_a_word(at, doubled):
    # "The envoy minister spoke." The likeliest original repeats its neighbour ("minister
    # minister", "envoy envoy"); the next one does not and is taken instead.
    options = {at: [option(at, doubled, 20.0), option(at, "delegate", 19.0)]}
    tokens, s = sentence_of("The envoy minister spoke.", options)
    (choice,) = decoder(_FlatScorer()).decode(tokens, s, 0.2)
    assert choice.option.words == ("delegate",)


def test_a_doubled_word_in_the_text_may_stay():
    tokens, s = sentence_of("He had had enough.", {3: [option(3, "plenty", 20.0)]})
    (choice,) = decoder(_FlatScorer()).decode(tokens, s, 0.2)
    assert choice.option.words == ("plenty",)


def test_confidence_scores_each_swap_after_the_decoded_words():
    tokens, s = spun_sentence()
    dec, rate = decoder(), 0.3
    choices = dec.decode(tokens, s, rate)
    assert len(choices) >= 2
    words = SentenceWords(tokens, s.lo, s.hi)
    lm = dec.lm
    decoded = [BOS, BOS]
    k = s.lo
    for c in choices:
        opt = c.option
        decoded += words.observed(k, opt.i)
        right = words.right(opt.j)

        def run(ws, hist):
            total = 0.0
            for w in ws:
                total += lm.logprob(w, hist)
                hist = [hist[-1], w]
            return total

        swap = run([*opt.words, *right], decoded[-2:])
        keep = run([*words.observed(opt.i, opt.j), *right], decoded[-2:])
        penalty = dec.p.name_penalty if opt.i == 4 else 0.0
        odds = swap - keep + opt.logq - penalty + math.log(rate / (1 - rate))
        assert c.confidence == pytest.approx(1 / (1 + math.exp(-odds)), rel=1e-12)
        decoded += opt.words
        k = opt.j


def test_a_document_decodes_as_its_sentences_do_one_by_one():
    # Sentences decoded together share one batch of confidences; each must get its own back,
    # a sentence with nothing worth decoding included. The last sentence repeats the first
    # with every option likelier, so its confidences differ.
    text = f"{TEXT} Nothing here. {TEXT}"
    tokens = tokenize(text)
    bounds = sentences(tokens)
    _, one = spun_sentence()
    shift = bounds[2][0] - bounds[0][0]
    later = [Position(p.index + shift, [Option(o.i + shift, o.j + shift, o.words, o.logq + 1.0, o.label)
                                        for o in p.options], p.guarded) for p in one.positions]
    sents = [Sentence(*bounds[0], one.positions), Sentence(*bounds[1], []), Sentence(*bounds[2], later)]
    dec = decoder()
    together = dec.decode_all(tokens, sents, 0.3)
    assert together == [dec.decode(tokens, s, 0.3) for s in sents]
    assert together[1] == [] and len(together[0]) >= 2 and together[2]
    assert together[0][0].confidence != together[2][0].confidence


def test_rate_estimate_scores_each_option_against_keeping_its_span():
    tokens, s = spun_sentence()
    dec = decoder()
    words = SentenceWords(tokens, s.lo, s.hi)
    odds = dec._odds([(words, pos, *words.left(pos.index)) for pos in s.positions])
    for pos, got in zip(s.positions, odds, strict=True):
        penalty = dec.p.name_penalty if pos.guarded else 0.0
        want = []
        for opt in pos.options:
            swap, keep = dec.local_scores(tokens, s.lo, s.hi, opt)
            want.append(swap - keep + opt.logq - penalty)
        assert got == want
    rate, llr, n = dec.estimate_rate(tokens, [s])
    assert n == len(s.positions)
    assert 0.0 < rate < 1.0
    assert math.isfinite(llr)
    assert [pos.odds.tolist() for pos in s.positions] == odds


@pytest.mark.parametrize("floor", [-3.0, 0.0, 3.0])
def test_decode_floor_leaves_out_options_the_first_pass_ruled_out(floor):
    tokens, s = spun_sentence()
    unpruned = Decoder(None, HashScorer(), Params(decode_floor=-math.inf))
    rate, _, _ = unpruned.estimate_rate(tokens, [s])
    logit = math.log(rate / (1 - rate))
    odds = {opt: o + logit for pos in s.positions
            for opt, o in zip(pos.options, pos.odds.tolist(), strict=True)}
    everything = [c.option for c in unpruned.decode(tokens, s, rate)]
    # A position without first-pass odds (decode before estimate_rate) keeps all its options.
    fresh = Sentence(s.lo, s.hi, [Position(p.index, p.options, p.guarded) for p in s.positions])
    assert [c.option for c in unpruned.decode(tokens, fresh, rate)] == everything

    pruned = Decoder(None, HashScorer(), Params(decode_floor=floor))
    chosen = [c.option for c in pruned.decode(tokens, s, rate)]
    assert all(odds[opt] >= floor for opt in chosen)
    if floor == 3.0:
        assert any(odds[opt] < floor for opt in everything)  # the floor had something to leave out


@pytest.mark.parametrize("least", [0.9, 0.99])
def test_a_higher_bar_raises_the_floor_by_its_log_odds(least):
    tokens, s = spun_sentence()
    unpruned = Decoder(None, HashScorer(), Params(decode_floor=-math.inf))
    rate, _, _ = unpruned.estimate_rate(tokens, [s])
    logit = math.log(rate / (1 - rate))

    def chosen(d: Decoder, bar: float = 0.5) -> list:
        return [c.option for c in d.decode(tokens, s, rate, bar)]

    odds = {opt: o + logit for pos in s.positions
            for opt, o in zip(pos.options, pos.odds.tolist(), strict=True)}
    # Just under the least likely swap the decoder takes, so that raising the floor leaves it out.
    floor = min(odds[opt] for opt in chosen(unpruned)) - 1.0
    dec = Decoder(None, HashScorer(), Params(decode_floor=floor))
    raised = Decoder(None, HashScorer(), Params(decode_floor=floor + math.log(least / (1 - least))))
    assert chosen(dec, least) == chosen(raised)
    assert chosen(raised) != chosen(dec)  # the raised floor has something to leave out
    # Even odds or less leave the floor where it is.
    assert chosen(dec, 0.3) == chosen(dec)
    # A bar no option's first-pass odds come near: the sentence is not read at all.
    best = max(o + logit for pos in s.positions for o in pos.odds.tolist())
    assert chosen(dec, 1 / (1 + math.exp(-(best - floor + 1.0)))) == [] and chosen(dec, 1.0) == []


# -- the n-gram scorer's per-context tables ----------------------------


@pytest.fixture(scope="module")
def lm() -> NGramScorer:
    return default_scorer()


@pytest.mark.parametrize("history", [(), ("the",), ("of", "the"), (BOS, BOS), ("qzxvbnmw", "the"),
                                     ("the", "qzxvbnmw"), ("a", "lot", "of", "the")])
@pytest.mark.parametrize("word", ["people", "qzxvbnmw", EOS])
def test_next_logprobs_agrees_with_logprob(lm, history, word):
    fresh = NGramScorer()
    assert lm.next_logprobs(history)[word] == fresh.logprob(word, list(history))


def test_histories_that_back_off_alike_share_a_table(lm):
    def shared(a: tuple[str, ...], b: tuple[str, ...], word: str) -> bool:
        """A word asked after history a is already in history b's table."""
        lm.next_logprobs(a)[word]
        return word in list(lm.next_logprobs(b))

    # An unknown older word is dropped, so both histories are the bigram context "the".
    assert shared(("qzxvbnmw", "the"), ("xqzvwkj", "the"), "people")
    # An unknown newest word leaves no context at all.
    assert shared(("the", "qzxvbnmw"), (), "summit")
    assert not shared(("of", "the"), ("in", "a"), "zebras")


def test_dropping_the_memo_changes_no_score():
    scorer = NGramScorer()
    scorer.max_memo = 5
    histories = [("of", "the"), ("the", "united"), (BOS, BOS), ("said", "on"), ("the", "people")]
    words = ("people", "states", EOS)
    want = [NGramScorer().logprob(w, h) for h in histories for w in words]
    for _ in range(2):
        assert [scorer.logprob(w, h) for h in histories for w in words] == want
        assert len(scorer._by_ngram) <= scorer.max_memo
        assert [scorer.next_logprobs(h)[w] for h in histories for w in words] == want
        assert len(scorer._by_history) < len(histories)


def _firm_options(p: Params, frequent: str | None) -> list[Option]:
    # Equal channel scores; only the frequency gap (feature 3) tells them apart.
    out = []
    for words in ("agency", "company", "business"):
        x = (-1.0, 0.0, 0.0, 3.0 if words == frequent else 0.0, 0.0, 0.0)
        out.append(Option(1, 2, (words,), p.logq(x), "synonym_swap", x))
    return out


def _decode_firm(w_freq_gap: float, frequent: str | None):
    p = Params(w_logq=1.0, w_freq_gap=w_freq_gap)
    dec = Decoder(None, HashScorer(), p)
    tokens, s = sentence_of("The firm said so.", {1: _firm_options(p, frequent)})
    dec.estimate_rate(tokens, [s])  # the first pass, which ranks the options to choose among
    (choice,) = dec.decode(tokens, s, 0.3, least=0.0)
    return dec, tokens, s, choice


def test_the_original_of_a_swap_is_chosen_without_the_frequency_gap():
    # The frequency gap says whether a word was swapped, not which original it replaced: with a
    # heavy weight on it the best reading takes the commoner original, but the original reported
    # is the one the model and channel prefer, as with no weight at all.
    _, _, _, plain = _decode_firm(0.0, None)
    frequent = next(w for w in ("agency", "company", "business") if (w,) != plain.option.words)
    dec, tokens, s, heavy = _decode_firm(20.0, frequent)
    lattice = dec._lattice(tokens, s, math.log1p(-0.3), math.log(0.3), -math.inf)
    assert [o.words for o in best_reading(lattice, dec.lm, dec.p.beam)] == [(frequent,)]
    assert heavy.option.words == plain.option.words
    # Its confidence is the best reading's: that the word was swapped at all.
    keep = path_score(dec, tokens, s, {}, 0.3)
    taken = next(o for o in s.positions[0].options if o.words == (frequent,))
    swap = path_score(dec, tokens, s, {1: taken}, 0.3)
    assert heavy.confidence == pytest.approx(1 / (1 + math.exp(keep - swap)), rel=1e-9)


_FIRMS = ("agency", "company", "business", "group")


def _decode_with_substitution(p: Params, favoured: str | None) -> Choice:
    """The firm sentence decoded with the substitution feature (feature 0) raised for ``favoured``."""
    options = []
    for words in _FIRMS:
        x = (-1.0 + (0.5 if words == favoured else 0.0), 0.0, 0.0, 0.0, 0.0, 0.0)
        options.append(Option(1, 2, (words,), p.logq(x), "synonym_swap", x))
    dec = Decoder(None, HashScorer(), p)
    tokens, s = sentence_of("The firm said so.", {1: options})
    dec.estimate_rate(tokens, [s])
    (choice,) = dec.decode(tokens, s, 0.3, least=0.0)
    return choice


def test_the_second_choice_weighs_the_substitution_model_with_its_own_weight():
    # With no weight on the substitution model in the reading, the best reading and its
    # confidence ignore feature 0; the second choice, weighing it heavily, takes the option it
    # favours among those near the best, and only the original changes.
    reading = Params(w_logq=0.0)
    plain = _decode_with_substitution(reading, None)
    near = [w for w in _FIRMS if (w,) != plain.option.words]
    for favoured in near:
        same = _decode_with_substitution(reading, favoured)
        assert same.option.words == plain.option.words
        chosen = _decode_with_substitution(replace(reading, choice_w_logq=40.0), favoured)
        assert chosen.confidence == pytest.approx(plain.confidence, rel=1e-12)
        if chosen.option.words == (favoured,):
            break
    else:
        pytest.fail("no option near the best was taken for its substitution score")


def test_a_decoded_swap_carries_how_sure_its_original_is():
    sure = Params(w_logq=0.0, original_scale=1.0, original_intercept=1.5, original_slope=3.0)
    assert _decode_with_substitution(Params(w_logq=0.0), None).original_confidence is None
    plain = _decode_with_substitution(sure, None)
    for favoured in (w for w in _FIRMS if (w,) != plain.option.words):
        # The choice's own weight puts the favoured option 20 nats ahead of the others.
        chosen = _decode_with_substitution(replace(sure, choice_w_logq=40.0), favoured)
        if chosen.option.words == (favoured,):
            assert chosen.original_confidence == pytest.approx(1 / (1 + math.exp(-1.5)), rel=1e-6)
            assert plain.original_confidence < chosen.original_confidence
            break
    else:
        pytest.fail("no option near the best was taken for its substitution score")
