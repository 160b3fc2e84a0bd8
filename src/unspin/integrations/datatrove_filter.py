"""A datatrove filter step: drop (or only annotate) spun documents.

    from unspin.integrations.datatrove_filter import UnspinFilter
    pipeline = [JsonlReader(...), UnspinFilter(annotate_only=True), JsonlWriter(...)]

Each document's metadata gains ``unspin_score``, ``unspin_is_spun``, ``unspin_in_doubt``,
``unspin_stage`` and ``unspin_spans`` (the spans of :class:`unspin.result.Analysis`, as dicts), or
``unspin_error`` with a reason code when the text cannot be analysed (such a
document is kept: the filter never drops what it could not judge).
"""

from __future__ import annotations

from typing import Any

from ..errors import MissingDependencyError, UnspinError

try:
    from datatrove.pipeline.filters.base_filter import BaseFilter
except ImportError as exc:  # pragma: no cover - exercised only without datatrove
    raise MissingDependencyError("the datatrove filter", '"unspin[datatrove]"') from exc


class UnspinFilter(BaseFilter):
    """Keeps documents unspin judges unspun; with ``annotate_only``, keeps all and only annotates.

    ``screen`` puts the fast screen in front (see :meth:`unspin.pipeline.Engine.analyze`);
    ``deep`` reads every document in deep mode, ``deep_from`` only those the fast analysis scores
    at least that, and short ones (the cascade, :class:`unspin.cascade.Cascade`).
    """

    name = "unspin"

    def __init__(self, threshold: float | None = None, deep: bool = False, annotate_only: bool = False,
                 exclusion_writer: Any = None, screen: bool = False, deep_from: float | None = None) -> None:
        super().__init__(exclusion_writer)
        self.threshold = threshold
        self.deep = deep
        self.deep_from = deep_from
        self.screen = screen
        self.annotate_only = annotate_only
        self._engine: Any = None

    def filter(self, doc: Any) -> bool | tuple[bool, str]:
        if self._engine is None:  # loaded in the worker that runs the step, once
            from ..pipeline import engine_for

            self._engine = engine_for(self.deep, None, self.deep_from)
        try:
            a = self._engine.analyze(doc.text, threshold=self.threshold, screen=self.screen)
        except UnspinError as err:
            doc.metadata["unspin_error"] = err.code
            return True
        doc.metadata.update(unspin_score=a.score, unspin_is_spun=a.is_spun, unspin_in_doubt=a.in_doubt,
                            unspin_stage=a.stage,
                            unspin_spans=[s.to_dict() for s in a.spans])
        if a.is_spun and not self.annotate_only:
            return False, "spun"
        return True
