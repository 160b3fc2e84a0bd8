"""The known list of tortured phrases and the boolean queries it is written in.

The built-in list is the Problematic Paper Screener's export (Cabanac,
Labbé & Magazinov; see ``data/SOURCES.md``). Each entry is a
PPS search query whose first quoted phrase is the tortured phrase itself;
the other terms narrow it down: ``"surface region" AND "surface area"``
counts only in a text that also says "surface area", ``NOT`` excludes, a
``"a b"~N`` phrase allows up to N other words in between, and ``optimiz*``
is a word prefix. Findings are the occurrences of the tortured phrase in a
text where the whole query holds.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from .errors import DataError
from .phrase_match import PhraseMatcher, Words, phrase_key

BUILTIN_NAME = "Problematic Paper Screener tortured phrases (export of 2025-11-12)"
_QUERY_TOKEN = re.compile(r'"([^"]*)"(?:~(\d+))?|(\()|(\))|\b(AND|OR|NOT)\b|([^\s()"]+)')
_COMMENT = re.compile(r"\([^)]*\)|\?+|https?://\S+|\[[^\]]*\]")


@dataclass(frozen=True)
class Term:
    """A phrase, a phrase with slop (``~N``), or a one-word prefix (``optimiz*``)."""

    key: tuple[str, ...]
    slop: int | None = None
    prefix: str | None = None


@dataclass(frozen=True)
class All:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Any_:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    item: Node


Node = Term | All | Any_ | Not


def parse_query(query: str) -> Node:
    """Parse a PPS query; a query with no quotes at all is one plain phrase."""
    if '"' not in query:
        return Term(phrase_key(query))
    tokens = [m for m in _QUERY_TOKEN.finditer(query)]
    node, pos = _parse_or(tokens, 0)
    if pos != len(tokens):
        raise ValueError(f"unexpected {tokens[pos].group()!r} in query {query!r}")
    return node


def _parse_or(tokens: list[re.Match[str]], pos: int) -> tuple[Node, int]:
    items = []
    node, pos = _parse_and(tokens, pos)
    items.append(node)
    while pos < len(tokens) and tokens[pos].group(5) == "OR":
        node, pos = _parse_and(tokens, pos + 1)
        items.append(node)
    return (items[0] if len(items) == 1 else Any_(tuple(items))), pos


def _parse_and(tokens: list[re.Match[str]], pos: int) -> tuple[Node, int]:
    node, pos = _parse_unary(tokens, pos)
    items = [node]
    while pos < len(tokens) and tokens[pos].group(5) in ("AND", "NOT"):
        negate = tokens[pos].group(5) == "NOT"
        node, pos = _parse_unary(tokens, pos + 1)
        items.append(Not(node) if negate else node)
    return (items[0] if len(items) == 1 else All(tuple(items))), pos


def _parse_unary(tokens: list[re.Match[str]], pos: int) -> tuple[Node, int]:
    if pos >= len(tokens):
        raise ValueError("query ends where a term was expected")
    tok = tokens[pos]
    if tok.group(3):
        node, pos = _parse_or(tokens, pos + 1)
        if pos >= len(tokens) or not tokens[pos].group(4):
            raise ValueError("unbalanced parenthesis")
        return node, pos + 1
    if tok.group(1) is not None:
        return _term(tok.group(1), int(tok.group(2)) if tok.group(2) else None), pos + 1
    if tok.group(6):
        words = [tok.group(6)]
        pos += 1  # bare words run together into one phrase, up to the next operator
        while pos < len(tokens) and tokens[pos].group(6):
            words.append(tokens[pos].group(6))
            pos += 1
        return _term(" ".join(words), None), pos
    raise ValueError(f"unexpected {tok.group()!r}")


def _term(text: str, slop: int | None) -> Term:
    text = text.strip()
    if text.endswith("*") and " " not in text:
        return Term((), prefix=text[:-1].lower())
    return Term(phrase_key(text.replace("*", " ")), slop)


def leading_terms(node: Node) -> list[Term]:
    """The terms a finding is reported at: the first phrase of each alternative."""
    if isinstance(node, Term):
        return [node]
    if isinstance(node, All):
        return leading_terms(node.items[0])
    if isinstance(node, Any_):
        return [t for item in node.items for t in leading_terms(item)]
    return []


def all_terms(node: Node) -> list[Term]:
    """Every term of a query, leading, context and excluded."""
    if isinstance(node, Term):
        return [node]
    if isinstance(node, Not):
        return all_terms(node.item)
    return [t for item in node.items for t in all_terms(item)]


@dataclass(frozen=True)
class Entry:
    """One list entry: the tortured phrase, what it stands for, and its query."""

    tortured: str
    expected: str
    papers: int
    query: str
    node: Node

    @property
    def expected_term(self) -> str:
        """The expected phrase without curators' comments, question marks and links."""
        return " ".join(_COMMENT.sub(" ", self.expected).split()) or self.expected


@dataclass(frozen=True)
class ListHit:
    """An entry found at word positions ``[first, last)`` of a text."""

    entry: Entry
    first: int
    last: int


class KnownList:
    """A list of tortured phrases, ready to screen texts with."""

    def __init__(self, entries: list[Entry], name: str, sha256: str,
                 parts: tuple[tuple[str, str, int], ...] | None = None) -> None:
        self.entries = entries
        self.name = name
        self.sha256 = sha256
        #: (name, sha256, entries) of each list this one was merged from; itself if none.
        self.parts = parts or ((name, sha256, len(entries)),)
        self._by_key: dict[tuple[str, ...], list[Entry]] = defaultdict(list)
        self._always: list[Entry] = []  # entries led by a prefix or a sloppy phrase
        for e in entries:
            for t in leading_terms(e.node):
                if t.key and t.slop is None:
                    self._by_key[t.key].append(e)
                else:
                    self._always.append(e)
        keys = {t.key for e in entries for t in all_terms(e.node) if t.key and t.slop is None}
        self._matcher = PhraseMatcher(keys)

    def __len__(self) -> int:
        return len(self.entries)

    def find(self, words: Words) -> list[ListHit]:
        """Every entry whose query holds for the text, at each of its tortured phrase's occurrences."""
        found: dict[tuple[str, ...], list[tuple[int, int]]] = defaultdict(list)
        for h in self._matcher.find(words):
            found[h.key].append((h.first, h.last))
        lowers: set[str] | None = None
        hits: list[ListHit] = []
        candidates = {id(e): e for key in found for e in self._by_key.get(key, ())}
        candidates.update((id(e), e) for e in self._always)
        for e in candidates.values():
            if lowers is None and any(t.prefix is not None for t in all_terms(e.node)):
                lowers = set(words.lowers)
            if not _holds(e.node, words, found, lowers):
                continue
            for t in leading_terms(e.node):
                for first, last in _occurrences(t, words, found, lowers):
                    hits.append(ListHit(e, first, last))
        return hits


def _occurrences(t: Term, words: Words, found: dict[tuple[str, ...], list[tuple[int, int]]],
                 lowers: set[str] | None) -> list[tuple[int, int]]:
    if t.prefix is not None:
        return [(i, i + 1) for i, w in enumerate(words.lowers) if w.startswith(t.prefix)]
    if t.slop is None:
        return found.get(t.key, [])
    return _sloppy(t.key, t.slop, words)


def _sloppy(key: tuple[str, ...], slop: int, words: Words) -> list[tuple[int, int]]:
    """Windows of ``len(key) + slop`` words holding every word of ``key``, in any order."""
    need = set(key)
    width = len(key) + slop
    out = []
    for i, s in enumerate(words.stems):
        if s != key[0]:
            continue
        lo, hi = max(0, i - width + 1), min(len(words), i + width)
        window = words.stems[lo:hi]
        if need <= set(window):
            idx = [lo + j for j, w in enumerate(window) if w in need]
            out.append((min(idx), max(idx) + 1))
    return out


def _holds(node: Node, words: Words, found: dict[tuple[str, ...], list[tuple[int, int]]],
           lowers: set[str] | None) -> bool:
    if isinstance(node, Term):
        if node.prefix is not None:
            return any(w.startswith(node.prefix) for w in lowers or ())
        return bool(_occurrences(node, words, found, lowers))
    if isinstance(node, Not):
        return not _holds(node.item, words, found, lowers)
    if isinstance(node, All):
        return all(_holds(n, words, found, lowers) for n in node.items)
    return any(_holds(n, words, found, lowers) for n in node.items)


def read_list(data: bytes, name: str) -> KnownList:
    """A list from CSV bytes: PPS export columns, or any file whose first two columns are phrase, expected."""
    sha = hashlib.sha256(data).hexdigest()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DataError(f"{name} is not UTF-8 text; save the list as UTF-8 CSV") from None
    dialect = "excel-tab" if "\t" in text.partition("\n")[0] else "excel"
    rows = list(csv.reader(io.StringIO(text), dialect=dialect))
    if rows and rows[0] and rows[0][0].strip().lower() in {"tortured_phrase", "tortured", "phrase"}:
        rows = rows[1:]
    entries = []
    for n, row in enumerate(rows, start=1):
        if not row or not row[0].strip():
            continue
        if len(row) < 2:
            raise DataError(f"{name}, row {n}: needs a phrase and its expected term, separated by a comma")
        quoted = re.findall(r'"([^"]*)"', row[0])
        tortured = quoted[0] if quoted else row[0].strip()
        try:
            node = parse_query(row[0])
        except ValueError:
            # Curated lists have typos ("ADN" for AND); the leading phrase alone still says
            # what to look for, and only loses the narrowing terms.
            node = Term(phrase_key(tortured))
        if not leading_terms(node) or not any(t.key or t.prefix for t in leading_terms(node)):
            raise DataError(f"{name}, row {n}: the query {row[0]!r} names no phrase to look for")
        papers = int(re.sub(r"\D", "", row[2]) or 0) if len(row) > 2 else 0
        entries.append(Entry(tortured, row[1].strip(), papers, row[0], node))
    if not entries:
        raise DataError(f"{name} holds no entries; give a CSV of phrase,expected rows")
    return KnownList(entries, name, sha)


@cache
def builtin_list() -> KnownList:
    """The Problematic Paper Screener list shipped with unspin, parsed once per process."""
    raw = resources.files("unspin").joinpath("data/pps_tortured.csv.gz").read_bytes()
    return read_list(gzip.decompress(raw), BUILTIN_NAME)


def merge_lists(lists: list[KnownList]) -> KnownList:
    """One list from several, in order: an entry of a later list replaces the earlier lists'
    entries with the same query and expected term (ignoring case and spacing), so a newer
    export updates the built-in list instead of counting its phrases twice."""
    if len(lists) == 1:
        return lists[0]

    def key(e: Entry) -> tuple[str, str]:
        return " ".join(e.query.lower().split()), e.expected_term.lower()

    entries: list[Entry] = []
    for known in lists:
        newer = {key(e) for e in known.entries}
        entries = [e for e in entries if key(e) not in newer] + known.entries
    parts = tuple(p for known in lists for p in known.parts)
    sha = hashlib.sha256("\n".join(p[1] for p in parts).encode()).hexdigest()
    return KnownList(entries, " + ".join(p[0] for p in parts), sha, parts)


def load_list(path: str | Path | None = None) -> KnownList:
    """The built-in list, or a list file of the user's (plain or gzip-compressed CSV/TSV)."""
    if path is None:
        return builtin_list()
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise DataError(f"cannot read the phrase list {p}: {exc.strerror or exc}") from None
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return read_list(data, str(p))
