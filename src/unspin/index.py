"""A reference collection on disk, and the search that traces a spun copy to its source.

One SQLite file (WAL, so searches run while documents are added). Each
document keeps its text (compressed; the alignment and the exact
restoration need it) and its skeleton fingerprints (:mod:`unspin.fingerprint`)
in an inverted table. A search votes over shared fingerprints, then verifies
the best candidates by aligning them with the copy (:mod:`unspin.align`):
only a verified alignment is reported as a match.

Adding is idempotent (a document id with the same text is skipped, with a
new text it is replaced) and every batch is one transaction, so a crash
loses at most the batch in flight and never leaves a half-added document.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import sqlite3
import sys
import zlib
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .align import Alignment, Passage, Substitution, align
from .errors import DataError, InputError
from .fingerprint import SHINGLE, WINDOW, fingerprints
from .workers import watched_imap

FORMAT = 2
#: A fingerprint shared by more documents than this is boilerplate, not evidence.
POSTING_CAP = 200
#: Candidates (by shared fingerprints) that are verified by alignment.
VERIFY = 12
#: A verified match explains at least this many copy words, and this share of the copy.
MIN_ALIGNED_WORDS = 20
MIN_CONTAINMENT = 0.2
#: Fewer fingerprints than this cannot single out one document.
MIN_QUERY_FINGERPRINTS = 3

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS docs (
    doc INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    digest BLOB NOT NULL,
    words INTEGER NOT NULL,
    text BLOB NOT NULL,
    fingerprints BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS postings (
    hash INTEGER NOT NULL,
    doc INTEGER NOT NULL,
    PRIMARY KEY (hash, doc)
) WITHOUT ROWID;
"""


@dataclass(slots=True)
class AddReport:
    """What one :meth:`Index.add` call did."""

    added: int = 0
    replaced: int = 0
    unchanged: int = 0
    #: (document id or position, reason) for every document that was not indexed.
    rejected: list[tuple[str, str]] = field(default_factory=list)


@dataclass(slots=True)
class Match:
    """A source document that a verified alignment connects to the copy."""

    id: str
    similarity: float
    identical: float
    passages: list[Passage]
    substitutions: list[Substitution]
    source_text: str
    shared_fingerprints: int

    def to_dict(self, with_text: bool = False) -> dict:
        out = {"id": self.id, "similarity": round(self.similarity, 4), "identical": round(self.identical, 4),
               "shared_fingerprints": self.shared_fingerprints,
               "passages": [_fields_of(p) for p in self.passages],
               "substitutions": [_fields_of(s) for s in self.substitutions]}
        if with_text:
            out["source_text"] = self.source_text
        return out


def _fields_of(obj: object) -> dict:
    return {name: getattr(obj, name) for name in obj.__slots__}  # type: ignore[attr-defined]


@dataclass(slots=True)
class TraceResult:
    """The answer to a search: ``status`` is ``match``, ``no_match`` or ``not_enough_evidence``."""

    status: str
    matches: list[Match]
    fingerprints: int

    def to_dict(self) -> dict:
        return {"status": self.status, "fingerprints": self.fingerprints,
                "matches": [m.to_dict() for m in self.matches]}


class Index:
    """A reference collection in one SQLite file; see the module docstring."""

    def __init__(self, path: str | Path, *, create: bool = True) -> None:
        self.path = Path(path)
        if not create and not self.path.exists():
            raise DataError(f"no index at {self.path}: "
                            f"build one with `unspin index add FILE --index {self.path}`")
        try:
            self.db = sqlite3.connect(self.path, timeout=60)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(_SCHEMA)
            self._check_format()
        except sqlite3.DatabaseError as exc:
            raise DataError(f"{self.path} is not a readable unspin index ({exc}); point --index at "
                            "another file, or delete this one and add the documents again") from exc

    def _check_format(self) -> None:
        want = f"{FORMAT}:{SHINGLE}:{WINDOW}"
        row = self.db.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
        if row is None:
            with self.db:
                self.db.execute("INSERT INTO meta VALUES ('format', ?)", (want,))
        elif row[0] != want:
            raise DataError(f"{self.path} was built by another version of unspin (format {row[0]}, "
                            f"this one writes {want}); build the index again")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- adding --------------------------------------------------------
    def add(self, docs: Iterable[tuple[str, str]], *, batch: int = 500, workers: int = 1,
            progress: Callable[[int], None] | None = None) -> AddReport:
        """Add (id, text) pairs; one transaction per ``batch`` documents.

        With ``workers`` > 1, fingerprinting runs in that many processes while
        this one writes; ``progress`` is called with the number of documents
        handled after each batch.
        """
        report = AddReport()
        chunks = _chunks(docs, batch)
        if workers > 1:
            ctx = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
            with ctx.Pool(workers) as pool:
                for prepared in watched_imap(pool, _prepare_all, chunks,
                                             "the documents written so far are kept: add the same "
                                             "documents again to go on (unchanged ones are skipped)"):
                    self._write(prepared, report, progress)
        else:
            for chunk in chunks:
                self._write(_prepare_all(chunk), report, progress)
        return report

    def _write(self, prepared: list[_Prepared | tuple[str, str]], report: AddReport,
               progress: Callable[[int], None] | None) -> None:
        db = self.db
        with db:
            for rec in prepared:
                if isinstance(rec, tuple):
                    report.rejected.append(rec)
                    continue
                row = db.execute("SELECT doc, digest, fingerprints FROM docs WHERE id = ?",
                                 (rec.id,)).fetchone()
                if row is not None and row[1] == rec.digest:
                    report.unchanged += 1
                    continue
                if row is not None:
                    # The document's own fingerprints name its postings: a delete by primary key,
                    # where a delete by document would scan the whole table.
                    db.executemany("DELETE FROM postings WHERE hash = ? AND doc = ?",
                                   ((h, row[0]) for h in _unpack(row[2])))
                    db.execute("DELETE FROM docs WHERE doc = ?", (row[0],))
                cur = db.execute("INSERT INTO docs (id, digest, words, text, fingerprints) "
                                 "VALUES (?, ?, ?, ?, ?)",
                                 (rec.id, rec.digest, rec.words, rec.blob, _pack(rec.fingerprints)))
                db.executemany("INSERT OR IGNORE INTO postings VALUES (?, ?)",
                               ((h, cur.lastrowid) for h in rec.fingerprints))
                if row is None:
                    report.added += 1
                else:
                    report.replaced += 1
        if progress is not None:
            progress(len(prepared))

    # -- reading -------------------------------------------------------
    def __len__(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM docs").fetchone()[0]

    def stats(self) -> dict:
        """Documents, words, fingerprints and bytes on disk (the WAL file included)."""
        docs, words = self.db.execute("SELECT COUNT(*), COALESCE(SUM(words), 0) FROM docs").fetchone()
        postings = self.db.execute("SELECT COUNT(*) FROM postings").fetchone()[0]
        size = sum(p.stat().st_size for p in (self.path, Path(f"{self.path}-wal")) if p.exists())
        return {"path": str(self.path), "documents": docs, "words": words, "fingerprints": postings,
                "bytes": size, "bytes_per_document": round(size / docs) if docs else None}

    def text(self, doc_id: str) -> str:
        """The stored text of a document."""
        row = self.db.execute("SELECT text FROM docs WHERE id = ?", (doc_id,)).fetchone()
        if row is None:
            raise InputError(f"no document {doc_id!r} in {self.path}")
        return zlib.decompress(row[0]).decode("utf-8")

    def ids(self) -> Iterator[str]:
        for (doc_id,) in self.db.execute("SELECT id FROM docs ORDER BY doc"):
            yield doc_id

    def search(self, text: str, top: int = 5) -> TraceResult:
        """The indexed documents the text was most likely copied (and spun) from, verified."""
        fps = fingerprints(text)
        if len(fps) < MIN_QUERY_FINGERPRINTS:
            return TraceResult("not_enough_evidence", [], len(fps))
        votes: Counter[int] = Counter()
        for h in fps:
            docs = [d for (d,) in self.db.execute(
                "SELECT doc FROM postings WHERE hash = ? LIMIT ?", (h, POSTING_CAP + 1))]
            if len(docs) <= POSTING_CAP:
                votes.update(docs)
        matches = []
        for doc, shared in votes.most_common(VERIFY):
            if shared < 2:
                break
            doc_id, blob = self.db.execute("SELECT id, text FROM docs WHERE doc = ?", (doc,)).fetchone()
            source = zlib.decompress(blob).decode("utf-8")
            a = align(text, source)
            if _verified(a):
                matches.append(Match(doc_id, a.containment, a.identical, a.passages, a.substitutions,
                                     source, shared))
        matches.sort(key=lambda m: (-m.similarity, -m.shared_fingerprints, m.id))
        return TraceResult("match" if matches else "no_match", matches[:top], len(fps))


@dataclass(slots=True)
class _Prepared:
    id: str
    digest: bytes
    words: int
    blob: bytes
    fingerprints: list[int]


def _prepare(doc_id: object, text: object) -> _Prepared | tuple[str, str]:
    """A document ready to write, or (id, reason) if it cannot be indexed."""
    if not isinstance(doc_id, str) or not doc_id:
        return (str(doc_id), "bad_id")
    if not isinstance(text, str) or not text.strip():
        return (doc_id, "empty_text")
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates, from a mis-decoded source
        return (doc_id, "bad_encoding")
    return _Prepared(doc_id, hashlib.blake2b(data, digest_size=16).digest(), len(text.split()),
                     zlib.compress(data, 6), fingerprints(text))


def _pack(hashes: list[int]) -> bytes:
    return array("q", hashes).tobytes()


def _unpack(blob: bytes) -> list[int]:
    out = array("q")
    out.frombytes(blob)
    return out.tolist()


def _prepare_all(chunk: list[tuple[str, str]]) -> list[_Prepared | tuple[str, str]]:
    return [_prepare(doc_id, text) for doc_id, text in chunk]


def _chunks(docs: Iterable[tuple[str, str]], size: int) -> Iterator[list[tuple[str, str]]]:
    chunk: list[tuple[str, str]] = []
    for doc in docs:
        chunk.append(doc)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _verified(a: Alignment) -> bool:
    aligned = sum(p.words for p in a.passages)
    return aligned >= MIN_ALIGNED_WORDS and a.containment >= MIN_CONTAINMENT
