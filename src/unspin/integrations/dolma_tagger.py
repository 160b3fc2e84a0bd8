"""A dolma tagger: each document's spun probability and the place of every swapped word.

    dolma tag --documents 'wiki/documents/*.json.gz' --experiment spin --taggers unspin_v1 \\
        --tagger_modules unspin.integrations.dolma_tagger --processes 2

Importing this module registers the tagger ``unspin_v1`` with dolma's
``TaggerRegistry``. Its spans are dolma's (start, end, type, score), with
character offsets into the document's text:

- ``spun``: one span over the whole text, scored with the calibrated
  probability that the text was spun;
- ``swap``: one span per swapped word or phrase, scored with the confidence
  of the swap (unspin locates swaps only in texts it judges spun);
- ``error_<code>``: one span over the whole text, score 1.0, instead of the
  two above when the text cannot be analysed (``error_empty_input``,
  ``error_not_english``, ``error_too_large``...), so a document is never
  dropped silently and dolma's run never stops on it.

The tagger analyses each text exactly as ``unspin scan`` does
(:func:`unspin.scan.analyse_record`), with one engine per dolma process.
"""

from __future__ import annotations

from typing import Any

from ..errors import MissingDependencyError
from ..records import Record
from ..scan import ScanOptions, analyse_record

try:
    from dolma.core.data_types import DocResult, Document, Span
    from dolma.core.registry import TaggerRegistry
    from dolma.core.taggers import BaseTagger
except ImportError as exc:
    raise MissingDependencyError("the dolma tagger", '"unspin[dolma]"') from exc

#: The name to give ``dolma tag --taggers``.
TAGGER_NAME = "unspin_v1"


@TaggerRegistry.add(TAGGER_NAME)
class UnspinTagger(BaseTagger):
    """Tags the spun probability of a document (``spun``) and its swapped words (``swap``)."""

    def __init__(self, threshold: float | None = None, deep: bool = False,
                 any_language: bool = False, screen: bool = False, deep_from: float | None = None) -> None:
        # dolma builds taggers without arguments, so every setting has a default.
        self.options = ScanOptions(threshold=threshold, deep=deep, any_language=any_language, screen=screen,
                                   deep_from=deep_from)
        self._engine: Any = None

    def predict(self, doc: Document) -> DocResult:
        """dolma's per-document entry point; never raises for a document's content."""
        if self._engine is None:  # loaded in the dolma process that runs the tagger, once
            from ..pipeline import engine_for

            self._engine = engine_for(self.options.deep, self.options.model, self.options.deep_from)
        text = doc.text if isinstance(doc.text, str) else None
        out = analyse_record(Record(str(doc.id), text, str(doc.source), 0), self.options, self._engine)
        whole = len(text or "")
        if out["error"]:
            return DocResult(doc=doc, spans=[Span(start=0, end=whole, type=f"error_{out['error']}",
                                                  score=1.0)])
        spans = [Span(start=0, end=whole, type="spun", score=out["score"])]
        spans += [Span(start=s["start"], end=s["end"], type="swap", score=s["score"]) for s in out["spans"]]
        return DocResult(doc=doc, spans=spans)
