"""Screening a scientific paper for tortured phrases: the paper-level report.

:func:`screen_paper` finds the phrases of the known list (and, unless
turned off, those the phrase model finds on no list), and sums them up as
a count, a density per 1,000 words and a risk level with its reasons. The
findings are the core :class:`~unspin.result.Span` type (``original`` is the
expected phrase, ``label`` says where it came from), so the report flows
through the same JSON, HTML and HTTP code as every other analysis. A risk
level is a signal for a person to check, never proof of misconduct.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from . import __version__
from .documents import Document, page_at
from .inflect import inflect, lemmatize
from .phrase_match import Words, stem
from .result import Span
from .text import match_case
from .tortured_list import KnownList, load_list

if TYPE_CHECKING:
    from .neural import NeuralScorer

LABEL_KNOWN = "tortured_known"
LABEL_MODEL = "tortured_model"

# Levels follow the screener's practice of looking at papers with several distinct phrases:
# one phrase can be a slip or an odd choice of words, a handful rarely is.
HIGH_DISTINCT = 3
HIGH_DENSITY = 1.0


@dataclass
class PaperReport:
    """A paper's findings and the risk level they add up to."""

    name: str
    kind: str
    text: str
    n_words: int
    pages: tuple[int, ...]
    spans: list[Span] = field(default_factory=list)
    list_name: str = ""
    list_sha256: str = ""
    list_entries: int = 0
    #: (name, sha256, entries) of each list merged into the one used.
    list_parts: tuple[tuple[str, str, int], ...] = ()
    #: Whether the neural model judged the phrase model's findings (``unspin paper --deep``).
    deep: bool = False
    #: The neural model that judged them, by name (None without ``deep``).
    model_name: str | None = None
    details: list[dict[str, Any]] = field(default_factory=list)

    @property
    def distinct(self) -> int:
        """Distinct tortured phrases (by their expected term and wording)."""
        return len({(s.text.lower(), s.original) for s in self.spans})

    @property
    def per_1000_words(self) -> float:
        return 1000.0 * len(self.spans) / max(1, self.n_words)

    def risk(self) -> tuple[str, list[str]]:
        """``high``, ``medium`` or ``low``, and the reasons for it in words."""
        known = {s.text.lower() for s in self.spans if s.label == LABEL_KNOWN}
        model = {s.text.lower() for s in self.spans if s.label == LABEL_MODEL}
        reasons = []
        if known:
            reasons.append(f"{len(known)} distinct phrase(s) on the known list of tortured phrases")
        if model:
            reasons.append(f"{len(model)} distinct phrase(s) that read as a known term with its words "
                           "swapped for synonyms, or that use words spinners favour (found by the model, "
                           "on no list)")
        if self.spans:
            reasons.append(f"{self.per_1000_words:.2f} findings per 1,000 words")
        n = len(known | model)
        if len(known) >= HIGH_DISTINCT or (n >= HIGH_DISTINCT and self.per_1000_words >= HIGH_DENSITY):
            return "high", reasons
        if known or len(model) >= 2:
            return "medium", reasons
        return "low", reasons or ["no tortured phrases found"]

    def page_of(self, offset: int) -> int:
        """The 1-based page of a character offset (always 1 for text and HTML)."""
        return page_at(self.pages, offset)

    def to_dict(self, *, with_text: bool = False) -> dict[str, Any]:
        """The report as JSON-ready data; each finding carries its page and list entry."""
        level, reasons = self.risk()
        findings = [{**s.to_dict(), "page": self.page_of(s.start), **d}
                    for s, d in zip(self.spans, self.details, strict=True)]
        out: dict[str, Any] = {
            "name": self.name, "kind": self.kind, "pages": len(self.pages), "n_words": self.n_words,
            "risk": level, "reasons": reasons, "findings": len(self.spans), "distinct": self.distinct,
            "per_1000_words": round(self.per_1000_words, 3), "spans": findings,
            "list": {"name": self.list_name, "sha256": self.list_sha256, "entries": self.list_entries,
                     "parts": [{"name": n, "sha256": h, "entries": k} for n, h, k in self.list_parts]},
            "deep": self.deep, "model": self.model_name, "unspin_version": __version__,
            "note": "A signal for a person to check, not proof: read each phrase in its context.",
        }
        if with_text:
            out["text"] = self.text
        return out


def agree(found: str, expected: str) -> str:
    """The expected phrase in the number of the phrase found ("neural organizations" -> "networks",
    "profound learning model" -> "deep learning model" where the model's term is plural)."""
    last = found.split()[-1].lower() if found.split() else ""
    written = expected.split()[-1] if expected.split() else ""
    tail = written.lower()
    if last.endswith("s") and stem(last) != last:
        return inflect(expected, "plural") if stem(tail) == tail and tail.isalpha() else expected
    forms = lemmatize(tail) if last.isalpha() else []
    # Only a word that is nothing but a plural: "data" and "series" are also words of their own.
    singular = [lemma for lemma, form in forms if form == "plural"]
    if singular and not any(form == "base" for _, form in forms):
        return expected[: len(expected) - len(written)] + match_case(written, singular[0])
    return expected


def screen_paper(doc: Document, *, known: KnownList | None = None, model: bool = True,
                 deep: bool | NeuralScorer | None = False) -> PaperReport:
    """Screen one extracted document against the known list and, with ``model``, the phrase model;
    ``deep`` (True, or the :class:`~unspin.neural.NeuralScorer` to use) lets the neural model
    judge what the phrase model half suspects (:mod:`unspin.tortured_deep`), which finds more."""
    known = known or load_list()
    words = Words.of(doc.text)
    report = PaperReport(doc.name, doc.kind, doc.text, len(words), doc.pages, list_name=known.name,
                         list_sha256=known.sha256, list_entries=len(known), list_parts=known.parts)
    taken: list[tuple[int, int]] = []
    # Longest, then most widely seen, first: "convolutional neural organization" wins over
    # the "neural organization" inside it, and of two entries for one phrase the commoner.
    hits = sorted(known.find(words), key=lambda h: (h.first - h.last, -h.entry.papers, h.first))
    chosen = []
    for h in hits:
        start, end = words.starts[h.first], words.ends[h.last - 1]
        if _overlaps(start, end, taken):
            continue
        taken.append((start, end))
        chosen.append((start, end, h))
    for start, end, h in sorted(chosen, key=lambda c: c[0]):
        found = doc.text[start:end]
        report.spans.append(Span(start, end, found, agree(found, h.entry.expected_term), 1.0, LABEL_KNOWN))
        report.details.append({"source": "list", "list_query": h.entry.query, "list_papers": h.entry.papers,
                               "expected_as_listed": h.entry.expected})
    if model:
        from .tortured_model import default_phrase_model

        if deep:
            from .neural import default_neural_scorer
            from .tortured_deep import find_deep

            scorer = default_neural_scorer() if deep is True else deep
            found = find_deep(default_phrase_model(), doc.text, scorer, words)
            report.deep = True
            report.model_name = scorer.name
        else:
            found = list(default_phrase_model().find(doc.text, words))
        for span, detail in found:
            if not _overlaps(span.start, span.end, taken):
                if span.original:
                    span = replace(span, original=agree(span.text, span.original))
                report.spans.append(span)
                report.details.append(detail)
        order = sorted(range(len(report.spans)), key=lambda i: report.spans[i].start)
        report.spans = [report.spans[i] for i in order]
        report.details = [report.details[i] for i in order]
    return report


def _overlaps(start: int, end: int, taken: list[tuple[int, int]]) -> bool:
    """Whether the half-open range [start, end) shares a character with any range taken."""
    return any(start < e and s < end for s, e in taken)
