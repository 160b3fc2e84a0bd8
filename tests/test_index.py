"""The reference index: adding (idempotent, crash-safe), searching, verification."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

import unspin.index as index_module
from unspin.errors import DataError, WorkerError
from unspin.fingerprint import fingerprints
from unspin.index import Index
from unspin.spinner import spin
from unspin.text import leading_sentences

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from corpora import wikinews
from processes import pool_workers

try:
    ARTICLES = [(f"wn-{d['id']}", d["text"]) for d in wikinews(400) if len(d["text"].split()) >= 150][:300]
except FileNotFoundError:  # pragma: no cover - the shared data is missing
    ARTICLES = []
pytestmark = pytest.mark.skipif(not ARTICLES, reason="needs ../shared/data/news_wikinews_tosca")


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    ix = Index(tmp_path_factory.mktemp("ix") / "news.idx")
    report = ix.add(ARTICLES, batch=64)
    assert report.added == len(ARTICLES)
    yield ix
    ix.close()


def test_adding_the_same_documents_again_changes_nothing(index):
    before = index.stats()
    report = index.add(ARTICLES[:50])
    assert (report.added, report.replaced, report.unchanged) == (0, 0, 50)
    assert index.stats()["fingerprints"] == before["fingerprints"]
    assert len(index) == len(ARTICLES)


def test_a_new_text_under_an_old_id_replaces_it(tmp_path):
    with Index(tmp_path / "a.idx") as ix:
        ix.add(ARTICLES[:3])
        doc_id, text = ARTICLES[0]
        report = ix.add([(doc_id, ARTICLES[5][1])])
        assert report.replaced == 1 and len(ix) == 3
        assert ix.text(doc_id) == ARTICLES[5][1]
        assert text != ix.text(doc_id)
        # The old text's fingerprints are gone with it.
        expected = sum(len(fingerprints(t)) for t in (ARTICLES[5][1], ARTICLES[1][1], ARTICLES[2][1]))
        assert ix.stats()["fingerprints"] == expected


def test_bad_documents_are_reported_and_the_rest_indexed(tmp_path):
    with Index(tmp_path / "b.idx") as ix:
        report = ix.add([("x", ""), ("", "text"), ("y", None), ("z", "\ud800 broken"), ARTICLES[0]])  # type: ignore[list-item]
        assert report.added == 1
        assert sorted(reason for _, reason in report.rejected) == ["bad_encoding", "bad_id", "empty_text",
                                                                  "empty_text"]


@pytest.mark.parametrize("rate", [0.3, 0.5])
def test_a_spun_copy_is_traced_to_its_source(index, rate):
    for k in range(0, 60, 6):
        doc_id, text = ARTICLES[k]
        copy = spin(leading_sentences(text, 200), "moby", rate=rate, seed=k).text
        result = index.search(copy)
        assert result.status == "match"
        best = result.matches[0]
        assert best.id == doc_id
        for p in best.passages:
            assert 0 <= p.start < p.end <= len(copy)
            assert 0 <= p.source_start < p.source_end <= len(text)
        for s in best.substitutions:
            assert copy[s.start : s.end] == s.text
            assert text[s.source_start : s.source_end] == s.source_text


def test_a_partial_copy_and_a_stitched_page_find_their_sources(index):
    a, b = ARTICLES[10][1], ARTICLES[20][1]
    part_a = leading_sentences(a, 60)
    part_b = leading_sentences(b[len(leading_sentences(b, 40)) :].lstrip(), 60)
    stitched = spin(part_a + "\n\n" + part_b, "moby", rate=0.3, seed=1).text
    found = [m.id for m in index.search(stitched).matches]
    assert ARTICLES[10][0] in found and ARTICLES[20][0] in found


def test_short_texts_get_not_enough_evidence(index):
    result = index.search("The president met the leader on Tuesday.")
    assert result.status == "not_enough_evidence" and result.matches == []


def test_unrelated_text_has_no_match(index):
    text = ("The enzyme was purified from the bacterial extract and its activity was measured at "
            "several temperatures. We show that the protein folds into a stable structure only in "
            "the presence of the metal ion, and that the binding site is conserved across all of "
            "the species that were examined in this study, which suggests an early origin for it.")
    assert index.search(text).status == "no_match"


def test_readers_are_not_blocked_by_a_writer(index, tmp_path):
    path = tmp_path / "c.idx"
    with Index(path) as ix:
        ix.add(ARTICLES[:20])
    errors = []

    def write():
        with Index(path) as w:
            w.add(ARTICLES[20:200], batch=10)

    writer = threading.Thread(target=write)
    writer.start()
    with Index(path) as reader:
        while writer.is_alive():
            try:
                assert len(reader) >= 20
                reader.search(ARTICLES[0][1])
            except sqlite3.OperationalError as exc:  # pragma: no cover - what WAL prevents
                errors.append(exc)
    writer.join()
    assert not errors


def test_a_killed_add_loses_nothing_committed(tmp_path):
    path = tmp_path / "crash.idx"
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(Path(__file__).resolve().parents[1] / "bench")!r})
        from corpora import wikinews
        from unspin.index import Index
        docs = [(f"wn-{{d['id']}}", d["text"]) for d in wikinews(2000)]
        Index({str(path)!r}).add(docs, batch=20, progress=lambda n: print(n, flush=True))
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    for _ in range(5):  # five batches committed, then kill it mid-run
        assert proc.stdout.readline(), "the adding process ended before it committed five batches"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    docs = db.execute("SELECT COUNT(*) FROM docs").fetchone()[0]
    # Every committed document of any length has its fingerprints committed with it.
    orphans = db.execute("SELECT COUNT(*) FROM docs WHERE words >= 100 "
                         "AND doc NOT IN (SELECT doc FROM postings)").fetchone()[0]
    db.close()
    assert docs >= 100 and docs % 20 == 0
    assert orphans == 0
    with Index(path) as ix:
        first = list(ix.ids())
        report = ix.add([(f"wn-{d['id']}", d["text"]) for d in wikinews(2000)], batch=200)
        assert report.unchanged == len(first)
        assert list(ix.ids())[: len(first)] == first


def test_a_file_that_is_not_an_index_is_a_data_error(tmp_path):
    junk = tmp_path / "junk.idx"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(DataError, match="not a readable unspin index"):
        Index(junk)
    with pytest.raises(DataError, match="no index at"):
        Index(tmp_path / "missing.idx", create=False)


def test_an_index_of_another_format_is_refused(tmp_path):
    path = tmp_path / "old.idx"
    Index(path).close()
    db = sqlite3.connect(path)
    with db:
        db.execute("UPDATE meta SET value = '0:5:5' WHERE key = 'format'")
    db.close()
    with pytest.raises(DataError, match="another version"):
        Index(path)


def test_parallel_fingerprinting_builds_the_same_index(tmp_path):
    with Index(tmp_path / "one.idx") as a, Index(tmp_path / "two.idx") as b:
        a.add(ARTICLES[:80], batch=16)
        b.add(ARTICLES[:80], batch=16, workers=2)
        rows = "SELECT d.id, p.hash FROM postings p JOIN docs d USING (doc) ORDER BY 1, 2"
        assert a.db.execute(rows).fetchall() == b.db.execute(rows).fetchall()
        assert a.stats()["documents"] == b.stats()["documents"] == 80


def _slow_prepare(chunk):
    time.sleep(60)
    return []


def _kill_a_worker_when_one_runs() -> None:
    me = os.getpid()
    while True:
        kids = pool_workers(me, forked=True)
        if kids:
            time.sleep(0.5)
            os.kill(kids[0], signal.SIGKILL)
            return
        time.sleep(0.05)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="patched functions reach workers by fork")
def test_a_killed_fingerprinting_worker_stops_adding_with_an_error(tmp_path, monkeypatch):
    # Python's pool loses the batch a killed worker held: adding must stop, not wait for ever.
    monkeypatch.setattr(index_module, "_prepare_all", _slow_prepare)
    threading.Thread(target=_kill_a_worker_when_one_runs, daemon=True).start()
    started = time.time()
    with Index(tmp_path / "a.idx") as ix, pytest.raises(WorkerError, match="add the same documents again"):
        ix.add(ARTICLES[:40], batch=8, workers=2)
    assert time.time() - started < 30

