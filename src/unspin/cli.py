"""The ``unspin`` command line: a thin click layer over the library.

Library errors (:class:`UnspinError`) become one-line ``error:`` messages
and exit codes here and nowhere else. Heavy modules are imported inside the
commands, so ``--help`` and input errors stay fast.
"""

from __future__ import annotations

import errno
import json
import time
from typing import IO, TYPE_CHECKING, Any

import click

from unspin.cli_common import F, deep_from_option, input_options, load, screen_option, stdout_console, working
from unspin.errors import MissingDependencyError, UnspinError
from unspin.result import IN_DOUBT_ADVICE, SHORT_TEXT_ADVICE, SHORT_TEXT_WORDS

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from unspin.result import Analysis

SPIN_NOTE = (
    "note: `unspin spin` exists to make evaluation data for spin detectors; "
    "do not use it to pass off others' writing as your own."
)


class ReportedError(click.ClickException):
    """An :class:`UnspinError` on its way out to the user as ``error: <message>``."""

    def __init__(self, err: UnspinError) -> None:
        super().__init__(err.message)
        self.exit_code = err.exit_code

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"error: {self.format_message()}", err=file is None, file=file)


class _Group(click.Group):
    # Subcommands and nested groups all run inside the top group's invoke,
    # so this one handler covers every command.
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except UnspinError as err:
            raise ReportedError(err) from err
        except OSError as err:
            # A path the system refuses (an output folder that is missing, a file, read-only or
            # full) is the user's to fix: one line, not a traceback. A closed pipe stays click's.
            if isinstance(err, BrokenPipeError) or (err.filename is None and err.errno not in _REFUSALS):
                raise
            reason = err.strerror or str(err)
            where = f"cannot use {err.filename}" if err.filename is not None else "cannot write the output"
            raise ReportedError(UnspinError(
                f"{where}: {reason}; check that its folder exists, may be written and has room"
            )) from err


#: Errors a write into an open file can meet with no file name attached (by name: not every
#: system defines every one).
_WRITE_ERRORS = ("ENOSPC", "EDQUOT", "EROFS", "EACCES", "EPERM", "EFBIG")
_REFUSALS = frozenset(getattr(errno, name) for name in _WRITE_ERRORS if hasattr(errno, name))


@click.group(cls=_Group)
@click.version_option(package_name="unspin", prog_name="unspin")
def main() -> None:
    """Detect text rewritten by article spinners and restore its original wording.

    FILE may be - to read standard input.
    """
    # The command line's process exists to analyse: a scan with one worker, or a folder of papers,
    # runs here (see unspin.workers.rarer_full_collections).
    from .workers import rarer_full_collections

    rarer_full_collections()


def _analysis_options(f: F) -> F:
    """Attach the options that choose how the text is analysed."""
    f = click.option(
        "--index",
        "index_path",
        type=click.Path(exists=True, dir_okay=False),
        default=None,
        help="Trace the text in this reference index first and restore from its source where aligned.",
    )(f)
    f = click.option(
        "--model",
        type=click.Path(exists=True),
        default=None,
        help="Deep mode with this GGUF file or Hugging Face folder (a Llama-architecture model).",
    )(f)
    f = deep_from_option(f)
    f = click.option(
        "--thorough",
        is_flag=True,
        help="Deep mode with more options read whole by its model: more swaps found and restored, at "
             "under half of deep mode's speed (implies --deep).",
    )(f)
    f = click.option(
        "--deep",
        is_flag=True,
        help="Add the neural language model (needs `pip install \"unspin[deep]\"`; loads in a few seconds).",
    )(f)
    f = click.option(
        "--threshold",
        type=click.FloatRange(0.0, 1.0),
        default=None,
        help="Score at or above which the text counts as spun (default: the model's calibrated value).",
    )(f)
    return click.option(
        "--min-score",
        type=click.FloatRange(0.0, 1.0),
        default=None,
        help="Report and restore only the swaps scored at least this likely to be swaps (span scores are "
             "calibrated on tuning text; default: every swap the analysis finds).",
    )(f)


@main.command()
@input_options
@_analysis_options
@click.option("--json", "as_json", is_flag=True, help="Print the analysis as JSON instead.")
@click.option("--list", "as_list", is_flag=True,
              help="Also list each swap with how likely it is a swap and how likely its original is right.")
@click.option("--html", "html_path", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Also write the analysis as a self-contained HTML report to this file.")
@screen_option
def check(
    source: str,
    encoding: str | None,
    max_bytes: int,
    any_language: bool,
    threshold: float | None,
    min_score: float | None,
    deep: bool,
    thorough: bool,
    deep_from: float | None,
    model: str | None,
    index_path: str | None,
    as_json: bool,
    as_list: bool,
    html_path: str | None,
    screen: bool,
) -> None:
    """Say whether FILE was spun, and show the swapped words.

    Prints a verdict, the text with likely swaps marked and their originals
    in brackets, then the restored text; with --list, a table of the swaps
    and their scores too. With --json, prints the analysis as JSON and
    nothing else.
    """
    text = load(source, encoding, max_bytes, any_language)
    from unspin.pipeline import analyze

    with working("Analysing…"):
        analysis = analyze(text, threshold=threshold, deep=deep, model=model, index=index_path, screen=screen,
                           min_score=min_score, deep_from=deep_from, thorough=thorough)
    if html_path is not None:
        from pathlib import Path

        from unspin.report import render_html

        name = "standard input" if source == "-" else Path(source).name
        Path(html_path).write_text(render_html(analysis, f"unspin report: {name}"), encoding="utf-8")
    if as_json:
        click.echo(analysis.to_json(indent=2))
        return
    from unspin.cascade import mode_of

    fast = mode_of(deep, model, deep_from, thorough) == "fast"
    _render_check(analysis, stdout_console(), fast=fast, as_list=as_list)


def _render_check(analysis: Analysis, console: Console, *, fast: bool, as_list: bool = False) -> None:
    from rich.text import Text

    spun = analysis.is_spun
    verdict = Text()
    verdict.append("SPUN" if spun else "NOT SPUN", style="bold red" if spun else "bold green")
    verdict.append(f"  score {analysis.score:.2f} (threshold {analysis.threshold:.2f})")
    n = len(analysis.spans)
    verdict.append(f"  {n} likely swap{'' if n == 1 else 's'} in {analysis.n_words} words", style="dim")
    console.print(verdict)
    if analysis.in_doubt:
        console.print(IN_DOUBT_ADVICE, style="yellow")
    elif fast and not spun and analysis.n_words < SHORT_TEXT_WORDS:
        console.print(SHORT_TEXT_ADVICE.format(n=analysis.n_words), style="yellow")
    if analysis.source:
        console.print(f"Traced to {analysis.source['id']} (similarity {analysis.source['similarity']:.2f})")
    if analysis.stage == "screen":
        console.print("The fast screen found it clearly unspun, so it was not analysed word by word.")
        return
    if not analysis.spans:
        console.print("No swapped words found.")
        return
    console.print()
    legend = "Text, with likely swaps marked [original in brackets]:"
    if any(s.guessed for s in analysis.spans):
        legend = "Text, with likely swaps marked [original in brackets; original? where it is a guess]:"
    console.print(Text(legend, style="bold"))
    # The input's trailing newlines would stack up with print's own.
    marked = _marked_text(analysis)
    marked.rstrip()
    console.print(marked)
    console.print()
    console.print(Text("Restored text:", style="bold"))
    console.print(Text(analysis.restored_text.rstrip()))
    if as_list:
        console.print()
        console.print(_swap_table(analysis))


def _swap_table(analysis: Analysis) -> Table:
    from rich.table import Table

    table = Table(title="Likely swaps", title_justify="left", title_style="bold")
    for name in ("at", "written", "likely original"):
        table.add_column(name)
    table.add_column("a swap", justify="right")
    table.add_column("original right", justify="right")
    table.add_column("kind")
    for span in sorted(analysis.spans, key=lambda s: s.start):
        sure = "" if span.original_score is None else f"{span.original_score:.0%}"
        table.add_row(str(span.start), span.text, span.original or "?", f"{span.score:.0%}", sure, span.label)
    return table


def _marked_text(analysis: Analysis) -> Text:
    from rich.text import Text

    out = Text()
    text = analysis.text
    pos = 0
    for span in sorted(analysis.spans, key=lambda s: s.start):
        if span.start < pos:
            continue
        out.append(text[pos : span.start])
        out.append(text[span.start : span.end], style="strike red")
        if span.original is None:
            out.append(" [?]", style="yellow")
        elif span.guessed:
            # Likelier wrong than right: shown as the guess it is.
            out.append(f" [{span.original}?]", style="yellow")
        else:
            out.append(f" [{span.original}]", style="bold green")
        pos = span.end
    out.append(text[pos:])
    return out


@main.command()
@input_options
@_analysis_options
def restore(
    source: str,
    encoding: str | None,
    max_bytes: int,
    any_language: bool,
    threshold: float | None,
    min_score: float | None,
    deep: bool,
    thorough: bool,
    deep_from: float | None,
    model: str | None,
    index_path: str | None,
) -> None:
    """Print FILE with likely swaps put back to their originals."""
    text = load(source, encoding, max_bytes, any_language)
    from unspin.pipeline import analyze

    with working("Analysing…"):
        analysis = analyze(text, threshold=threshold, deep=deep, model=model, index=index_path,
                           min_score=min_score, deep_from=deep_from, thorough=thorough)
    # The restored text keeps the input's own line endings; add nothing.
    click.echo(analysis.restored_text, nl=False)


@main.command()
@input_options
@click.option(
    "--thesaurus",
    default="moby",
    show_default=True,
    metavar="moby|wordnet|PATH",
    help="Synonym source: a bundled thesaurus or a file of your own.",
)
@click.option(
    "--rate", type=click.FloatRange(0.0, 1.0), default=0.2, show_default=True, help="Share of words to swap."
)
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed, for repeatable output.")
@click.option(
    "--numerals-rate",
    type=click.FloatRange(0.0, 1.0),
    default=0.0,
    show_default=True,
    help="Share of numbers to rewrite (3 -> three).",
)
@click.option(
    "--filler-rate",
    type=click.FloatRange(0.0, 1.0),
    default=0.0,
    show_default=True,
    help="Rate at which filler words are inserted.",
)
@click.option("--swap-names", is_flag=True, help="Swap capitalised words too, as real spinners do.")
@click.option("--consistent", is_flag=True,
              help="Swap every occurrence of a chosen word, always for the same synonym, as spinners "
                   "that look words up in a fixed table do.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON with the word-by-word alignment.")
def spin(
    source: str,
    encoding: str | None,
    max_bytes: int,
    any_language: bool,
    thesaurus: str,
    rate: float,
    seed: int,
    numerals_rate: float,
    filler_rate: float,
    swap_names: bool,
    consistent: bool,
    as_json: bool,
) -> None:
    """Spin FILE like an article spinner would, to make test data.

    Swaps words for thesaurus synonyms and prints the result; with --json,
    prints the source, the output and the alignment of every swap.
    """
    text = load(source, encoding, max_bytes, any_language)
    click.echo(SPIN_NOTE, err=True)
    from unspin.spinner import spin as spin_text
    from unspin.thesauri import load_thesaurus

    with working("Spinning…"):
        result = spin_text(
            text,
            thesaurus=load_thesaurus(thesaurus),
            rate=rate,
            seed=seed,
            numerals_rate=numerals_rate,
            filler_rate=filler_rate,
            swap_names=swap_names,
            consistent=consistent,
        )
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(result.text, nl=False)


@main.group()
def lexicon() -> None:
    """Compile or inspect the on-disk lexicon cache."""


@lexicon.command("build")
@click.option("--force", is_flag=True, help="Rebuild even if a cache already exists.")
def lexicon_build(force: bool) -> None:
    """Compile the lexicon cache and the word tables read from it (done on first use otherwise)."""
    from unspin.lexicon import build_lexicon, lexicon_info
    from unspin.pipeline import default_engine

    info = lexicon_info()
    if not force and info.get("built"):
        click.echo(f"lexicon already built at {info.get('path')}; use --force to rebuild it")
    else:
        with working("Building the lexicon (this takes a while)…"):
            stats = build_lexicon(force=force)
        size = _megabytes(stats.get("size_bytes"))
        seconds = float(stats.get("seconds", 0))
        entries = stats.get("n_entries", "?")
        click.echo(f"built lexicon: {entries} entries, {size}, {seconds:.1f} s -> {stats.get('path')}")
    t0 = time.perf_counter()
    with working("Preparing the word tables (about 25 s the first time)…"):
        table = default_engine().screen.table
    words = len(table.size) if table is not None else 0
    click.echo(f"word tables ready: {words:,} words, {time.perf_counter() - t0:.1f} s")


@lexicon.command("info")
@click.option("--json", "as_json", is_flag=True, help="Print the details as JSON.")
def lexicon_info_cmd(as_json: bool) -> None:
    """Report where the lexicon cache is, what it holds, and the word tables and deep mode's
    model entries beside it."""
    from unspin.array_cache import cached_folders
    from unspin.lexicon import cache_dir, lexicon_info

    info = {**lexicon_info(), "tables_bytes": cached_folders(cache_dir()),
            "models_bytes": cached_folders(cache_dir() / "models", files="*.npz")}
    if as_json:
        click.echo(json.dumps(info, indent=2, default=str))
        return
    for key, value in info.items():
        click.echo(f"{key}: {value}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind; the default serves this machine only.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--index", "index_path", type=click.Path(exists=True, dir_okay=False), default=None,
              help="A reference index for /v1/trace and for restoring from traced sources.")
@click.option("--workers", type=click.IntRange(min=1), default=2, show_default=True,
              help="Analysis processes, each with its own engine.")
@click.option("--max-bytes", type=click.IntRange(min=1), default=2_000_000, show_default=True,
              help="Largest request body accepted (413 above).")
@click.option("--time-limit", type=click.FloatRange(min=0.1), default=60.0, show_default=True,
              help="Seconds an analysis may take before the request gets 504.")
@click.option("--deep", is_flag=True,
              help="Read every request in deep mode (the deep extra; about a twentieth of the fast speed).")
@click.option("--model", type=click.Path(exists=True), default=None,
              help="Deep mode with this GGUF file or Hugging Face folder (a Llama-architecture model).")
@deep_from_option
def serve(host: str, port: int, index_path: str | None, workers: int, max_bytes: int,
          time_limit: float, deep: bool, model: str | None, deep_from: float | None) -> None:
    """Serve the HTTP API (needs `pip install "unspin[serve]"`); OpenAPI docs at /docs."""
    try:
        import uvicorn
    except ImportError as exc:
        raise MissingDependencyError("the HTTP server", '"unspin[serve]"') from exc
    from unspin.cascade import mode_of

    if mode_of(deep, model, deep_from) != "fast":
        from unspin.neural import check_deep_extra

        check_deep_extra(model)
    from unspin.integrations.server import create_app

    app = create_app(index=index_path, workers=workers, max_bytes=max_bytes, time_limit=time_limit,
                     deep=deep, model=model, deep_from=deep_from)
    # access_log off: request lines carry no text, but nothing about requests is logged unless asked.
    uvicorn.run(app, host=host, port=port, access_log=False)


def _megabytes(n: Any) -> str:
    return f"{n / 1e6:.1f} MB" if isinstance(n, int | float) else "size unknown"


def _register_subcommands() -> None:
    # Commands kept in their own modules so this one stays a readable size.
    from unspin.cli_collections import index, scan, trace
    from unspin.cli_paper import paper

    for command in (index, trace, scan, paper):
        main.add_command(command)


_register_subcommands()
