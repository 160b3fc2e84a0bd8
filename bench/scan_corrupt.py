"""Corrupted-input benchmark: a scan over damaged files never crashes and accounts for every bad record.

    python bench/scan_corrupt.py [--workers 2] [--keep DIR]

Builds a test set of good and damaged collections (below), runs ``unspin scan``
over all of them as a separate process, and checks the output record by record
against what was built: every good document analysed, every damaged one present
with the expected reason code, nothing lost and nothing extra. Prints one JSON
object; exits 1 if anything is unaccounted for.

The set: good JSONL; JSONL with invalid JSON, invalid UTF-8, a non-object line
and a record without text; a gzip file cut in half; a zstd file cut in half; a
file of binary junk named .jsonl; one 50 MB record; empty .jsonl, .jsonl.gz and
.txt files; a folder of .txt files (good, Latin-1 bytes, binary, empty); a
corrupt .parquet file; and a file of an unknown format. (Damaged WARC files are
covered by ``bench/scan_warc.py`` and the tests.)
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpora import wikinews
from machine import machine
from unspin.text import leading_sentences

BIG_BYTES = 50 * 1000 * 1000


def line(doc_id: str, text: str) -> bytes:
    return (json.dumps({"id": doc_id, "text": text}) + "\n").encode()


def build(root: Path, texts: list[str]) -> tuple[list[Path], Counter[str], int]:
    """Write the test set; returns the inputs, the expected error codes (counted) and good documents."""
    rng = random.Random(7)
    expected: Counter[str] = Counter()
    good = 0
    inputs: list[Path] = []

    def add(name: str, data: bytes) -> Path:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        inputs.append(path)
        return path

    add("good.jsonl", b"".join(line(f"good{k}", t) for k, t in enumerate(texts[:20])))
    good += 20
    add("mixed.jsonl", line("m0", texts[20]) + b'{"id": "m1", "text": "unterminated\n'
        + b'{"id": "m2", "text": "bad \xff\xfe utf-8"}\n' + b'["a", "list"]\n' + b'{"id": "m4"}\n'
        + line("m5", texts[21]))
    good += 2
    expected.update({"invalid_json": 3, "missing_text": 1})
    whole = gzip.compress(b"".join(line(f"gz{k}", texts[k % 40]) for k in range(200)))
    add("truncated.jsonl.gz", whole[: len(whole) // 2])
    expected["truncated"] += 1  # plus however many lines were whole before the cut (counted below)
    try:
        import zstandard

        body = b"".join(line(f"zst{k}", texts[k % 40]) for k in range(200))
        zwhole = zstandard.ZstdCompressor().compress(body)
        add("truncated.jsonl.zst", zwhole[: len(zwhole) // 2])
        expected["truncated"] += 1
    except ImportError:
        print("zstandard missing: the .zst file is left out", file=sys.stderr)
    junk = bytes(rng.getrandbits(8) for _ in range(200_000))
    add("junk.jsonl", junk)
    expected["invalid_json"] += sum(1 for piece in junk.split(b"\n") if piece.strip())  # one per "line"
    add("huge.jsonl", line("huge", "word " * (BIG_BYTES // 5)))
    expected["too_large"] += 1
    add("empty.jsonl", b"")
    add("empty.jsonl.gz", b"")
    folder = root / "texts"
    files = {"a.txt": texts[22].encode(), "latin1.txt": "Caf\xe9 cr\xe8me, na\xefve.".encode("latin-1"),
             "binary.txt": bytes(range(256)) * 10, "empty.txt": b""}
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    inputs.append(folder)
    good += 1
    expected.update({"bad_encoding": 1, "binary_input": 1, "empty_input": 1})
    add("corrupt.parquet", b"PAR1" + bytes(rng.getrandbits(8) for _ in range(5000)))
    add("notes.xyz", b"what format is this?")
    expected["bad_input"] += 2  # one record for each of these two unreadable files
    return inputs, expected, good


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--keep", type=Path, default=None, help="build the set here and keep it")
    args = ap.parse_args()
    texts = [leading_sentences(d["text"], 300) for d in wikinews(60)][:45]
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        inputs, expected, good = build(root / "set", texts)
        out = root / "out.jsonl"
        t0 = time.perf_counter()
        run = subprocess.run([sys.executable, "-m", "unspin", "scan", *map(str, inputs), "--out", str(out),
                              "--workers", str(args.workers), "--shard-size", "10"],
                             capture_output=True, text=True, check=False)
        wall = time.perf_counter() - t0
        records = [json.loads(x) for x in out.read_text().splitlines()] if out.exists() else []
    got = Counter(r["error"] for r in records if r["error"])
    analysed = [r for r in records if not r["error"]]
    # Lines before the cut of a truncated stream are good documents; count them from the output.
    partial = sum(1 for r in analysed if r["id"].startswith(("gz", "zst")))
    unaccounted = {code: n - got.get(code, 0) for code, n in expected.items() if got.get(code, 0) != n}
    extra = {code: n for code, n in got.items() if code not in expected and code != "not_english"}
    result = {
        "machine": machine(),
        "exit_code": run.returncode, "seconds": round(wall, 1), "records": len(records),
        "good_documents_expected": good, "good_documents_analysed": len(analysed) - partial,
        "lines_read_before_a_cut": partial, "errors_by_code": dict(sorted(got.items())),
        "expected_errors_by_code": dict(sorted(expected.items())),
        "unaccounted": unaccounted, "unexpected": extra, "summary_line": run.stderr.strip().splitlines()[-1:],
    }
    print(json.dumps(result, indent=2))
    ok = run.returncode == 0 and not unaccounted and not extra and len(analysed) - partial == good
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
