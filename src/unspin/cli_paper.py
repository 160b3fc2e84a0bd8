"""``unspin paper``: screen scientific papers for tortured phrases (registered on the main CLI group)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from unspin.cli_common import progress, stdout_console
from unspin.errors import InputError, UnspinError
from unspin.inputs import DEFAULT_MAX_BYTES

if TYPE_CHECKING:
    from rich.console import Console

    from unspin.paper import PaperReport

PAPER_SUFFIXES = (".pdf", ".txt", ".md", ".html", ".htm")


def _paper_files(inputs: tuple[str, ...]) -> Iterator[Path]:
    """The files named, and the papers inside named folders (sorted, so runs repeat)."""
    for name in inputs:
        path = Path(name)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*")
                              if p.suffix.lower() in PAPER_SUFFIXES and p.is_file())
        else:
            yield path


@click.command()
@click.argument("inputs", nargs=-1, required=True, metavar="FILE|FOLDER...")
@click.option("--out", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write one JSON report per paper to this JSONL file (for folders and many files).")
@click.option("--json", "as_json", is_flag=True, help="Print the report of one paper as JSON.")
@click.option("--html", "html_path", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Also write the report of one paper as a self-contained HTML file.")
@click.option("--list", "list_paths", type=click.Path(exists=True, dir_okay=False), multiple=True,
              help="Add this phrase list (CSV: PPS export columns, or phrase,expected) to the built-in one; "
                   "its entries replace the built-in's for the same phrase. Repeatable.")
@click.option("--only-lists", is_flag=True, help="Use only the lists given with --list, not the built-in.")
@click.option("--no-model", is_flag=True,
              help="Only the known list: skip the model that finds unlisted phrases.")
@click.option("--deep", is_flag=True,
              help="Also let the small neural language model judge sequences the model half suspects: "
                   "finds more unlisted phrases, a few seconds slower (needs the deep extra).")
@click.option("--model", type=click.Path(exists=True), default=None,
              help="With --deep (implied): this GGUF file or Hugging Face folder (a Llama-architecture "
                   "model) instead of SmolLM2. Deep mode's settings were tuned for SmolLM2.")
@click.option("--max-bytes", type=click.IntRange(min=1), default=5 * DEFAULT_MAX_BYTES, show_default=True,
              help="Refuse files larger than this many bytes.")
def paper(inputs: tuple[str, ...], out: str | None, as_json: bool, html_path: str | None,
          list_paths: tuple[str, ...], only_lists: bool, no_model: bool, deep: bool, model: str | None,
          max_bytes: int) -> None:
    """Screen papers (.pdf, .txt, .md, .html) for tortured phrases.

    A report per paper: each phrase found with its page and character
    offsets, the expected phrase, whether it is on the known list or found
    by the model, and a confidence; the count, the density per 1,000 words
    and a risk level with its reasons. A signal for a person to check, not
    proof. With several files or a folder, give --out; a file that cannot
    be read is reported there and the others go on.
    """
    from unspin.documents import load_document
    from unspin.paper import screen_paper
    from unspin.tortured_list import load_list, merge_lists

    if only_lists and not list_paths:
        raise click.UsageError("--only-lists needs at least one --list FILE")
    deep = deep or model is not None
    if deep and no_model:
        raise click.UsageError("--deep works through the model: leave out --no-model")
    known = merge_lists([*([] if only_lists else [load_list()]), *(load_list(p) for p in list_paths)])
    files = list(_paper_files(inputs))
    if not files:
        raise InputError("no .pdf, .txt, .md or .html files found in the folder(s) given")
    if out is None and len(files) > 1:
        raise click.UsageError("several papers need --out FILE.jsonl for their reports")
    scorer = None
    if deep:
        from unspin.neural import default_neural_scorer

        scorer = default_neural_scorer(model)
    if out is None:
        report = screen_paper(load_document(files[0], max_bytes=max_bytes), known=known, model=not no_model,
                              deep=scorer)
        if html_path:
            from unspin.report import render_paper_html

            Path(html_path).write_text(render_paper_html(report), encoding="utf-8")
        if as_json:
            click.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
        else:
            _render(report, stdout_console())
        return
    counts = {"papers": 0, "high": 0, "medium": 0, "low": 0, "errors": 0}
    with open(out, "w", encoding="utf-8") as fh, progress("Screening") as advance:
        for path in files:
            record: dict[str, Any]
            try:
                rep = screen_paper(load_document(path, max_bytes=max_bytes), known=known, model=not no_model,
                                   deep=scorer)
                record = rep.to_dict()
                counts[record["risk"]] += 1
            except UnspinError as err:
                record = {"name": str(path), "error": err.code, "message": err.message}
                counts["errors"] += 1
            counts["papers"] += 1
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
            fh.flush()
            advance(1, f"{counts['high']} high risk")
    click.echo(f"{counts['papers']} papers: {counts['high']} high, {counts['medium']} medium, "
               f"{counts['low']} low risk, {counts['errors']} unreadable; wrote {out}", err=True)


def _render(report: PaperReport, console: Console) -> None:
    from rich.table import Table
    from rich.text import Text

    data = report.to_dict()
    style = {"high": "bold red", "medium": "bold yellow", "low": "bold green"}[data["risk"]]
    head = Text()
    head.append(f"RISK {data['risk'].upper()}", style=style)
    head.append(f"  {data['findings']} finding(s), {data['distinct']} distinct, "
                f"{data['per_1000_words']:.2f} per 1,000 words; "
                f"{data['n_words']} words, {data['pages']} page(s)")
    console.print(head)
    for reason in data["reasons"]:
        console.print(f"  - {reason}")
    if report.spans:
        table = Table("page", "found", "expected", "source", "confidence")
        for f in data["spans"]:
            table.add_row(str(f["page"]), f["text"], f["original"] or "?", f["source"], f"{f['score']:.2f}")
        console.print(table)
    console.print(Text(f"List: {data['list']['name']}, {data['list']['entries']} entries, "
                       f"sha256 {data['list']['sha256'][:16]}. {data['note']}", style="dim"))

