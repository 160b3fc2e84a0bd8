"""Scanning collections: every document analysed, one output record each, resumable by shard.

The input records (:mod:`unspin.records`) are cut into shards of
``shard_size`` consecutive records per file. Worker processes each load the
engine once and analyse whole shards; the parent writes each finished shard
to ``<out>.parts/`` (a temporary file renamed into place, so a shard's part
is either complete or absent). A restarted scan with ``resume=True`` skips
the shards whose parts exist, and the final output is assembled from the
parts in input order: a killed and resumed scan writes exactly what an
uninterrupted one would. A bad record becomes an output record with its
reason code; it never stops the scan.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from . import __version__
from .errors import InputError, TooLargeInputError, UnspinError
from .inputs import DEFAULT_MAX_BYTES, check_english
from .records import SKIPPED, Record, read_records
from .workers import share_cores, watched_imap, worker_engine

#: The fields of every output record, in order; see README "Scan output".
FIELDS = ("id", "source", "offset", "score", "is_spun", "in_doubt", "threshold", "n_words", "stage",
          "spans", "restored_text", "error", "message")


@dataclass(frozen=True)
class ScanOptions:
    """How documents are read and analysed."""

    text_field: str = "text"
    id_field: str = "id"
    threshold: float | None = None
    deep: bool = False
    model: str | None = None
    restore: bool = False
    only_spun: bool = False
    any_language: bool = False
    max_bytes: int = DEFAULT_MAX_BYTES
    shard_size: int = 200
    html_extractor: str = "resiliparse"
    #: Score with the fast screen first; documents it finds clearly unspun skip the full analysis.
    screen: bool = False
    #: Report and restore only the swaps whose span scores at least this (see Engine.analyze).
    min_score: float | None = None
    #: Read every document with the fast analysis and, in deep mode, those it scores at least
    #: this, and short ones (see unspin.cascade). None: one mode for all, as ``deep`` says.
    deep_from: float | None = None

    @property
    def neural(self) -> bool:
        """Whether any document may be read by the neural model."""
        from .cascade import mode_of

        return mode_of(self.deep, self.model, self.deep_from) != "fast"


@dataclass
class ScanSummary:
    """Counts and timing of one scan (also written to the manifest)."""

    documents: int = 0
    flagged: int = 0
    #: Documents that scored at least even odds but under the threshold (see Analysis.in_doubt).
    in_doubt: int = 0
    errors: int = 0
    written: int = 0
    #: Records left out on purpose (WARC records that are not HTML responses).
    skipped: int = 0
    shards: int = 0
    shards_resumed: int = 0
    seconds: float = 0.0
    errors_by_code: dict[str, int] = field(default_factory=dict)

    @property
    def docs_per_second(self) -> float:
        return self.documents / self.seconds if self.seconds > 0 else 0.0


# -- one document ------------------------------------------------------------

_ENGINE: Any = None
_OPTIONS: ScanOptions | None = None


def _init_worker(options: ScanOptions, workers: int = 1) -> None:
    """Load the engine once per worker process, with the worker's share of the cores."""
    global _ENGINE, _OPTIONS
    from .pipeline import engine_for

    share_cores(workers, options.neural)
    _OPTIONS = options
    # The caller's own process (one worker) raises at once, and its objects and collector are not
    # ours to settle; a pool worker's error is raised by its first shard (see _analyse_shard).
    _ENGINE = (engine_for(options.deep, options.model, options.deep_from) if workers <= 1
               else worker_engine(options.deep, options.model, options.deep_from))


def analyse_record(rec: Record, options: ScanOptions, engine: Any) -> dict[str, Any]:
    """The output record of one input record; never raises."""
    out: dict[str, Any] = dict.fromkeys(FIELDS)
    out.update(id=rec.id, source=rec.source, offset=rec.offset)
    if rec.error is not None or rec.text is None:
        out["error"] = rec.error or "missing_text"
        return out
    try:
        if len(rec.text.encode("utf-8", errors="replace")) > options.max_bytes:
            raise TooLargeInputError(f"the document is larger than {options.max_bytes} bytes")
        if not options.any_language:
            check_english(rec.text)
        a = engine.analyze(rec.text, threshold=options.threshold, screen=options.screen,
                           min_score=options.min_score)
    except UnspinError as err:
        out.update(error=err.code, message=err.message)
        return out
    except Exception as exc:  # one document must never end the scan; its record says what failed
        out.update(error="internal_error", message=f"{type(exc).__name__}: {exc}")
        return out
    out.update(score=round(a.score, 6), is_spun=a.is_spun, in_doubt=a.in_doubt, threshold=a.threshold,
               n_words=a.n_words, stage=a.stage, spans=[s.to_dict() for s in a.spans])
    if options.restore:
        out["restored_text"] = a.restored_text
    return out


def _analyse_shard(records: list[Record]) -> list[dict[str, Any]]:
    assert _OPTIONS is not None
    if isinstance(_ENGINE, UnspinError):
        raise _ENGINE
    return [analyse_record(r, _OPTIONS, _ENGINE) for r in records]


# -- shards ---------------------------------------------------------------------

def _shards(inputs: list[Path], options: ScanOptions) -> Iterator[tuple[str, list[Record]]]:
    """(shard key, records) in input order; the key names the file's place and the shard's."""
    for f, path in enumerate(inputs):
        chunk: list[Record] = []
        k = 0
        try:
            for rec in read_records(path, text_field=options.text_field, id_field=options.id_field,
                                    max_bytes=options.max_bytes, html_extractor=options.html_extractor):
                chunk.append(rec)
                if len(chunk) >= options.shard_size:
                    yield f"{f:05d}-{k:07d}", chunk
                    chunk, k = [], k + 1
        except UnspinError as err:  # the file as a whole cannot be read: one error record for it
            chunk.append(Record(path.name, None, str(path), 0, err.code))
        if chunk:
            yield f"{f:05d}-{k:07d}", chunk


#: Input records a worker process handles before a fresh process replaces it. The engine's memos
#: are bounded (a worker levels off near 500 MB of RSS), so this only guards against growth nothing
#: else bounds; a fresh worker loads in well under a second but starts with cold memos.
RECORDS_PER_WORKER = 1000

#: Maps shards of records to their output records, in order: (shards, options, workers) -> results.
Mapper = Callable[[Iterator[list[Record]], ScanOptions, int], Iterator[list[dict[str, Any]]]]


def local_mapper(shards: Iterator[list[Record]], options: ScanOptions,
                 workers: int) -> Iterator[list[dict[str, Any]]]:
    """This machine: a process pool, one engine per worker (none for a single worker).

    Workers are replaced after about :data:`RECORDS_PER_WORKER` records, which bounds their memory.
    """
    if workers <= 1:
        _init_worker(options)
        yield from (_analyse_shard(records) for records in shards)
        return
    if options.screen:
        # The screen's candidate table is built on first use (about 15 s): once here, not once per worker.
        from .pipeline import default_engine

        default_engine().screen  # noqa: B018 - loaded for its side effect
    # The same choice as Index.add: fork on Linux, spawn where fork is unsafe (macOS) or absent.
    ctx = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
    with ctx.Pool(workers, initializer=_init_worker, initargs=(options, workers),
                  maxtasksperchild=max(1, RECORDS_PER_WORKER // options.shard_size)) as pool:
        yield from watched_imap(pool, _analyse_shard, shards,
                                "the shards finished so far are kept: run the same command with --resume "
                                "to go on (with fewer --workers or a smaller --shard-size if memory ran out)")


def _engine_mapper(name: str) -> Mapper:
    if name == "ray":
        from .integrations.ray_engine import ray_mapper

        return ray_mapper
    raise InputError(f"unknown engine {name!r}: use local or ray")


def scan(inputs: list[str | Path], out: str | Path, options: ScanOptions | None = None, *,
         workers: int = 1, resume: bool = False, engine: str = "local",
         progress: Callable[[ScanSummary], None] | None = None) -> ScanSummary:
    """Analyse every document of ``inputs`` into ``out`` (.jsonl or .parquet) and its manifest.

    ``engine`` is ``local`` (a process pool of ``workers``) or ``ray`` (Ray
    Data on the cluster that ``ray.init`` connects to; ``workers`` actors).
    """
    options = options or ScanOptions()
    inputs = [Path(p) for p in inputs]
    out = Path(out)
    parts = out.with_name(out.name + ".parts")
    if parts.exists() and not resume:
        raise InputError(f"{parts} holds an unfinished scan: add --resume to continue it, "
                         "or delete the folder to start again")
    if out.exists() and not resume:
        raise InputError(f"{out} exists; choose another --out or delete it")
    parts.mkdir(parents=True, exist_ok=True)
    _check_resumable(parts, {"inputs": [str(p) for p in inputs], **asdict(options)})
    live = ScanSummary()  # this run's work, for progress; the final counts come from the parts
    t0 = time.perf_counter()
    done = {p.stem for p in parts.glob("*.jsonl")}

    keys: list[str] = []  # the shards handed out, in order; results come back in the same order

    def todo() -> Iterator[list[Record]]:
        for key, records in _shards(inputs, options):
            if key in done:
                live.shards_resumed += 1
                continue
            keys.append(key)
            yield records

    def finish(key: str, results: list[dict[str, Any]]) -> None:
        tmp = parts / f"{key}.tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            for r in results:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
        os.replace(tmp, parts / f"{key}.jsonl")
        live.shards += 1
        _count(live, results)
        live.seconds = time.perf_counter() - t0
        if progress is not None:
            progress(live)

    mapper = local_mapper if engine == "local" else _engine_mapper(engine)
    for n, results in enumerate(mapper(todo(), options, workers)):
        finish(keys[n], results)
    summary = ScanSummary(shards=live.shards, shards_resumed=live.shards_resumed)
    _assemble(parts, out, options, summary)
    summary.seconds = time.perf_counter() - t0
    _write_manifest(out, inputs, options, summary)
    shutil.rmtree(parts)
    return summary


def _count(summary: ScanSummary, results: list[dict[str, Any]]) -> None:
    for r in results:
        if r["error"] in SKIPPED:
            summary.skipped += 1
            continue
        summary.documents += 1
        if r["error"]:
            summary.errors += 1
            summary.errors_by_code[r["error"]] = summary.errors_by_code.get(r["error"], 0) + 1
        elif r["is_spun"]:
            summary.flagged += 1
        elif r["in_doubt"]:
            summary.in_doubt += 1


def _assemble(parts: Path, out: Path, options: ScanOptions, summary: ScanSummary) -> None:
    """Join the parts in shard order into ``out``, atomically; counts come from what is written."""
    def rows() -> Iterator[dict[str, Any]]:
        for part in sorted(parts.glob("*.jsonl")):
            with open(part, encoding="utf-8") as fh:
                for line in fh:
                    # Every record gets every field, in order, parts from older versions too.
                    r = dict.fromkeys(FIELDS) | json.loads(line)
                    _count(summary, [r])
                    if r["error"] in SKIPPED or (options.only_spun and not r["is_spun"] and not r["error"]):
                        continue
                    summary.written += 1
                    yield r

    tmp = out.with_name(out.name + ".tmp")
    if out.suffix == ".parquet":
        _write_parquet(rows(), tmp)
    else:
        with open(tmp, "w", encoding="utf-8") as fh:
            for r in rows():
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    os.replace(tmp, out)


def _write_parquet(rows: Iterator[dict[str, Any]], path: Path) -> None:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        from .errors import MissingDependencyError

        raise MissingDependencyError("writing Parquet output", "pyarrow") from exc
    span = pa.struct([("start", pa.int64()), ("end", pa.int64()), ("text", pa.string()),
                      ("original", pa.string()), ("score", pa.float64()), ("label", pa.string()),
                      ("original_score", pa.float64())])
    schema = pa.schema([("id", pa.string()), ("source", pa.string()), ("offset", pa.int64()),
                        ("score", pa.float64()), ("is_spun", pa.bool_()), ("in_doubt", pa.bool_()),
                        ("threshold", pa.float64()),
                        ("n_words", pa.int64()), ("stage", pa.string()), ("spans", pa.list_(span)),
                        ("restored_text", pa.string()),
                        ("error", pa.string()), ("message", pa.string())])
    with pq.ParquetWriter(path, schema) as writer:
        batch: list[dict[str, Any]] = []
        for r in rows:
            batch.append(r)
            if len(batch) >= 2000:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                batch = []
        if batch:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))


def _check_resumable(parts: Path, settings: dict[str, Any]) -> None:
    """Record what this scan reads with in ``parts``, or refuse where the parts already there were
    made with other inputs, options or another version of unspin and its data: they would be mixed
    into this output."""
    from .params import shipped_data_stamp

    reader = {"unspin": __version__, "data": shipped_data_stamp()}
    saved = parts / "options.json"
    if saved.exists():
        before = json.loads(saved.read_text(encoding="utf-8"))
        if {k: v for k, v in before.items() if k != "reader"} != json.loads(json.dumps(settings)):
            raise InputError(f"the unfinished scan in {parts} used other inputs or options; resume it with "
                             "the same ones, or delete the folder to start again")
        if before.get("reader") != reader:
            raise InputError(f"the unfinished scan in {parts} was started by another version of unspin or of "
                             f"its weights ({before.get('reader')}; this is {reader}): its finished parts "
                             "were read otherwise. Finish it with that version, or delete the folder to "
                             "start again")
    saved.write_text(json.dumps({**settings, "reader": reader}, sort_keys=True), encoding="utf-8")


def _write_manifest(out: Path, inputs: list[Path], options: ScanOptions, summary: ScanSummary) -> None:
    from .pipeline import Engine, engine_for

    engine = engine_for(options.deep, options.model, options.deep_from)
    if options.threshold is not None:
        threshold: float | dict[str, float] = options.threshold
    elif isinstance(engine, Engine):
        threshold = engine.calibration.threshold
    else:  # a cascade: each record carries the threshold of the mode that read it
        threshold = {"fast": engine.fast.calibration.threshold, "deep": engine.deep.calibration.threshold}
    manifest = {
        "unspin_version": __version__, "lexicon_version": engine.lexicon.version, "model": engine.model_name,
        "threshold": threshold,
        "inputs": [str(p) for p in inputs], "options": asdict(options), "output": str(out),
        "documents": summary.documents, "flagged": summary.flagged, "in_doubt": summary.in_doubt,
        "errors": summary.errors,
        "errors_by_code": summary.errors_by_code, "written": summary.written, "skipped": summary.skipped,
        "shards_resumed": summary.shards_resumed, "wall_seconds": round(summary.seconds, 2),
        "docs_per_second": round(summary.docs_per_second, 2),
    }
    path = out.with_name(out.name + ".manifest.json")
    path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
