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
