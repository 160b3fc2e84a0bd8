"""Folders of numpy arrays in the user cache: written once, atomically, memory-mapped after.

Compiled data that is cheap to read and slow to make (the n-gram model's
tables, the screen's candidate table) lives here, one folder per version
and input fingerprint.
"""

from __future__ import annotations

import tempfile
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


def drop_other_versions(cache: Path, kind: str, version: int) -> None:
    """Delete folders ``<kind>-v<N>-*`` in ``cache`` for every N but ``version``: dead weight once
    the code reads a newer format (tens of MB each)."""
    for folder in cache.glob(f"{kind}-v*-*"):
        if folder.is_dir() and not folder.name.startswith(f"{kind}-v{version}-"):
            for f in folder.iterdir():
                f.unlink()
            folder.rmdir()


def load_arrays(folder: Path, names: tuple[str, ...]) -> dict[str, np.ndarray] | None:
    """The named arrays of a folder :func:`save_arrays` wrote, memory-mapped; None if it is missing."""
    if not all((folder / f"{name}.npy").exists() for name in names):
        return None
    # Plain ndarray views of the maps: indexing a np.memmap makes a memmap object each time.
    return {name: np.load(folder / f"{name}.npy", mmap_mode="r").view(np.ndarray) for name in names}


def cached_folders(cache: Path) -> dict[str, int]:
    """Each array folder in ``cache`` (finished ones only) and its size in bytes."""
    if not cache.is_dir():
        return {}
    return {folder.name: sum(f.stat().st_size for f in folder.glob("*.npy"))
            for folder in sorted(cache.iterdir())
            if folder.is_dir() and not folder.name.startswith(".") and any(folder.glob("*.npy"))}
