"""``unspin index``, ``trace`` and ``scan``: the commands over collections of documents (registered
on the main CLI group)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Any

import click

from unspin.cli_common import F, deep_from_option, input_options, load, progress, screen_option, working


@click.group()
def index() -> None:
    """Build or inspect a reference index of source documents, for `unspin trace`."""


def _index_option(f: F) -> F:
    return click.option("--index", "index_path", required=True, metavar="PATH",
                        help="The index file (created by `index add` if missing).")(f)


@index.command("add")
@click.argument("sources", nargs=-1, required=True, metavar="FILE|FOLDER...")
@_index_option
@click.option("--text-field", default="text", show_default=True, help="JSONL/Parquet field holding the text.")
@click.option("--id-field", default="id", show_default=True, help="JSONL/Parquet field holding the id.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Fingerprinting processes (default: all cores).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def index_add(sources: tuple[str, ...], index_path: str, text_field: str, id_field: str,
              workers: int | None, as_json: bool) -> None:
    """Add the documents of JSONL (.gz), Parquet, .txt files or folders of .txt files.

    Adding is incremental and idempotent: a document id already indexed with
    the same text is skipped, with another text it is replaced. Records that
    cannot be read are reported and skipped.
    """
    import os

    from unspin.index import Index
    from unspin.records import read_records

    bad: list[dict[str, Any]] = []

    def documents() -> Iterator[tuple[str, str]]:
        for source in sources:
            for rec in read_records(source, text_field=text_field, id_field=id_field):
                if rec.error or rec.text is None:
                    bad.append({"id": rec.id, "source": rec.source, "offset": rec.offset, "error": rec.error})
                else:
                    yield rec.id, rec.text

    with Index(index_path) as ix, progress("Indexing") as advance:
        report = ix.add(documents(), workers=workers or os.cpu_count() or 1, progress=advance)
        stats = ix.stats()
    rejected = bad + [{"id": i, "error": reason} for i, reason in report.rejected]
    summary = {"added": report.added, "replaced": report.replaced, "unchanged": report.unchanged,
               "rejected": len(rejected), "documents": stats["documents"], "index": stats["path"]}
    if as_json:
        click.echo(json.dumps({**summary, "rejected_records": rejected}, indent=2))
        return
    for r in rejected:
        click.echo(f"skipped {r['id']}: {r['error']}", err=True)
    click.echo(f"added {report.added}, replaced {report.replaced}, unchanged {report.unchanged}, "
               f"skipped {len(rejected)}; {stats['documents']} documents in {stats['path']}")


@index.command("stats")
@_index_option
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def index_stats(index_path: str, as_json: bool) -> None:
    """Documents, words, fingerprints and size of an index."""
    from unspin.index import Index

    with Index(index_path, create=False) as ix:
        stats = ix.stats()
    if as_json:
        click.echo(json.dumps(stats, indent=2))
        return
    for key, value in stats.items():
        click.echo(f"{key}: {value}")


@click.command()
@input_options
@_index_option
@click.option("--top", type=click.IntRange(min=1), default=5, show_default=True, help="Matches to report.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def trace(source: str, encoding: str | None, max_bytes: int, any_language: bool, index_path: str, top: int,
          as_json: bool) -> None:
    """Find the indexed documents FILE was copied (and spun) from.

    Each match shows its similarity (the share of FILE's words that align
    with it), the aligned passages and the words that were swapped.
    """
    text = load(source, encoding, max_bytes, any_language)
    from unspin.index import Index

    with Index(index_path, create=False) as ix, working("Tracing…"):
        result = ix.search(text, top=top)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
        return
    messages = {"not_enough_evidence": "Not enough evidence: the text is too short to single out a source.",
                "no_match": "No source found in the index."}
    if result.status != "match":
        click.echo(messages[result.status])
        return
    for m in result.matches:
        click.echo(f"{m.id}  similarity {m.similarity:.2f}  ({len(m.passages)} passage"
                   f"{'' if len(m.passages) == 1 else 's'}, {len(m.substitutions)} substitutions)")
        for p in m.passages:
            click.echo(f"  copy {p.start}-{p.end} <- source {p.source_start}-{p.source_end} "
                       f"({p.words} words)")
        for s in m.substitutions[:20]:
            click.echo(f"  {s.text!r} <- {s.source_text!r}")
        if len(m.substitutions) > 20:
            click.echo(f"  ... and {len(m.substitutions) - 20} more")


@click.command()
@click.argument("inputs", nargs=-1, required=True, metavar="FILE|FOLDER...")
@click.option("--out", "out", required=True, metavar="PATH",
              help="Output file: .jsonl, or .parquet (needs pyarrow); a .manifest.json is written beside it.")
@click.option("--text-field", default="text", show_default=True, help="JSONL/Parquet field holding the text.")
@click.option("--id-field", default="id", show_default=True, help="JSONL/Parquet field holding the id.")
@click.option("--only-spun", is_flag=True, help="Write only documents judged spun (and records with errors).")
@click.option("--restore", "with_restored", is_flag=True, help="Include each document's restored text.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Worker processes, each with its own engine (default: all cores).")
@click.option("--resume", is_flag=True,
              help="Continue an interrupted scan of the same inputs into the same --out.")
@click.option("--shard-size", type=click.IntRange(min=1), default=200, show_default=True,
              help="Documents per unit of work (and of resumption).")
@click.option("--threshold", type=click.FloatRange(0.0, 1.0), default=None,
              help="Score at or above which a document counts as spun.")
@click.option("--min-score", type=click.FloatRange(0.0, 1.0), default=None,
              help="Report and restore only the swaps scored at least this likely to be swaps.")
@click.option("--deep", is_flag=True, help="Add the neural language model (the deep extra).")
@click.option("--model", type=click.Path(exists=True), default=None,
              help="Deep mode with this GGUF file or Hugging Face folder.")
@deep_from_option
@click.option("--any-language", is_flag=True, help="Analyse documents that do not look like English.")
@click.option("--html-extractor", type=click.Choice(["resiliparse", "trafilatura"]), default="resiliparse",
              show_default=True,
              help="How WARC pages become text (trafilatura: pip install \"unspin[trafilatura]\").")
@screen_option
@click.option("--engine", type=click.Choice(["local", "ray"]), default="local", show_default=True,
              help="local: a process pool; ray: Ray Data actors on the cluster in RAY_ADDRESS "
                   "(a local Ray instance if unset; pip install \"unspin[ray]\").")
def scan(inputs: tuple[str, ...], out: str, text_field: str, id_field: str, only_spun: bool,
         with_restored: bool, workers: int | None, resume: bool, shard_size: int, threshold: float | None,
         min_score: float | None, deep: bool, model: str | None, deep_from: float | None, any_language: bool,
         html_extractor: str, screen: bool, engine: str) -> None:
    """Analyse every document of JSONL (.gz), Parquet or .txt collections into one output file.

    One record per document: id, source file and offset, score, is_spun,
    in_doubt, spans, optionally the restored text, and the error if it could not be
    analysed. A bad record or file is reported in the output and the scan
    goes on; an interrupted scan continues with --resume.
    """
    import os
    import time

    from unspin.scan import ScanOptions
    from unspin.scan import scan as run_scan

    options = ScanOptions(text_field=text_field, id_field=id_field, threshold=threshold,
                          deep=deep or model is not None, model=model, restore=with_restored,
                          only_spun=only_spun, any_language=any_language,
                          shard_size=shard_size, html_extractor=html_extractor, screen=screen,
                          min_score=min_score, deep_from=deep_from)
    if options.neural:
        from unspin.neural import check_deep_extra

        check_deep_extra(model)
    piped = not sys.stderr.isatty()
    with progress("Scanning") as advance:
        seen, logged = [0], [time.monotonic()]

        def report(live: Any) -> None:
            status = f"{live.flagged} flagged, {live.docs_per_second:.1f} docs/s"
            advance(live.documents - seen[0], status)
            seen[0] = live.documents
            # Piped output gets a plain line now and then instead of a live bar.
            if piped and time.monotonic() - logged[0] >= 30:
                click.echo(f"scan: {live.documents} documents, {status}", err=True)
                logged[0] = time.monotonic()

        summary = run_scan(list(inputs), out, options, workers=workers or os.cpu_count() or 1,
                           resume=resume, engine=engine, progress=report)
    codes = ", ".join(f"{k} {v}" for k, v in sorted(summary.errors_by_code.items()))
    skipped = f", {summary.skipped} records skipped (not HTML)" if summary.skipped else ""
    doubt = f", {summary.in_doubt} in doubt" if summary.in_doubt else ""
    click.echo(f"{summary.documents} documents, {summary.flagged} flagged{doubt}, {summary.errors} errors"
               f"{f' ({codes})' if codes else ''}{skipped}; {summary.docs_per_second:.1f} docs/s; "
               f"wrote {out}", err=True)
