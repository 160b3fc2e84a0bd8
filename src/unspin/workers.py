"""unspin's worker processes: their share of the cores, their collector, and noticing one that died.

unspin's own processes (scan pool workers, the HTTP server's workers, Ray
actors, the command line) analyse document after document; these settings are
theirs, and a program calling the library may choose them too.
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from .errors import UnspinError, WorkerError


def share_cores(workers: int, deep: bool = False) -> None:
    """In one of ``workers`` worker processes: give it its share of the machine's cores.

    Each worker's OpenBLAS (numpy's matrix products) and, in deep mode, PyTorch
    would otherwise start one thread per core, and the workers' threads would
    fight: on 2 cores, two fast-path workers scanned 12.5 documents/s, and 21.5
    with one BLAS thread each (`bench/scan.py --docs 100 --workers 1 2`). A single
    worker runs as fast with one BLAS thread as with two.
    """
    if workers <= 1:
        return
    share = max(1, (os.cpu_count() or 1) // workers)
    # Loaded first: threadpoolctl limits the libraries loaded so far, and a spawned worker (the
    # server's) has not imported numpy yet.
    import numpy  # noqa: F401
    from threadpoolctl import threadpool_limits

    threadpool_limits(share, user_api="blas")
    if deep:
        try:
            import torch
        except ImportError:  # the engine's load reports the missing extra, with what to install
            return
        torch.set_num_threads(share)


def worker_engine(deep: bool = False, model: str | None = None, deep_from: float | None = None) -> Any:
    """A worker process's engine, its collector settled once it is loaded (see :func:`settle_worker`);
    if the engine cannot load, the :class:`UnspinError` instead, for the worker to hand over with
    its first piece of work.

    Raised from a pool's initializer, the error would never reach the caller: Python's process
    pool starts new workers for ever, an executor breaks for good, and Ray reports only that
    the actor died.
    """
    from .pipeline import engine_for

    try:
        engine = engine_for(deep, model, deep_from)
    except UnspinError as err:
        return err
    settle_worker()
    return engine


def settle_worker() -> None:
    """In a worker process that exists to analyse, once its engine is loaded: make Python's full
    garbage collections rarer and smaller.

    What the worker has loaded stays for its life, so it is frozen out of every
    collection (10% more documents/s on a crawl-like mix), and full collections
    come rarer (see :func:`rarer_full_collections`).
    """
    gc.freeze()
    rarer_full_collections()


def rarer_full_collections() -> None:
    """Let a full garbage collection wait for ten times as many younger ones as Python's default.

    Analysing a document leaves many objects alive for a while, and with the
    default a full collection walked everything every dozen or so news
    paragraphs: 5-10% of the analysis time (`bench/speed.py` against
    `bench/speed.py --default-gc`). For a process of unspin's own (its workers,
    the command line); a program calling the library may call it too.
    """
    young, middle, full = gc.get_threshold()
    gc.set_threshold(young, middle, max(full, 100))  # Python's default: 10


#: How often a caller waiting for a pool's results checks that none of its workers died, in seconds.
WATCH_SECONDS = 1.0


def watched_imap(pool: Any, fn: Callable[[Any], Any], items: Iterable[Any], advice: str) -> Iterator[Any]:
    """``pool.imap(fn, items)``, stopping with :class:`WorkerError` (its message ending in
    ``advice``) if a worker of the ``multiprocessing`` pool dies.

    Python's pool starts another worker in a dead one's place, but the item the
    dead one held is lost and the caller would wait for it for ever.
    """
    import multiprocessing

    results = pool.imap(fn, items)
    watch = _Watch(pool, advice)
    while True:
        watch.note()
        try:
            yield results.next(timeout=WATCH_SECONDS)
        except multiprocessing.TimeoutError:
            watch.check()
        except StopIteration:
            return


class _Watch:
    """The workers a pool has had, to notice one that died."""

    def __init__(self, pool: Any, advice: str) -> None:
        self.pool = pool
        self.advice = advice
        self.workers: dict[int, Any] = {}
        self.note()

    def note(self) -> None:
        """Remember the pool's current workers: once one dies, the pool drops it from its list
        within a tenth of a second."""
        # The pool has no public accessor for its processes.
        for proc in self.pool._pool:
            self.workers.setdefault(proc.pid, proc)

    def check(self) -> None:
        """Raise :class:`WorkerError` if a worker noted so far died."""
        self.note()
        for pid, proc in list(self.workers.items()):
            code = proc.exitcode
            if code == 0:  # retired after its share of the work
                del self.workers[pid]
            elif code is not None:
                self._stop()
                how = f"was killed (signal {-code})" if code < 0 else f"stopped (exit status {code})"
                raise WorkerError(f"a worker process {how}, perhaps for lack of memory; {self.advice}")

    def _stop(self) -> None:
        """Kill the pool's other workers and free its queues' locks, so that the pool can shut down.

        A worker killed while it waited for a task, or while it handed in a
        result, died holding a queue's lock, and terminating the pool takes
        both locks first: it would wait for ever. Once every worker is dead, no
        live process holds either; any process may release a multiprocessing
        lock, and a free one refuses, which is fine.
        """
        for proc in self.pool._pool:
            proc.kill()
        for lock in (self.pool._inqueue._rlock, self.pool._outqueue._wlock):
            if lock is not None:  # Windows' queues have no write lock
                with contextlib.suppress(ValueError):
                    lock.release()
