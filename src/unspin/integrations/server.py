"""The HTTP API: analyse, restore and trace as versioned JSON endpoints (FastAPI).

    unspin serve --port 8000            # http://127.0.0.1:8000/ the page, /docs the API reference

The analysis is CPU-bound Python, so requests are served by a pool of worker
processes, each loading the engine once; a slow request does not block the
others. Request bodies over ``max_bytes`` get 413, analyses over
``time_limit`` seconds get 504 (the worker finishes in the background), a
request whose worker died (killed, perhaps for lack of memory) gets 503 while
a new pool replaces the old, and unusable text gets 400 with the reason code of
:mod:`unspin.errors`. Texts
and uploaded files are never written to disk or logged. ``/`` serves the web
page (:mod:`unspin.integrations.web`).
"""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import asynccontextmanager
from typing import Any

from .. import __version__
from ..errors import MissingDependencyError, UnspinError, WorkerError
from ..result import Analysis, Span

try:
    from fastapi import FastAPI, Request
    from fastapi.responses import HTMLResponse, JSONResponse
    from pydantic import BaseModel, Field

    from .web import UploadError, add_page, read_upload
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise MissingDependencyError("the HTTP server", '"unspin[serve]"') from exc

DEFAULT_MAX_BYTES = 2_000_000
DEFAULT_TIME_LIMIT = 60.0


class AnalyzeRequest(BaseModel):
    text: str = Field(description="The document, as plain text.")
    threshold: float | None = Field(None, ge=0.0, le=1.0, description="Score at which a text counts as spun.")
    any_language: bool = Field(False, description="Analyse text that does not look like English.")
    screen: bool = Field(False, description="Score with the fast screen first; a text it finds clearly "
                         "unspun comes back with stage \"screen\" and no spans.")
    min_score: float | None = Field(None, ge=0.0, le=1.0, description="Report and restore only the swaps "
                                    "scored at least this likely to be swaps.")


class ReportRequest(AnalyzeRequest):
    title: str = Field("unspin report", max_length=200, description="The report's heading.")


class TraceRequest(BaseModel):
    text: str
    top: int = Field(5, ge=1, le=50)


class AnalysisOut(BaseModel):
    score: float
    is_spun: bool
    in_doubt: bool = Field(description="Scored at least 0.5 but under the threshold: it may be lightly spun.")
    threshold: float
    n_words: int
    # The core Span dataclass itself, so the schema cannot drift from the result type.
    spans: list[Span]
    restored_text: str
    lexicon_version: str
    model: str
    source: dict[str, Any] | None = None
    stage: str = Field(description='"full", or "screen" when the fast screen alone scored the text.')
    min_score: float | None = Field(None, description="The least span score reported, if one was asked.")


class DocumentOut(BaseModel):
    name: str
    kind: str = Field(description='"text", "html" or "pdf".')
    text: str = Field(description="The text extracted from the file; the spans' offsets point into it.")
    pages: list[int] = Field(description="Where each page starts in the text (one entry unless a PDF).")


class FileAnalysisOut(AnalysisOut):
    document: DocumentOut


class RestoreOut(BaseModel):
    restored_text: str


class ErrorOut(BaseModel):
    error: str = Field(description="A reason code, e.g. empty_input, not_english, too_large, timeout.")
    message: str


# Declared by hand: the upload is parsed in memory by web.read_upload, not by FastAPI's form handling.
_UPLOAD_BODY = {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {"file": {"type": "string", "format": "binary",
                            "description": "The document: a .txt, .md, .html, .htm or .pdf file."},
                   "threshold": {"type": "number", "minimum": 0, "maximum": 1,
                                 "description": "Score at which a text counts as spun."},
                   "min_score": {"type": "number", "minimum": 0, "maximum": 1,
                                 "description": "Report and restore only the swaps scored at least this."},
                   "any_language": {"type": "boolean",
                                    "description": "Analyse text that does not look like English."}}}}}}


# -- in the worker processes ---------------------------------------------------

_INDEX: str | None = None
#: What the worker reads with: deep mode, a model file, the cascade's cut (see ``create_app``).
_MODE: dict[str, Any] = {}


def _init_worker(index: str | None, workers: int = 1, mode: str = "fast", model: str | None = None,
                 deep_from: float | None = None) -> None:
    global _INDEX, _MODE
    from ..workers import share_cores, worker_engine

    share_cores(workers, mode != "fast")
    deep = mode == "deep"
    _INDEX = index
    _MODE = {"deep": deep, "model": model, "deep_from": deep_from}
    # An engine that cannot load is met again, and reported, by the first request (see _safe).
    worker_engine(deep, model, deep_from)


def _analysis(text: str, threshold: float | None, any_language: bool, screen: bool = False,
              min_score: float | None = None) -> Analysis:
    from ..inputs import check_english
    from ..pipeline import analyze

    if not any_language and text.strip():
        check_english(text)
    return analyze(text, threshold=threshold, index=_INDEX, screen=screen, min_score=min_score, **_MODE)


def _analyze(text: str, threshold: float | None, any_language: bool, screen: bool = False,
             min_score: float | None = None) -> dict[str, Any]:
    return _analysis(text, threshold, any_language, screen, min_score).to_dict()


def _analyze_file(data: bytes, name: str, threshold: float | None, any_language: bool,
                  max_bytes: int, min_score: float | None = None) -> dict[str, Any]:
    from ..documents import parse_document

    doc = parse_document(data, name=name, max_bytes=max_bytes)
    out = _analyze(doc.text, threshold, any_language, min_score=min_score)
    out["document"] = {"name": doc.name, "kind": doc.kind, "text": doc.text, "pages": list(doc.pages)}
    return out


def _report(text: str, threshold: float | None, any_language: bool, title: str,
            screen: bool = False, min_score: float | None = None) -> dict[str, Any]:
    from ..report import render_html

    return {"html": render_html(_analysis(text, threshold, any_language, screen, min_score), title)}


def _trace(text: str, top: int) -> dict[str, Any]:
    from ..index import Index

    assert _INDEX is not None
    with Index(_INDEX, create=False) as ix:
        return ix.search(text, top=top).to_dict()


def _safe(fn: Any, *args: Any) -> dict[str, Any]:
    """Run in a worker; library errors come back as data, so the pool never sees them raised."""
    try:
        return {"ok": fn(*args)}
    except UnspinError as err:
        return {"error": err.code, "message": err.message}


# -- the app ---------------------------------------------------------------------

def create_app(*, index: str | None = None, workers: int = 2, max_bytes: int = DEFAULT_MAX_BYTES,
               time_limit: float = DEFAULT_TIME_LIMIT, deep: bool = False, model: str | None = None,
               deep_from: float | None = None) -> FastAPI:
    """The API, with its own worker pool (started with the app, stopped with it).

    Every request is read the same way, chosen here: the fast path, deep mode (``deep``, or a
    ``model`` file), or the cascade from the fast analysis to deep mode (``deep_from``, see
    :class:`unspin.cascade.Cascade`).
    """
    state: dict[str, Any] = {}
    from ..cascade import mode_of

    mode = mode_of(deep, model, deep_from)

    def new_pool() -> ProcessPoolExecutor:
        return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_init_worker,
                                   initargs=(index, workers, mode, model, deep_from))

    @asynccontextmanager
    async def lifespan(app: FastAPI):  # type: ignore[no-untyped-def]
        state["pool"] = new_pool()
        yield
        state["pool"].shutdown(cancel_futures=True)

    # docs_url/redoc_url off: FastAPI's pages load their scripts from a CDN; web.add_page serves
    # an offline reference at /docs instead.
    app = FastAPI(title="unspin", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Detect article-spinner rewrites, restore the original wording, "
                              "trace the source.")

    def error(status: int, code: str, message: str) -> JSONResponse:
        return JSONResponse(status_code=status, content={"error": code, "message": message})

    @app.middleware("http")
    async def limit_size(request: Request, call_next: Any) -> Any:
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > max_bytes:
            return error(413, "too_large", f"the request is larger than {max_bytes} bytes; send less text")
        return await call_next(request)

    async def run(fn: Any, *args: Any) -> dict[str, Any] | JSONResponse:
        loop = asyncio.get_running_loop()
        pool = state["pool"]
        try:
            out = await asyncio.wait_for(loop.run_in_executor(pool, _safe, fn, *args), time_limit)
        except TimeoutError:
            return error(504, "timeout",
                         f"the analysis took longer than {time_limit:g} s; send a shorter text")
        except BrokenProcessPool:
            # A worker died (killed, perhaps for lack of memory), and a pool with a dead worker takes
            # no more work: the first request to find it so starts a new one.
            if state["pool"] is pool:
                state["pool"] = new_pool()
                pool.shutdown(wait=False, cancel_futures=True)
            return error(503, WorkerError.code, "a worker process died, perhaps for lack of memory, and was "
                                                "replaced: send the request again")
        if "error" in out:
            return error(400, out["error"], out["message"])
        return out["ok"]

    responses: dict[int | str, dict[str, Any]] = {400: {"model": ErrorOut}, 413: {"model": ErrorOut},
                                                  503: {"model": ErrorOut}, 504: {"model": ErrorOut}}

    @app.get("/v1/health")
    async def health() -> dict[str, Any]:
        """Liveness, the version, whether an index is configured, and how texts are read: "fast",
        "deep" or "cascade" (with the cut, ``deep_from``)."""
        return {"status": "ok", "version": __version__, "index": index is not None, "mode": mode,
                "deep_from": deep_from}

    @app.post("/v1/analyze", response_model=AnalysisOut, responses=responses)
    async def analyze(req: AnalyzeRequest) -> Any:
        """The full analysis: score, verdict, spans with their originals, restored text."""
        return await run(_analyze, req.text, req.threshold, req.any_language, req.screen, req.min_score)

    @app.post("/v1/restore", response_model=RestoreOut, responses=responses)
    async def restore(req: AnalyzeRequest) -> Any:
        """Only the restored text."""
        out = await run(_analyze, req.text, req.threshold, req.any_language, req.screen, req.min_score)
        return out if isinstance(out, JSONResponse) else {"restored_text": out["restored_text"]}

    @app.post("/v1/trace", responses={**responses, 409: {"model": ErrorOut}})
    async def trace(req: TraceRequest) -> Any:
        """The indexed sources of the text (needs `unspin serve --index PATH`)."""
        if index is None:
            return error(409, "no_index",
                         "this server has no index; start it with `unspin serve --index PATH`")
        return await run(_trace, req.text, req.top)

    @app.post("/v1/analyze-file", response_model=FileAnalysisOut, openapi_extra={"requestBody": _UPLOAD_BODY},
              responses={**responses, 415: {"model": ErrorOut}, 422: {"model": ErrorOut}})
    async def analyze_file(request: Request) -> Any:
        """A .txt, .md, .html or .pdf file as multipart form data: its extracted text and the analysis."""
        try:
            upload = await read_upload(request, max_bytes)
            threshold, min_score, any_language = upload.options()
        except UploadError as err:
            return error(err.status, err.code, err.message)
        return await run(_analyze_file, upload.data, upload.name, threshold, any_language, max_bytes,
                         min_score)

    @app.post("/v1/report", response_class=HTMLResponse, responses=responses)
    async def report(req: ReportRequest) -> Any:
        """The analysis as one self-contained HTML page, the same as `unspin check --html`."""
        out = await run(_report, req.text, req.threshold, req.any_language, req.title, req.screen,
                        req.min_score)
        if isinstance(out, JSONResponse):
            return out
        # The report's only style is inline and it has no scripts; say so to the browser too.
        return HTMLResponse(out["html"], headers={"Content-Security-Policy":
                                                  "default-src 'none'; style-src 'unsafe-inline'"})

    add_page(app)
    return app

