"""One catalogue of the errors unspin raises.

Every error derives from :class:`UnspinError`, carries a machine-readable
``code`` and a message that tells the user what to do next. The CLI turns
these into a one-line message and a non-zero exit status; nothing else
should ever reach a user as a traceback.
"""

from __future__ import annotations


class UnspinError(Exception):
    """Base class of every error unspin raises on purpose."""

    code = "error"
    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __reduce__(self) -> tuple:
        # Pickled as its class and message, whatever its constructor takes: errors cross from
        # worker processes to the caller.
        return _rebuilt, (type(self), self.message)


def _rebuilt(cls: type[UnspinError], message: str) -> UnspinError:
    err = cls.__new__(cls)
    UnspinError.__init__(err, message)
    return err


def error_named(name: str, message: str) -> UnspinError:
    """The catalogue's error class ``name`` (:class:`UnspinError` if it has none) with ``message``:
    an error that crossed from another process as data."""
    cls = globals().get(name)
    if not (isinstance(cls, type) and issubclass(cls, UnspinError)):
        cls = UnspinError
    return _rebuilt(cls, message)


class InputError(UnspinError):
    """The input text cannot be analysed as it is (empty, binary, too large...)."""

    code = "bad_input"
    exit_code = 2


class EmptyInputError(InputError):
    code = "empty_input"


class BinaryInputError(InputError):
    code = "binary_input"


class EncodingInputError(InputError):
    code = "bad_encoding"


class TooLargeInputError(InputError):
    code = "too_large"


class NotEnglishError(InputError):
    code = "not_english"


class NoTextLayerError(InputError):
    """A PDF whose pages are images: there is no text to analyse without OCR."""

    code = "no_text_layer"


class DataError(UnspinError):
    """Bundled or user-supplied language data is missing or malformed."""

    code = "bad_data"
    exit_code = 3


class CacheError(DataError):
    """The cache directory, where compiled data lives, cannot be written."""

    code = "cache_unwritable"


class WorkerError(UnspinError):
    """A worker process died in the middle of a batch job (killed, perhaps for lack of memory)."""

    code = "worker_died"
    exit_code = 4


class MissingDependencyError(UnspinError):
    """An optional dependency needed for a feature is not installed."""

    code = "missing_dependency"
    exit_code = 3

    def __init__(self, feature: str, pip_spec: str) -> None:
        super().__init__(f"{feature} needs an optional dependency: run `pip install {pip_spec}`")
        self.pip_spec = pip_spec
