"""Scan benchmark: documents per second with 1 and 2 worker processes on a realistic mix.

    python bench/scan.py [--docs 120] [--workers 1 2] [--ray]
    python bench/scan.py --docs 200 --workers 2 --spun-every 10 --screen   # a crawl-like mix, screened
    python bench/scan.py --docs 40 --deep      # deep mode: one worker on every core against one per core
    python bench/scan.py --docs 200 --workers 2 --spun-every 10 --deep-from 0.05   # the cascade

The mix: Wikinews articles cut at about 500 words, every other one (or
every ``--spun-every``-th) spun at 20% with the stylish-plagiarism
thesaurus, written as one JSONL file. ``--screen`` scans with the fast
screen in front and counts the documents it ruled out. Each
worker count scans the same file into a fresh output; the outputs are
checked to be identical. With ``--ray`` the same file is also scanned by the
Ray engine (a local Ray instance, usage stats off) with the largest worker
count, and its throughput is given relative to the local pool's. With
``--deep`` the scan runs in deep mode; a lone worker's PyTorch uses every core,
and a pool's workers share the cores out. With ``--deep-from`` it runs the cascade
(``unspin scan --deep-from``) and counts the documents deep mode read. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpora import wikinews
from machine import machine
from quality import THESAURI
from unspin.scan import ScanOptions, scan
from unspin.spinner import spin
from unspin.text import leading_sentences


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=120)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--ray", action="store_true", help="also run the Ray engine (needs the ray extra)")
    ap.add_argument("--spun-every", type=int, default=2, help="spin every N-th document (default: 2)")
    ap.add_argument("--screen", action="store_true", help="scan with the fast screen in front")
    ap.add_argument("--deep", action="store_true", help="scan in deep mode (needs the deep extra)")
    ap.add_argument("--deep-from", type=float, default=None, metavar="SCORE",
                    help="scan with the cascade: deep mode for the documents the fast analysis scores at "
                         "least this (needs the deep extra)")
    args = ap.parse_args()
    thesaurus = THESAURI["stylish"]()
    long_ones = (d["text"] for d in wikinews() if len(d["text"].split()) >= 500)
    texts = [leading_sentences(t, 500) for t in long_ones][: args.docs]
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "mix.jsonl"
        with open(src, "w", encoding="utf-8") as fh:
            for k, text in enumerate(texts):
                if k % args.spun_every == args.spun_every - 1:
                    text = spin(text, thesaurus, rate=0.2, seed=k).text
                fh.write(json.dumps({"id": f"doc{k}", "text": text}) + "\n")
        words = sum(len(t.split()) for t in texts)
        runs = {}
        outputs = []
        plan = [("local", n) for n in args.workers] + ([("ray", max(args.workers))] if args.ray else [])
        if args.ray:
            import ray

            os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
            ray.init(num_cpus=max(args.workers), include_dashboard=False, log_to_driver=False)
        for engine, n in plan:
            out = Path(tmp) / f"out-{engine}{n}.jsonl"
            t0 = time.perf_counter()
            options = ScanOptions(shard_size=10, screen=args.screen, deep=args.deep, deep_from=args.deep_from)
            summary = scan([src], out, options, workers=n, engine=engine)
            wall = time.perf_counter() - t0
            rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
            spun_ids = {f"doc{k}" for k in range(len(texts)) if k % args.spun_every == args.spun_every - 1}
            flagged_spun = sum(r["is_spun"] is True and r["id"] in spun_ids for r in rows)
            runs[f"{engine}-{n}"] = {"seconds": round(wall, 1),
                                     "docs_per_second": round(summary.documents / wall, 2),
                                     "words_per_second": round(words / wall), "flagged": summary.flagged,
                                     "flagged_spun": flagged_spun,
                                     "screened_out": sum(r["stage"] == "screen" for r in rows),
                                     "read_deep": (sum(r["stage"] == "full" for r in rows)
                                                   if args.deep_from is not None else None)}
            outputs.append(out.read_bytes())
    first = runs[f"local-{args.workers[0]}"]["docs_per_second"]
    print(json.dumps({
        "machine": machine(),
        "documents": len(texts), "spun": len(texts) // args.spun_every, "screen": args.screen,
        "deep": args.deep, "deep_from": args.deep_from,
        "mean_words": round(words / len(texts)),
        "runs": runs,
        "relative_to_one_local_worker": {k: round(r["docs_per_second"] / first, 2) for k, r in runs.items()},
        "identical_outputs": all(o == outputs[0] for o in outputs),
    }, indent=2))


if __name__ == "__main__":
    main()
