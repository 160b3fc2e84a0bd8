"""What unspin's own analysing processes set up: their share of BLAS threads, their collector."""

from __future__ import annotations

import gc
import json
import multiprocessing
import os
import subprocess
import sys
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

import unspin.workers as workers
from unspin.cli import main
from unspin.errors import WorkerError
from unspin.workers import rarer_full_collections, settle_worker

BLAS_THREADS = """
import json, sys
from threadpoolctl import threadpool_info
if sys.argv[1] != "none":
    from unspin.workers import share_cores
    share_cores(int(sys.argv[1]))  # before anything has imported numpy, as in a spawned worker
import numpy
print(json.dumps([i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]))
"""


def _blas_threads(workers: str) -> list[int]:
    out = subprocess.run([sys.executable, "-c", BLAS_THREADS, workers], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout)


@pytest.mark.parametrize("workers", [1, 2, 64])
def test_a_pool_worker_takes_its_share_of_blas_threads(workers):
    untouched = _blas_threads("none")
    assert untouched, "numpy has no BLAS library that threadpoolctl can see"
    # One worker is the caller's own process: its threads stay as they were.
    want = untouched if workers == 1 else [max(1, (os.cpu_count() or 1) // workers)] * len(untouched)
    assert _blas_threads(str(workers)) == want


@pytest.fixture
def collector():
    """The collector's settings, put back after the test."""
    thresholds = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def test_full_collections_wait_for_more_younger_ones(collector):
    rarer_full_collections()
    assert gc.get_threshold() == (700, 10, 100)
    gc.set_threshold(700, 10, 500)  # never lowered
    rarer_full_collections()
    assert gc.get_threshold() == (700, 10, 500)


def test_a_settled_worker_freezes_what_it_loaded(collector):
    gc.unfreeze()
    settle_worker()
    assert gc.get_freeze_count() > 0 and gc.get_threshold()[2] == 100


def test_the_command_line_settles_its_collector(collector):
    result = CliRunner().invoke(main, ["spin", "--help"])
    assert result.exit_code == 0
    assert gc.get_threshold()[2] == 100


def test_the_watch_names_a_dead_worker_stops_the_others_and_frees_the_queue_locks():
    # A worker killed while waiting for a task, or while handing in a result, dies holding a queue's
    # lock, and the pool's shutdown would wait for that lock for ever.
    ctx = multiprocessing.get_context("fork")
    held, free = ctx.Lock(), ctx.Lock()
    held.acquire()
    killed_by_us = []

    def worker(pid: int, code: int | None) -> SimpleNamespace:
        return SimpleNamespace(pid=pid, exitcode=code, kill=lambda: killed_by_us.append(pid))

    alive, retired, killed = worker(1, None), worker(2, 0), worker(3, None)
    pool = SimpleNamespace(_pool=[alive, retired, killed], _inqueue=SimpleNamespace(_rlock=held),
                           _outqueue=SimpleNamespace(_wlock=free))
    watch = workers._Watch(pool, "run it again")
    watch.check()  # all well: a worker that retired with status 0 is forgotten
    assert set(watch.workers) == {1, 3} and not killed_by_us
    killed.exitcode = -9
    pool._pool = [alive]  # the pool drops a dead worker from its list
    with pytest.raises(WorkerError, match=r"killed \(signal 9\).*run it again"):
        watch.check()
    assert killed_by_us == [1]
    assert held.acquire(block=False) and free.acquire(block=False)  # one released, one left free
