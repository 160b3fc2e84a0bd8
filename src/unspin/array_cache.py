"""Folders of numpy arrays in the user cache: written once, atomically, memory-mapped after.

Compiled data that is cheap to read and slow to make (the n-gram model's
tables, the channel's and the screen's word tables) lives here, one folder
per version and input fingerprint.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np


def save_arrays(folder: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write ``arrays`` as ``folder/<name>.npy``, all or nothing.

    The files go to a temporary folder beside it that is then renamed: a
    reader sees a whole folder or none, and when two processes build at
    once, the first rename wins and the other's copy is dropped.
    """
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}-"))
    for name, array in arrays.items():
        np.save(tmp / f"{name}.npy", array)
    try:
        tmp.rename(folder)
    except OSError:
        for f in tmp.iterdir():
            f.unlink()
        tmp.rmdir()


def load_arrays(folder: Path, names: tuple[str, ...]) -> dict[str, np.ndarray] | None:
    """The named arrays of a folder :func:`save_arrays` wrote, memory-mapped; None if any is missing
    or cannot be read (a file cut short or overwritten since: the caller builds the entry again)."""
    if not all((folder / f"{name}.npy").exists() for name in names):
        return None
    try:
        # Plain ndarray views of the maps: indexing a np.memmap makes a memmap object each time.
        return {name: np.load(folder / f"{name}.npy", mmap_mode="r").view(np.ndarray) for name in names}
    except (OSError, ValueError, EOFError):
        return None


def versioned_folder(cache: Path, kind: str, version: int, inputs: list[object]) -> Path:
    """``cache/<kind>-v<version>-<digest>``: the digest fingerprints everything the arrays depend on."""
    digest = hashlib.sha1(json.dumps([version, *inputs], default=str).encode()).hexdigest()[:12]
    return cache / f"{kind}-v{version}-{digest}"


def file_stamp(path: Path) -> list[object]:
    """A file's name, size and modification time, to put in a fingerprint: a rebuilt file changes it."""
    stat = os.stat(path)
    return [path.name, stat.st_size, stat.st_mtime_ns]


def load_or_build(folder: Path, names: tuple[str, ...],
                  build: Callable[[], dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """The arrays in ``folder``, made by ``build`` and saved there first if they are not.

    ``folder`` is named ``<kind>-v<version>-...``; after a build, folders of the
    same kind and an older version are deleted, and of this version only the
    :data:`KEEP_RECENT` most recently used stay (see :func:`keep_recent`).
    """
    arrays = load_arrays(folder, names)
    if arrays is not None:
        touch(folder)
        return arrays
    if folder.is_dir():
        # An entry missing some of the arrays or holding a damaged one (written by a build of
        # another layout under the same version, or cut short) would block the new one's
        # rename: replace it.
        _delete(folder)
    built = build()
    try:
        save_arrays(folder, built)
    except OSError:
        return built  # a cache that cannot be written (read-only, full) costs time, not the answer
    kind = folder.name.partition("-v")[0]
    drop_older(folder, kind)
    keep_recent(folder, f"{kind}-v{_version(folder.name, kind)}-*")
    # None if a damaged entry could not be replaced (its files still in use elsewhere).
    return load_arrays(folder, names) or built


#: Cache entries of one kind and version kept, most recently used first. Each is made from
#: inputs that can change without a new format (a rebuilt lexicon, another install of a model
#: wheel), and each is tens to hundreds of MB: without a bound they piled up, 13 copies of the
#: deep model (3.5 GB) and 11 channel tables on one development machine. A few stay so that two
#: installs sharing the cache do not rebuild each other's entries at every run.
KEEP_RECENT = 3


def touch(entry: Path) -> None:
    """Mark a cache entry as used now, for :func:`keep_recent`."""
    # A read-only cache still serves; its entries only age.
    with contextlib.suppress(OSError):
        os.utime(entry)


def keep_recent(entry: Path, pattern: str, keep: int = KEEP_RECENT) -> None:
    """Delete the cache entries beside ``entry`` that match the glob ``pattern``, all but the
    ``keep`` most recently used (``entry`` always stays)."""
    others = [p for p in entry.parent.glob(pattern) if p != entry and not p.name.startswith(".")]
    for stale in sorted(others, key=_used, reverse=True)[max(keep - 1, 0):]:
        _delete(stale)


def _used(entry: Path) -> float:
    try:
        return entry.stat().st_mtime
    except OSError:
        return 0.0


def _version(name: str, kind: str) -> int | None:
    """The format version in a cache entry named ``<kind>-v<version>-...``; None for anything else."""
    found = re.match(rf"{re.escape(kind)}-v(\d+)-", name)
    return int(found.group(1)) if found else None


def drop_older(keep: Path, kind: str, same_version: bool = False) -> None:
    """Delete the cache entries (files or folders) of ``kind`` beside ``keep`` that an older format
    wrote, and with ``same_version`` also those of keep's format made from other inputs.

    Newer formats are left alone: they belong to a newer unspin sharing the
    cache directory, which would otherwise rebuild them after every run of
    this one (and this one its own after every run of that).
    """
    version = _version(keep.name, kind)
    if version is None:
        return
    # Same suffix only: a database's journal beside it ("...sqlite-journal") is no cache entry.
    for other in keep.parent.glob(f"{kind}-v*{keep.suffix}"):
        v = _version(other.name, kind)
        if other == keep or v is None or v > version or (v == version and not same_version):
            continue
        _delete(other)


def _delete(entry: Path) -> None:
    """Remove a cache file or folder of files; one another process removed first is no error."""
    try:
        if entry.is_dir():
            for f in entry.iterdir():
                f.unlink(missing_ok=True)
            entry.rmdir()
        else:
            entry.unlink(missing_ok=True)
    except OSError:
        pass  # in use or already gone: it is tried again after the next build


def cached_folders(cache: Path, files: str | None = None) -> dict[str, int]:
    """Each array folder in ``cache`` (finished ones only) and its size in bytes, and each file
    matching the glob ``files`` if given (entries kept as one file, such as a model's ``*.npz``)."""
    if not cache.is_dir():
        return {}
    out = {}
    for entry in sorted(cache.iterdir()):
        if entry.name.startswith("."):
            continue  # a build in progress
        if entry.is_dir() and any(entry.glob("*.npy")):
            out[entry.name] = sum(f.stat().st_size for f in entry.glob("*.npy"))
        elif files is not None and entry.is_file() and entry.match(files):
            out[entry.name] = entry.stat().st_size
    return out
