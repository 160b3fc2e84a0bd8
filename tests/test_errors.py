"""The error catalogue: every error keeps its class, code and message across processes."""

from __future__ import annotations

import pickle

import unspin.errors as errors
from unspin.errors import MissingDependencyError, UnspinError


def _all_error_classes() -> list[type[UnspinError]]:
    found, todo = [], [UnspinError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def test_every_error_survives_pickling():
    # Worker processes raise them to the caller; one with its own constructor once could not cross.
    classes = _all_error_classes()
    assert MissingDependencyError in classes and len(classes) > 5
    for cls in classes:
        err = (MissingDependencyError("the Ray engine", '"unspin[ray]"') if cls is MissingDependencyError
               else cls("what went wrong, and what to do"))
        back = pickle.loads(pickle.dumps(err))
        assert type(back) is cls
        assert (back.code, back.exit_code, back.message, str(back)) == (err.code, err.exit_code, err.message,
                                                                         str(err))
    assert errors.MissingDependencyError("x", "y").message.endswith("`pip install y`")
