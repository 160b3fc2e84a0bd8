"""Documents from collections on disk: JSONL (plain or gzip), Parquet, folders of .txt files.

Every reader yields :class:`Record` objects and never raises for one bad
document: a line that is not JSON, a record without text, an undecodable
file or a truncated gzip stream becomes a record with an ``error`` reason
code, so a batch job reports it and goes on. Only a collection that cannot
be opened at all raises an :class:`InputError`.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .documents import check_html_extractor, html_to_text
from .errors import InputError, MissingDependencyError, UnspinError
from .inputs import DEFAULT_MAX_BYTES, read_input


@dataclass(frozen=True, slots=True)
class Record:
    """One document of a collection, or the reason it could not be read."""

    id: str
    text: str | None
    #: The file it came from and its place there (line number, row number, or 0 for a whole file).
    source: str
    offset: int
    error: str | None = None


_JSONL = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz", ".json.gz", ".jsonl.zst", ".ndjson.zst",
          ".json.zst")
_WARC = (".warc", ".warc.gz", ".warc.zst", ".wet", ".wet.gz")
#: Reason codes of records that are left out on purpose (counted, not reported as errors).
SKIPPED = frozenset({"not_html"})


def read_records(path: str | Path, *, text_field: str = "text", id_field: str = "id",
                 max_bytes: int = DEFAULT_MAX_BYTES, html_extractor: str = "resiliparse") -> Iterator[Record]:
    """The documents of a JSONL/Parquet/WARC/WET file, a .txt file, or a folder of .txt files.

    ``html_extractor`` turns WARC responses into text (see :data:`unspin.documents.HTML_EXTRACTORS`).
    """
    # Checked before reading: inside the WARC reader an error would only mark the file unreadable.
    check_html_extractor(html_extractor)
    path = Path(path)
    name = path.name.lower()
    if path.is_dir():
        yield from _folder(path, max_bytes)
    elif not path.exists():
        raise InputError(f"{path} does not exist")
    elif name.endswith(_JSONL):
        yield from _jsonl(path, text_field, id_field, max_bytes)
    elif name.endswith(".parquet"):
        yield from _parquet(path, text_field, id_field)
    elif name.endswith(_WARC):
        yield from _warc(path, max_bytes, html_extractor)
    elif name.endswith(".txt"):
        yield from _folder_file(path, path.name, max_bytes)
    else:
        raise InputError(f"{path}: unknown collection format; give .jsonl(.gz/.zst), .parquet, "
                         ".warc(.gz), .wet(.gz), .txt or a folder of .txt files")


def _folder(root: Path, max_bytes: int) -> Iterator[Record]:
    for path in sorted(root.rglob("*.txt")):
        yield from _folder_file(path, path.relative_to(root).as_posix(), max_bytes)


def _folder_file(path: Path, doc_id: str, max_bytes: int) -> Iterator[Record]:
    try:
        yield Record(doc_id, read_input(path, max_bytes=max_bytes), str(path), 0)
    except UnspinError as err:
        yield Record(doc_id, None, str(path), 0, err.code)


def _lines(path: Path) -> Iterator[bytes]:
    """The lines of a plain, gzip or zstd file; a stream that ends early raises EOFError at the end."""
    name = path.name.lower()
    if name.endswith(".zst"):
        yield from _zst_lines(path)
        return
    with (gzip.open(path, "rb") if name.endswith(".gz") else open(path, "rb")) as fh:
        yield from fh


def _zst_lines(path: Path) -> Iterator[bytes]:
    try:
        import zstandard
    except ImportError as exc:
        raise MissingDependencyError("reading .zst files", '"unspin[zstd]"') from exc
    decompressor = zstandard.ZstdDecompressor()
    frame = None  # the frame being decoded; files are often several frames end to end
    rest = b""
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            while chunk:
                frame = frame or decompressor.decompressobj()
                try:
                    out = frame.decompress(chunk)
                except zstandard.ZstdError as exc:
                    raise OSError(f"{path} is not a readable zstd stream: {exc}") from exc
                chunk = b""
                if frame.eof:
                    chunk, frame = frame.unused_data, None
                # Lines go out frame by frame, so damage further on loses nothing decoded before it.
                *done, rest = (rest + out).split(b"\n")
                for line in done:
                    yield line + b"\n"
    if frame is not None:
        raise EOFError(f"{path} ends in the middle of a zstd frame")
    if rest:
        yield rest


def _jsonl(path: Path, text_field: str, id_field: str, max_bytes: int) -> Iterator[Record]:
    line_no = 0
    try:
        for line_no, raw in enumerate(_lines(path), 1):
            if not raw.strip():
                continue
            yield _json_record(raw, path, line_no, text_field, id_field, max_bytes)
    except (EOFError, OSError, zlib.error) as exc:
        # A truncated or corrupt compressed stream: what was read stands, the rest is reported.
        yield Record(f"{path.name}:{line_no + 1}", None, str(path), line_no + 1,
                     "truncated" if isinstance(exc, EOFError) else "unreadable")


def _json_record(raw: bytes, path: Path, line_no: int, text_field: str, id_field: str,
                 max_bytes: int) -> Record:
    fallback = f"{path.name}:{line_no}"
    if len(raw) > max_bytes:
        return Record(fallback, None, str(path), line_no, "too_large")
    try:
        obj = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return Record(fallback, None, str(path), line_no, "invalid_json")
    if not isinstance(obj, dict):
        return Record(fallback, None, str(path), line_no, "invalid_json")
    doc_id = obj.get(id_field)
    doc_id = fallback if doc_id is None else str(doc_id)
    text = obj.get(text_field)
    if not isinstance(text, str):
        return Record(doc_id, None, str(path), line_no, "missing_text")
    return Record(doc_id, text, str(path), line_no)


def _parquet(path: Path, text_field: str, id_field: str) -> Iterator[Record]:
    try:
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise MissingDependencyError("reading Parquet files", "pyarrow") from exc
    try:
        pf = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises its own ArrowInvalid/OSError family
        raise InputError(f"{path} is not a readable Parquet file ({exc})") from exc
    if text_field not in pf.schema_arrow.names:
        raise InputError(f"{path} has no column {text_field!r}; name the text column with --text-field")
    columns = [text_field] + ([id_field] if id_field in pf.schema_arrow.names else [])
    row = 0
    for batch in pf.iter_batches(columns=columns):
        data = batch.to_pydict()
        ids = data.get(id_field) or [None] * batch.num_rows
        for text, doc_id in zip(data[text_field], ids, strict=True):
            row += 1
            rid = f"{path.name}:{row}" if doc_id is None else str(doc_id)
            if isinstance(text, str):
                yield Record(rid, text, str(path), row)
            else:
                yield Record(rid, None, str(path), row, "missing_text")


def _warc(path: Path, max_bytes: int, extractor: str) -> Iterator[Record]:
    """HTML responses of a WARC file as plain text (``extractor``), and the text of WET conversions.

    Other records (requests, metadata, images, PDFs...) come back with the
    reason ``not_html``, which a scan counts and leaves out.
    """
    try:
        from fastwarc.warc import ArchiveIterator, WarcRecordType
        from resiliparse.parse.encoding import bytes_to_str, detect_encoding
    except ImportError as exc:
        raise MissingDependencyError("reading WARC files", '"unspin[warc]"') from exc
    wanted = WarcRecordType.response | WarcRecordType.resource | WarcRecordType.conversion
    n = 0
    with open(path, "rb") as fh:
        try:
            for rec in ArchiveIterator(fh, record_types=wanted, parse_http=True):
                n += 1
                uri = rec.headers.get("WARC-Target-URI") or rec.record_id or f"{path.name}:{n}"
                where = rec.stream_pos
                # The type first: a large image or PDF is skipped, not reported as a document too large.
                if rec.record_type != WarcRecordType.conversion:
                    ctype = (rec.http_headers.get("Content-Type", "") if rec.http_headers else
                             rec.headers.get("Content-Type", "")).lower()
                    if "html" not in ctype:
                        yield Record(uri, None, str(path), where, "not_html")
                        continue
                if rec.content_length > max_bytes:
                    yield Record(uri, None, str(path), where, "too_large")
                    continue
                data = rec.reader.read()
                if rec.record_type == WarcRecordType.conversion:
                    yield Record(uri, bytes_to_str(data, detect_encoding(data)), str(path), where)
                    continue
                text = html_to_text(data, extractor)
                yield Record(uri, text, str(path), where) if text.strip() else \
                    Record(uri, None, str(path), where, "empty_input")
        except Exception:  # a truncated or corrupt stream: what was read stands
            yield Record(f"{path.name}:{n + 1}", None, str(path), -1, "unreadable")
