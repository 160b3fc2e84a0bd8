"""Fixtures shared by test modules."""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest


@pytest.fixture(scope="module")
def live_server() -> Iterator[Callable[..., str]]:
    """Start ``unspin serve OPTIONS...`` in a subprocess on a free 127.0.0.1 port; returns its base URL.

    The real command, so tests see what a user gets: uvicorn, the worker pool, the page.
    Every server started is stopped when the module's tests are done.
    """
    def stop(server: subprocess.Popen[bytes]) -> None:
        server.terminate()
        server.wait(timeout=30)

    with ExitStack() as stack:

        def start(*options: str, timeout: float = 60.0) -> str:
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
            cmd = [sys.executable, "-c", "from unspin.cli import main; main()", "serve", "--port", str(port),
                   *options]
            # The server logs nothing about requests; its stderr is kept only to explain a failed start.
            log = stack.enter_context(tempfile.TemporaryFile())
            server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=log)
            stack.callback(stop, server)
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if server.poll() is not None:
                    log.seek(0)
                    pytest.fail(f"unspin serve exited with {server.returncode}: "
                                f"{log.read().decode(errors='replace')}")
                try:
                    with urllib.request.urlopen(f"{base}/v1/health", timeout=5) as r:
                        if r.status == 200:
                            return base
                except (urllib.error.URLError, ConnectionError):
                    time.sleep(0.1)
            pytest.fail(f"unspin serve did not answer on {base} within {timeout:g} s")

        yield start


#: Why a test that needs the deep extra is skipped.
DEEP = "the deep extra is not installed: pip install '.[deep]'"


@pytest.fixture(scope="module")
def tiny_scorer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """A :class:`unspin.neural.NeuralScorer` over a tiny random model (see ``tiny_model.py``),
    with its own cache folder."""
    pytest.importorskip("torch", reason=DEEP)
    pytest.importorskip("gguf", reason=DEEP)
    from tiny_model import write_gguf
    from unspin.neural import NeuralScorer

    d = tmp_path_factory.mktemp("tiny")
    mp = pytest.MonkeyPatch()
    mp.setenv("UNSPIN_CACHE_DIR", str(d / "cache"))
    try:
        yield NeuralScorer(write_gguf(d / "tiny.gguf"))
    finally:
        mp.undo()
