"""Memos with a ceiling, for look-ups that long-running processes repeat.

Servers, scan workers, Ray actors and pipeline plug-ins analyse document
after document in one process; a memo that kept every word it was asked
about would grow with the collection. These forget everything when full:
the common words come back within a document or two, and memory stays flat
however long the process runs.

They are also shaped for Python's garbage collector, which walks every
container it tracks at each full collection (dozens over a few hundred
documents). Plain dicts of strings, numbers and tuples of those it stops
tracking; sets, lists, class instances and ``functools.lru_cache`` it does
not. Measured on a 150-document run, those walks had taken a quarter of the
analysis time.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

K = TypeVar("K")
V = TypeVar("V")


def word_set(words: Iterable[str]) -> dict[str, None]:
    """A set of strings for a process to keep: a dict with no values, tested with ``in``.

    Python's collector walks every element of every set at each full
    collection, and a scan makes many; a dict of strings alone it stops
    tracking. Word lists of tens of thousands would otherwise cost seconds
    over a few hundred documents.
    """
    return dict.fromkeys(words)


def word_memo(max_size: int) -> Callable[[Callable[..., V]], Callable[..., V]]:
    """Memoise a function of strings, forgetting everything when ``max_size`` results are held.

    For the text layer's word functions, called millions of times over a
    scan. ``functools.lru_cache`` keeps a linked node per entry, which the
    collector walks at every full collection; this keeps arguments and
    results (strings and tuples of strings) in a plain dict, which it stops
    tracking.
    """

    def wrap(fn: Callable[..., V]) -> Callable[..., V]:
        memo: dict[Any, V] = {}

        @functools.wraps(fn)
        def cached(*args: Any) -> V:
            key = args[0] if len(args) == 1 else args
            try:
                return memo[key]
            except KeyError:
                if len(memo) >= max_size:
                    memo.clear()
                value = memo[key] = fn(*args)
                return value

        return cached

    return wrap


class BoundedMemo(dict[K, V]):
    """A dict that empties itself before it would hold more than ``max_size`` entries."""

    def __init__(self, max_size: int) -> None:
        super().__init__()
        self.max_size = max_size

    def remember(self, key: K, value: V) -> V:
        """Store ``value`` under ``key`` (clearing the memo first if it is full) and return it."""
        if len(self) >= self.max_size:
            self.clear()
        self[key] = value
        return value
