"""Tortured phrases in deep mode: the neural model's word on sequences the phrase model half suspects.

The phrase model (:mod:`unspin.tortured_model`) must keep its bars high:
a term read out of a clean sequence looks to it like one read out of a
tortured one, and false alarms on clean abstracts are the cost that matters.
A causal language model knows better which of two wordings a scientist
writes: "deep learning" after "we train a", not "profound learning". So
deep mode lowers the phrase model's bars (``PhraseParams.deep_*``), and
each sequence it then suspects, with a reading, is kept only if the model
prefers the reading to the words as written, in their sentence, by enough:
its log-odds plus ``deep_margin_weight`` times how far the finding cleared
its lowered bar must reach ``deep_cut``. Findings at the ordinary bars stay,
unless the model's log-odds for their reading fall below ``deep_veto``.

The comparison reads the passage twice after the same left context (up to
:data:`CONTEXT_PIECES` model pieces), once as written and once with the
changed words replaced, each followed by the rest of its sentence (up to
:data:`RIGHT_PIECES` pieces): the difference of the two log-probabilities
is the model's log-odds for the reading. Only the words the reading changes
are replaced, in the observed word's case and number, so that "LSTM neural
organizations" is weighed against "LSTM neural networks".
"""

from __future__ import annotations

import bisect
import copy
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from .deep_chunks import BATCH_PIECES
from .phrase_match import Words, stem
from .result import Span
from .text import match_case, sentences, tokenize

if TYPE_CHECKING:
    from .neural import NeuralScorer
    from .tortured_model import PhraseModel, PhraseParams

#: Model pieces of left context before a compared passage, from the sentence before it on: about
#: the context deep mode reads news with (unspin.deep_chunks.CONTEXT_TOKENS).
CONTEXT_PIECES = 60
#: Model pieces of the sentence after the span read with each wording.
RIGHT_PIECES = 16


@dataclass(frozen=True)
class Weighed:
    """A finding of the phrase model, and the neural model's word on it where it has a reading."""

    span: Span
    detail: dict[str, Any]
    #: Found at the ordinary bars (else only at deep mode's lowered ones: a suspect).
    ordinary: bool
    #: How far a suspect cleared its lowered bar (log-odds; 0 at the bar).
    margin: float
    #: The neural model's log-odds for the reading against the words as written (None: not weighed).
    neural: float | None


def lowered(model: PhraseModel) -> PhraseModel:
    """The model with deep mode's lower bars (sharing its tables)."""
    p = model.params
    out = copy.copy(model)
    out.params = replace(p, spinner_threshold=p.deep_spinner_threshold,
                         spinner_term_threshold=p.deep_spinner_term_threshold, threshold=p.deep_threshold)
    return out


def weigh(model: PhraseModel, text: str, scorer: NeuralScorer, words: Words | None = None) -> list[Weighed]:
    """The model's findings in ``text`` at its ordinary bars, and those at deep mode's lowered bars
    that overlap none of them, each with a reading weighed by the neural ``scorer``.

    A span whose words are joined by hyphens or slashes ("mel-cepstrum") is
    not weighed: read with spaces instead, any reading would look likelier.
    Suspects without a reading are dropped; ordinary findings stay.
    """
    words = words or Words.of(text)
    ordinary = list(model.find(text, words))
    low = lowered(model)
    extra = [(s, d) for s, d in low.find(text, words)
             if s.original and not any(s.start < o.end and o.start < s.end for o, _ in ordinary)]
    found = ordinary + extra
    asked = [k for k, (s, _) in enumerate(found) if s.original and not any(c in s.text for c in "-/")]
    odds = dict(zip(asked, passage_odds(scorer, text, [
        (found[k][0].start, found[k][0].end, reworded(found[k][0].text, found[k][0].original or ""))
        for k in asked]), strict=True))
    return [Weighed(s, d, k < len(ordinary), 0.0 if k < len(ordinary) else _margin(s, d, low.params),
                    odds.get(k))
            for k, (s, d) in enumerate(found) if k < len(ordinary) or k in odds]


def verdict(w: Weighed, params: PhraseParams) -> float | None:
    """The confidence with which deep mode keeps a weighed finding, or None to drop it.

    An ordinary finding keeps its own, unless the neural model's log-odds
    for its reading fall below ``deep_veto``; a suspect is kept where its
    log-odds plus ``deep_margin_weight`` times its margin reach ``deep_cut``,
    with the excess as odds.
    """
    if w.ordinary:
        return w.span.score if w.neural is None or w.neural >= params.deep_veto else None
    assert w.neural is not None
    z = w.neural + params.deep_margin_weight * w.margin - params.deep_cut
    return 1.0 / (1.0 + math.exp(-min(30.0, z))) if z >= 0 else None


def kept(weighed: Sequence[Weighed], params: PhraseParams) -> list[tuple[Span, dict[str, Any]]]:
    """The findings deep mode with ``params`` reports, in text order, each with the neural log-odds
    it was weighed with."""
    out = []
    for w in weighed:
        score = verdict(w, params)
        if score is not None:
            extra = {} if w.neural is None else {"neural_log_odds": round(w.neural, 2)}
            out.append((replace(w.span, score=round(score, 4)), {**w.detail, **extra}))
    return sorted(out, key=lambda f: f[0].start)


def find_deep(model: PhraseModel, text: str, scorer: NeuralScorer,
              words: Words | None = None) -> list[tuple[Span, dict[str, Any]]]:
    """Deep mode's findings: :func:`kept` of :func:`weigh` with the model's own settings."""
    return kept(weigh(model, text, scorer, words), model.params)


def reworded(found: str, reading: str) -> str:
    """``reading`` as the words of ``found`` would carry it: unchanged words as written, changed
    ones in the case of the word they replace, the last in its number ("organizations" ->
    "networks"); the reading itself where the word counts differ."""
    from .paper import agree

    have, want = found.split(), agree(found, reading).split()
    if len(have) != len(want):
        return reading
    return " ".join(h if stem(h.lower()) == stem(w.lower()) else match_case(h, w)
                    for h, w in zip(have, want, strict=True))


def passage_odds(scorer: NeuralScorer, text: str, rewrites: Sequence[tuple[int, int, str]]) -> list[float]:
    """Per rewrite (start, end, replacement) of ``text``: the neural model's log-odds of the passage
    with ``text[start:end]`` replaced against the passage as written (see the module's docstring).

    The three parts are cut at the given offsets, not at tokens, so a span
    that ends inside a token ("organization's") leaves the token's rest to
    the right context of both wordings.
    """
    tokens = tokenize(text)
    bounds = sentences(tokens)
    ends = [t.end for t in tokens]
    firsts = [lo for lo, _ in bounds]
    jobs: list[tuple[list[int], list[int]]] = []
    for start, end, replacement in rewrites:
        s = max(0, bisect.bisect_right(firsts, bisect.bisect_right(ends, start)) - 1)
        opening = tokens[bounds[max(0, s - 1)][0]].start
        closing = max(end, tokens[bounds[s][1] - 1].end)
        left = _encode(scorer, text[opening:start], opens=True)[-CONTEXT_PIECES:]
        right = _encode(scorer, text[end:closing])[:RIGHT_PIECES]
        spaced = start > opening and text[start - 1].isspace()
        written = _encode(scorer, (" " if spaced else "") + text[start:end])
        changed = _encode(scorer, (" " if spaced else "") + replacement)
        jobs += [(left, written + right), (left, changed + right)]
    totals = _tail_logprobs(scorer, jobs)
    return [totals[2 * n + 1] - totals[2 * n] for n in range(len(rewrites))]


def _encode(scorer: NeuralScorer, part: str, opens: bool = False) -> list[int]:
    """Model pieces of a part of the text, each token with the space before it, the first too
    unless it ``opens`` the sequence read."""
    out: list[int] = []
    for k, tok in enumerate(tokenize(part)):
        before = part[tok.start - 1] if tok.start else ""
        spaced = before.isspace() and not (opens and k == 0)
        out.extend(scorer.bpe.encode((" " if spaced else "") + tok.text))
    return out


def _tail_logprobs(scorer: NeuralScorer, jobs: Sequence[tuple[list[int], list[int]]]) -> list[float]:
    """Per (left, tail): log P(tail | left) under the model, read in batches of whole sequences."""
    out: list[float] = []
    batch: list[tuple[list[int], list[int]]] = []
    size = 0
    for job in [*jobs, None]:
        if batch and (job is None or size + 1 + len(job[0]) + len(job[1]) > BATCH_PIECES):
            seqs = [[scorer.bos, *left, *tail] for left, tail in batch]
            rows = [range(len(left), len(left) + len(tail)) for left, tail in batch]
            for lp, (_, tail) in zip(scorer.model.next_logprobs(seqs, rows), batch, strict=True):
                out.append(float(lp[list(range(len(tail))), list(tail)].float().sum()))
            batch, size = [], 0
        if job is not None:
            batch.append(job)
            size += 1 + len(job[0]) + len(job[1])
    return out


def _margin(span: Span, detail: dict[str, Any], params: PhraseParams) -> float:
    """How far a finding at the lowered bars cleared its bar, as log-odds: a spinner's-word
    finding's score is already that margin as odds; a reading's is a probability, compared with
    the readings' bar."""
    z = _logit(span.score)
    return z - _logit(params.threshold) if detail.get("evidence") == "term" else z


def _logit(p: float) -> float:
    """Log-odds of a probability, kept finite at 0 and 1 (scores are rounded to 4 digits)."""
    p = min(max(p, 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))
