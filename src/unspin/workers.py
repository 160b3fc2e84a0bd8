"""What a process that exists to analyse does first: take its share of the cores, settle its collector.

unspin's own processes (scan pool workers, the HTTP server's workers, Ray
actors, the command line) analyse document after document; these settings are
theirs, and a program calling the library may choose them too.
"""

from __future__ import annotations

import gc
import os


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
        import torch

        torch.set_num_threads(share)


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
