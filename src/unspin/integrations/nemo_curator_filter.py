"""A NeMo Curator document filter: the spun score, and keep what is judged unspun.

    from unspin.integrations.nemo_curator_filter import UnspinDocumentFilter
    ScoreFilter(UnspinDocumentFilter(), text_field="text", score_field="unspin_score")

NeMo Curator's ``DocumentFilter`` contract is two methods: ``score_document``
(text -> score) and ``keep_document`` (score -> bool). The class subclasses
NeMo Curator's own base where it is installed (1.x and 0.x module paths);
NeMo Curator needs a GPU stack that unspin's CI does not install, so without
it the class stands alone on the same two methods and is tested that way.
"""

from __future__ import annotations

from typing import Any

from ..errors import UnspinError

try:  # NeMo Curator 1.x
    from nemo_curator.stages.text.filters.doc_filter import DocumentFilter as _Base
except ImportError:
    try:  # NeMo Curator 0.x
        from nemo_curator.filters import DocumentFilter as _Base
    except ImportError:
        _Base = object  # type: ignore[assignment,misc]

#: The score of a document that could not be analysed (empty, binary, not English): kept, never judged spun.
UNSCORED = -1.0


class UnspinDocumentFilter(_Base):  # type: ignore[misc,valid-type]
    """Scores documents with unspin's calibrated spun probability; keeps those below the threshold.

    ``deep`` reads every document in deep mode, ``deep_from`` only those the fast analysis scores at
    least that, and short ones (the cascade, :class:`unspin.cascade.Cascade`).
    """

    def __init__(self, threshold: float | None = None, deep: bool = False, screen: bool = False,
                 deep_from: float | None = None) -> None:
        super().__init__()
        self.threshold = threshold
        self.deep = deep
        self.deep_from = deep_from
        self.screen = screen
        self._engine: Any = None
        self._name = "unspin"

    def _loaded(self) -> Any:
        """The engine, loaded in the process that first needs it."""
        if self._engine is None:
            from ..pipeline import engine_for

            self._engine = engine_for(self.deep, None, self.deep_from)
        return self._engine

    def score_document(self, text: str) -> float:
        """The probability that ``text`` was spun, or ``UNSCORED`` if it cannot be analysed."""
        try:
            return self._loaded().analyze(text, threshold=self.threshold, screen=self.screen).score
        except UnspinError:
            return UNSCORED

    def keep_document(self, score: float) -> bool:
        """Keep documents under the spun threshold (and those that could not be scored)."""
        # The contract gives only the score: the threshold is that of the mode that gave it.
        limit = self._loaded().threshold_at(score) if self.threshold is None else self.threshold
        return score < limit
