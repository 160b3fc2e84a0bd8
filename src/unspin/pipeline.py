"""``analyze``: from raw text to the :class:`~unspin.result.Analysis` every interface shares."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, fields
from functools import cache
from importlib import resources

from .channel import Channel, Option, Params, document_counts
from .decoder import Decoder, Sentence
from .errors import EmptyInputError
from .lexicon import Lexicon, default_lexicon
from .lm import Scorer, default_scorer
from .result import Analysis, Span, apply_spans
from .text import Token, match_case, sentences, tokenize


@dataclass(frozen=True, slots=True)
class Calibration:
    """Logistic map from document evidence to a probability that the text is spun."""

    intercept: float = -4.0
    w_rate: float = 40.0
    w_llr: float = 0.5
    threshold: float = 0.5

    def score(self, rate: float, llr: float, n_eligible: int) -> float:
        z = self.intercept + self.w_rate * rate + self.w_llr * llr / math.sqrt(max(n_eligible, 1))
        return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))


def _load_tuned() -> tuple[Params, Calibration]:
    """Weights fitted by bench/tune.py ship as package data; defaults apply if absent."""
    path = resources.files("unspin") / "data" / "params.json"
    if not path.is_file():
        return Params(), Calibration()
    raw = json.loads(path.read_text(encoding="utf-8"))
    pnames = {f.name for f in fields(Params)}
    cnames = {f.name for f in fields(Calibration)}
    params = Params(**{k: v for k, v in raw.get("params", {}).items() if k in pnames})
    calib = Calibration(**{k: v for k, v in raw.get("calibration", {}).items() if k in cnames})
    return params, calib


class Engine:
    """Holds the loaded lexicon, language model and tuned weights; reuse one per process."""

    def __init__(self, lexicon: Lexicon | None = None, scorer: Scorer | None = None,
                 params: Params | None = None, calibration: Calibration | None = None) -> None:
        tuned_params, tuned_calib = _load_tuned()
        self.params = params or tuned_params
        self.calibration = calibration or tuned_calib
        self.lexicon = lexicon or default_lexicon()
        self.scorer = scorer or default_scorer()
        self.channel = Channel(self.lexicon, self.params, self.scorer)
        self.decoder = Decoder(self.channel, self.scorer, self.params)

    def analyze(self, text: str, *, threshold: float | None = None) -> Analysis:
        """Detect swapped words in ``text``, suggest originals and score the document."""
        if not text.strip():
            raise EmptyInputError("the text is empty: give unspin some English prose to analyse")
        tokens = tokenize(text)
        counts = document_counts(tokens)
        sents = [Sentence(lo, hi, self.channel.positions(tokens, lo, hi, counts))
                 for lo, hi in sentences(tokens)]
        rate, llr, n_eligible = self.decoder.estimate_rate(tokens, sents)
        score = self.calibration.score(rate, llr, n_eligible)
        limit = self.calibration.threshold if threshold is None else threshold
        spans: list[Span] = []
        # Only a text judged spun is restored: precision first, and one decision, not two.
        # A threshold of 0 restores whatever the decoder is confident about.
        if score >= limit:
            for s in sents:
                if not s.positions:
                    continue
                for choice in self.decoder.decode(tokens, s, rate):
                    if choice.confidence >= self.params.min_confidence:
                        spans.append(_span(text, tokens, choice.option, choice.confidence))
        return Analysis(
            text=text,
            score=score,
            threshold=limit,
            spans=spans,
            restored_text=apply_spans(text, spans),
            lexicon_version=self.lexicon.version,
            model=self.scorer.name,
            n_words=sum(1 for t in tokens if t.kind == "word"),
        )


def _span(text: str, tokens: list[Token], opt: Option, confidence: float) -> Span:
    first = tokens[opt.i]
    start, end = first.start, tokens[opt.j - 1].end
    if opt.words:
        original = match_case(first.text, " ".join(opt.words))
    else:
        # A deleted filler takes the space after it along, so no double space is left.
        original = ""
        if opt.j < len(tokens) and text[end : tokens[opt.j].start].isspace():
            end = tokens[opt.j].start
    return Span(start, end, text[start:end], original, round(confidence, 4), opt.label)


@cache
def default_engine() -> Engine:
    """The process-wide engine, built on first use."""
    return Engine()


def analyze(text: str, *, threshold: float | None = None) -> Analysis:
    """Analyse one document with the default engine; see :meth:`Engine.analyze`."""
    return default_engine().analyze(text, threshold=threshold)


def restore(text: str) -> str:
    """The most likely original wording of ``text``."""
    return analyze(text).restored_text
