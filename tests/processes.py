"""Test helper: a process's pool workers, read from /proc (Linux)."""

from __future__ import annotations

from pathlib import Path


def pool_workers(pid: int, *, forked: bool) -> list[int]:
    """The child processes of ``pid`` that are multiprocessing pool workers: forked ones run its
    own command line, spawned ones multiprocessing's ``spawn_main``. Other children (a live server
    a fixture started, the resource tracker) are left out."""
    own = Path(f"/proc/{pid}/cmdline").read_bytes()
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            line = Path(f"/proc/{child}/cmdline").read_bytes()
            if (line == own) if forked else b"spawn_main" in line:
                found.append(int(child))
    return found
