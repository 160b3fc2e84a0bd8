"""The scan's Ray engine: shards analysed by Ray Data actors, one engine loaded per actor.

Shards travel as JSON strings, so Arrow never has to type a document's
fields, and come back in input order (``preserve_order``), so the scan's
parts, resumption and output are the same as with the local engine.
Shards are sent in windows, so a collection is never held in memory whole.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import asdict
from itertools import islice
from typing import Any

from ..errors import MissingDependencyError, UnspinError, error_named
from ..records import Record
from ..scan import ScanOptions, analyse_record

#: Shards per Ray dataset: large enough that actor start-up is paid rarely.
WINDOW = 256


class _ShardAnalyser:
    """A Ray actor's callable: loads the engine once, then analyses shard after shard."""

    def __init__(self, options: dict[str, Any]) -> None:
        from ..workers import worker_engine

        self.options = ScanOptions(**options)
        # An error instead of an engine is sent back as data by each batch (see _results): raised
        # in a batch, Ray hands the caller a wrapped copy without the error's class.
        self.engine = worker_engine(self.options.deep, self.options.model, self.options.deep_from)

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[str]]:
        if isinstance(self.engine, UnspinError):
            failed = json.dumps({"error": type(self.engine).__name__, "message": self.engine.message})
            return {"results": [failed] * len(batch["shard"])}
        out = []
        for shard in batch["shard"]:
            records = [Record(*fields) for fields in json.loads(shard)]
            out.append(json.dumps([analyse_record(r, self.options, self.engine) for r in records]))
        return {"results": out}


def ray_mapper(shards: Iterator[list[Record]], options: ScanOptions,
               workers: int) -> Iterator[list[dict[str, Any]]]:
    """Analyse shards on Ray (``ray.init()`` reads ``RAY_ADDRESS``; locally it starts Ray)."""
    try:
        import ray
    except ImportError as exc:
        raise MissingDependencyError("the Ray engine", '"unspin[ray]"') from exc
    if not ray.is_initialized():
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
        ray.init(address=os.environ.get("RAY_ADDRESS"), log_to_driver=False)
    ctx = ray.data.DataContext.get_current()
    ctx.execution_options.preserve_order = True
    ctx.enable_progress_bars = False
    while True:
        window = list(islice(shards, WINDOW))
        if not window:
            return
        items = [{"shard": json.dumps([_fields(r) for r in records])} for records in window]
        ds = ray.data.from_items(items).map_batches(
            _ShardAnalyser, fn_constructor_kwargs={"options": asdict(options)}, batch_size=1,
            compute=ray.data.ActorPoolStrategy(size=max(workers, 1)), num_cpus=1)
        for row in ds.iter_rows():
            yield _results(row)


def _results(row: dict[str, Any]) -> list[dict[str, Any]]:
    """One shard's output records from an actor's row; an engine that could not load is raised."""
    results = json.loads(row["results"])
    if isinstance(results, dict):
        raise error_named(results["error"], results["message"])
    return results


def _fields(r: Record) -> tuple:
    return (r.id, r.text, r.source, r.offset, r.error)
