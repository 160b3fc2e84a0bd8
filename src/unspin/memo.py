"""A memo with a ceiling, for look-ups that long-running processes repeat.

Servers, scan workers, Ray actors and pipeline plug-ins analyse document
after document in one process; a memo that kept every word it was asked
about would grow with the collection. This one forgets everything when it
is full: the common words come back within a document or two, and memory
stays flat however long the process runs.
"""

from __future__ import annotations

from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


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
