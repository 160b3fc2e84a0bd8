"""unspin: find the words an article spinner swapped, restore the original wording.

>>> import unspin
>>> a = unspin.analyze(text)            # doctest: +SKIP
>>> a.score, a.is_spun, a.spans, a.restored_text  # doctest: +SKIP

Heavy data (lexicon, language model) loads lazily on first use.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "analyze": "unspin.pipeline",
    "restore": "unspin.pipeline",
    "Engine": "unspin.pipeline",
    "Cascade": "unspin.cascade",
    "Index": "unspin.index",
    "spin": "unspin.spinner",
    "load_document": "unspin.documents",
    "screen_paper": "unspin.paper",
    "Analysis": "unspin.result",
    "Span": "unspin.result",
    "UnspinError": "unspin.errors",
}

__all__ = [*_EXPORTS, "__version__"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'unspin' has no attribute {name!r}")
    return getattr(import_module(module), name)
