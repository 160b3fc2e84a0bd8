"""Reading document collections: every bad record is reported, none stops the reading."""

from __future__ import annotations

import gzip
import json

import pytest

from unspin.errors import InputError
from unspin.records import read_records


def test_jsonl_reports_bad_lines_and_reads_the_rest(tmp_path):
    path = tmp_path / "docs.jsonl"
    path.write_text("\n".join([
        json.dumps({"id": 1, "text": "first"}),
        "{not json",
        json.dumps({"id": "b"}),
        json.dumps(["a", "list"]),
        "",
        json.dumps({"body": "no id here", "url": "u"}),
    ]) + "\n", encoding="utf-8")
    recs = list(read_records(path))
    assert [(r.id, r.error) for r in recs] == [
        ("1", None), ("docs.jsonl:2", "invalid_json"), ("b", "missing_text"),
        ("docs.jsonl:4", "invalid_json"), ("docs.jsonl:6", "missing_text")]
    assert recs[0].text == "first" and recs[0].offset == 1
    [custom] = [r for r in read_records(path, text_field="body", id_field="url") if r.error is None]
    assert (custom.id, custom.text) == ("u", "no id here")


def test_truncated_gzip_keeps_what_was_read(tmp_path):
    path = tmp_path / "docs.jsonl.gz"
    data = gzip.compress("".join(json.dumps({"id": k, "text": "x" * 200}) + "\n" for k in range(50)).encode())
    path.write_bytes(data[: len(data) // 2])
    recs = list(read_records(path))
    good = [r for r in recs if r.error is None]
    assert 0 < len(good) < 50
    assert recs[-1].error == "truncated"


def _zstd():
    return pytest.importorskip("zstandard", reason=".zst needs zstandard: pip install -e '.[test]'")


def test_zstd_jsonl_reads_every_frame(tmp_path):
    zstd = _zstd()
    lines = "".join(json.dumps({"id": k, "text": f"doc {k}"}) + "\n" for k in range(3)).encode()
    path = tmp_path / "docs.jsonl.zst"
    # Two frames end to end, as tools that append or split-and-join write them; no newline at the end.
    last = zstd.ZstdCompressor().compress(b'{"id": 9, "text": "z"}')
    path.write_bytes(zstd.ZstdCompressor().compress(lines) + last)
    assert [(r.id, r.text, r.error) for r in read_records(path)] == [
        ("0", "doc 0", None), ("1", "doc 1", None), ("2", "doc 2", None), ("9", "z", None)]


@pytest.mark.parametrize("damage, code", [("truncate", "truncated"), ("garbage", "unreadable")])
def test_damaged_zstd_keeps_what_was_read(tmp_path, damage, code):
    zstd = _zstd()
    good = zstd.ZstdCompressor().compress(b'{"id": "a", "text": "kept"}\n')
    body = "".join(json.dumps({"id": k, "text": f"{k} " * 50}) + "\n" for k in range(2000)).encode()
    tail = zstd.ZstdCompressor().compress(body)
    tail = tail[: len(tail) // 2] if damage == "truncate" else b"\x28\xb5\x2f\xfd" + bytes(range(256)) * 4
    path = tmp_path / "docs.json.zst"
    path.write_bytes(good + tail)
    recs = list(read_records(path))
    assert (recs[0].id, recs[0].text) == ("a", "kept")
    assert recs[-1].error == code and all(r.error is None for r in recs[:-1])


def test_folder_of_text_files_reports_binary_ones(tmp_path):
    (tmp_path / "a.txt").write_text("An article.", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.txt").write_bytes(b"\x00\x01\x02" * 100)
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    recs = {r.id: r for r in read_records(tmp_path)}
    assert recs["a.txt"].text == "An article."
    assert recs["sub/b.txt"].error == "binary_input"
    assert recs["empty.txt"].error == "empty_input"


def test_parquet_rows(tmp_path):
    pa = pytest.importorskip("pyarrow", reason="Parquet needs pyarrow")
    import pyarrow.parquet as pq

    path = tmp_path / "docs.parquet"
    pq.write_table(pa.table({"id": ["a", "b"], "text": ["one", None]}), path)
    rows = [(r.id, r.text, r.error) for r in read_records(path)]
    assert rows == [("a", "one", None), ("b", None, "missing_text")]
    with pytest.raises(InputError, match="no column 'body'"):
        list(read_records(path, text_field="body"))


def test_unknown_and_missing_collections_are_input_errors(tmp_path):
    odd = tmp_path / "docs.xml"
    odd.write_text("<a/>", encoding="utf-8")
    with pytest.raises(InputError, match="unknown collection format"):
        list(read_records(odd))
    with pytest.raises(InputError, match="does not exist"):
        list(read_records(tmp_path / "none.jsonl"))


def _warc_record(uri: str, body: bytes, content_type: str, rtype: str = "response") -> bytes:
    if rtype == "response":
        block = (f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n"
                 .encode() + body)
        wtype = "application/http; msgtype=response"
    else:
        block, wtype = body, content_type
    head = (f"WARC/1.0\r\nWARC-Type: {rtype}\r\nWARC-Target-URI: {uri}\r\n"
            f"WARC-Record-ID: <urn:uuid:{abs(hash(uri)):032x}>\r\nWARC-Date: 2026-11-30T00:00:00Z\r\n"
            f"Content-Type: {wtype}\r\nContent-Length: {len(block)}\r\n\r\n")
    return gzip.compress(head.encode() + block + b"\r\n\r\n")


def write_warc(path, pages):
    path.write_bytes(b"".join(_warc_record(*p) for p in pages))
    return path


def test_warc_html_responses_become_text_and_the_rest_is_skipped(tmp_path):
    pytest.importorskip("resiliparse", reason="WARC input needs the warc extra")
    html = (b"<html><head><title>t</title><script>var x = 1;</script></head><body><nav>Home | About</nav>"
            b"<article><p>The minister said on Tuesday that the new budget would raise spending on "
            b"schools and hospitals across the country.</p></article></body></html>")
    path = write_warc(tmp_path / "crawl.warc.gz", [
        ("http://a.example/news", html, "text/html; charset=utf-8"),
        ("http://a.example/logo.png", b"\x89PNG\r\n\x1a\n...", "image/png"),
        ("http://b.example/page.txt", b"Plain text from a WET file.", "text/plain", "conversion"),
    ])
    recs = list(read_records(path))
    assert [(r.id, r.error) for r in recs] == [("http://a.example/news", None),
                                               ("http://a.example/logo.png", "not_html"),
                                               ("http://b.example/page.txt", None)]
    assert "budget would raise spending" in recs[0].text and "var x" not in recs[0].text
    assert recs[2].text == "Plain text from a WET file."


def test_warc_pages_through_trafilatura(tmp_path):
    pytest.importorskip("trafilatura", reason="needs the trafilatura extra")
    pytest.importorskip("fastwarc", reason="WARC input needs the warc extra")
    story = " ".join(["The council said on Tuesday that the bridge over the river would close for repairs "
                      "in the spring, and that a ferry would carry commuters until it reopened."] * 3)
    html = (f"<html><body><nav><a href='/'>Home</a> | <a href='/about'>About us</a></nav><article>"
            f"<h1>Bridge</h1><p>{story}</p></article><footer>Copyright 2026 Example News</footer>"
            "</body></html>").encode()
    path = write_warc(tmp_path / "crawl.warc.gz", [("http://a.example/news", html, "text/html")])
    (rec,) = read_records(path, html_extractor="trafilatura")
    assert rec.error is None and "ferry would carry commuters" in rec.text
    assert "About us" not in rec.text and "Copyright" not in rec.text
    with pytest.raises(InputError, match="unknown HTML extractor"):
        list(read_records(path, html_extractor="lynx"))


def test_warc_size_limit_reports_large_pages_and_only_skips_large_media(tmp_path):
    pytest.importorskip("resiliparse", reason="WARC input needs the warc extra")
    page = b"<html><body><p>" + b"Some words of news text here. " * 40 + b"</p></body></html>"
    path = write_warc(tmp_path / "big.warc.gz", [
        ("http://x/big.html", page * 3, "text/html"),
        ("http://x/photo.jpg", bytes(range(256)) * 20, "image/jpeg"),
        ("http://x/small.html", page, "text/html"),
        ("http://x/wet", b"Converted text. " * 200, "text/plain", "conversion"),
    ])
    recs = list(read_records(path, max_bytes=2000))
    assert [(r.id, r.error) for r in recs] == [
        ("http://x/big.html", "too_large"), ("http://x/photo.jpg", "not_html"), ("http://x/small.html", None),
        ("http://x/wet", "too_large")]


def test_truncated_warc_keeps_the_records_before_the_damage(tmp_path):
    pytest.importorskip("resiliparse", reason="WARC input needs the warc extra")
    page = b"<html><body><p>" + b"Some words of news text here. " * 40 + b"</p></body></html>"
    path = write_warc(tmp_path / "cut.warc.gz", [(f"http://x/{k}", page, "text/html") for k in range(6)])
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * 0.6)])
    recs = list(read_records(path))
    good = [r for r in recs if r.error is None]
    assert 1 <= len(good) < 6
    assert all(r.id.startswith("http://x/") for r in good)
