"""What the ``unspin`` commands share: how an input file is read, how progress is shown, and the
options several commands take."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

import click

from unspin.inputs import DEFAULT_MAX_BYTES, check_english, read_input

if TYPE_CHECKING:
    from rich.console import Console

F = TypeVar("F", bound=Callable[..., Any])


def input_options(f: F) -> F:
    """Attach the FILE argument and the options that control how it is read."""
    f = click.option(
        "--any-language",
        is_flag=True,
        help="Analyse the text even if it does not look like English.",
    )(f)
    f = click.option(
        "--max-bytes",
        type=click.IntRange(min=1),
        default=DEFAULT_MAX_BYTES,
        show_default=True,
        help="Refuse inputs larger than this many bytes.",
    )(f)
    f = click.option(
        "--encoding",
        metavar="NAME",
        help="Text encoding of FILE, e.g. latin-1 (default: UTF-8, or UTF-16/32 with a BOM).",
    )(f)
    return click.argument("source", metavar="FILE|-")(f)


def load(source: str, encoding: str | None, max_bytes: int, any_language: bool) -> str:
    """The text of FILE (or stdin for "-"), refused unless it reads as English or ``any_language``."""
    text = read_input(source, max_bytes=max_bytes, encoding=encoding)
    if not any_language:
        check_english(text)
    return text


@contextmanager
def working(message: str) -> Iterator[None]:
    """Show a transient spinner on stderr, but only when a person is watching it."""
    if not sys.stderr.isatty():
        yield
        return
    from rich.console import Console

    with Console(stderr=True).status(message):
        yield


def stdout_console() -> Console:
    """A rich console on stdout that writes plain text, without escape codes, when stdout is no terminal."""
    from rich.console import Console

    # Decide from stdout itself rather than FORCE_COLOR and friends: piped
    # or redirected output must never contain escape codes.
    tty = sys.stdout.isatty()
    return Console(
        file=sys.stdout,
        force_terminal=None if tty else False,
        color_system="auto" if tty else None,
        highlight=False,
        markup=False,
        emoji=False,
        soft_wrap=True,
    )


def deep_from_option(f: F) -> F:
    """Attach ``--deep-from``, the cascade from the fast analysis to deep mode (unspin.cascade)."""
    from unspin.cascade import DEEP_FROM
    from unspin.result import SHORT_TEXT_WORDS

    return click.option(
        "--deep-from",
        type=click.FloatRange(0.0, 1.0),
        default=None,
        metavar="SCORE",
        help="Read every text with the fast analysis and, in deep mode, only those it scores at least "
             f"SCORE and those under {SHORT_TEXT_WORDS} words: deep mode's findings at a fraction of its "
             f"cost where most texts are clean ({DEEP_FROM}, tuned on 250-word texts, kept deep mode's "
             "findings; on 500-word news articles, one in ten spun, it read 29% of them in deep mode, "
             "0.5 read 13% and every spun one; the deep extra).",
    )(f)


def screen_option(f: F) -> F:
    """Attach ``--screen``, the fast screen in front of the full analysis."""
    return click.option(
        "--screen",
        is_flag=True,
        help="Score with the fast screen first and skip the full analysis of texts it finds clearly unspun.",
    )(f)


@contextmanager
def progress(label: str) -> Iterator[Callable[..., None]]:
    """A live counter on stderr for a person watching: ``advance(n, status="")``; silent when piped."""
    if not sys.stderr.isatty():
        yield lambda n, status="": None
        return
    from rich.progress import MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = (SpinnerColumn(), TextColumn("{task.description}"), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task(label, total=None)

        def advance(n: int, status: str = "") -> None:
            bar.update(task, advance=n, description=f"{label} {status}".strip())

        yield advance
