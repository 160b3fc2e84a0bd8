"""HTTP API benchmark: latency for a 1,000-word document, and throughput with concurrent clients.

    python bench/serve.py [--requests 30] [--clients 20] [--per-client 3] [--workers 2]

Starts `unspin serve` as a subprocess on a free local port, waits for
/v1/health, then (after one warm-up request per worker) times sequential
/v1/analyze requests on Wikinews articles cut at about 1,000 words and
spun at 20% (a different one for each request), and then ``--clients`` threads each sending ``--per-client``
requests at once. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpora import wikinews
from quality import THESAURI
from unspin.spinner import spin
from unspin.text import leading_sentences


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=30)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--per-client", type=int, default=3)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    args = ap.parse_args()
    # A different document for every request, so no answer comes from a warm memo.
    n_docs = args.workers + args.requests + args.clients * args.per_client
    long_ones = (d["text"] for d in wikinews() if len(d["text"].split()) >= 1000)
    thesaurus = THESAURI["stylish"]()
    texts = [spin(leading_sentences(t, 1000), thesaurus, rate=0.2, seed=k).text
             for k, t in zip(range(n_docs), long_ones, strict=False)]
    texts = [texts[k % len(texts)] for k in range(n_docs)]
    queue = iter(texts)
    port = free_port()
    cmd = [sys.executable, "-c", "from unspin.cli import main; main()", "serve", "--port", str(port),
           "--workers", str(args.workers), "--time-limit", "300"]
    server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=300) as c:
            for _ in range(300):
                try:
                    if c.get("/v1/health").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            for _ in range(args.workers):  # each worker loads its engine on its first request
                c.post("/v1/analyze", json={"text": next(queue)}).raise_for_status()
            latencies = []
            for _ in range(args.requests):
                body = {"text": next(queue)}
                t0 = time.perf_counter()
                c.post("/v1/analyze", json=body).raise_for_status()
                latencies.append(time.perf_counter() - t0)

        batches = [[next(queue) for _ in range(args.per_client)] for _ in range(args.clients)]

        def client_run(k: int) -> list[int]:
            with httpx.Client(base_url=base, timeout=300) as c:
                return [c.post("/v1/analyze", json={"text": t}).status_code for t in batches[k]]

        t0 = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            codes = [code for batch in pool.map(client_run, range(args.clients)) for code in batch]
        wall = time.perf_counter() - t0
    finally:
        server.terminate()
        server.wait(timeout=30)
    latencies.sort()
    print(json.dumps({
        "cpus": os.cpu_count(), "workers": args.workers, "documents": len(set(texts)),
        "mean_words": round(statistics.mean(len(t.split()) for t in texts)),
        "sequential": {"requests": len(latencies), "p50_s": round(statistics.median(latencies), 3),
                       "p99_s": round(latencies[int(0.99 * (len(latencies) - 1))], 3)},
        "concurrent": {"clients": args.clients, "requests": len(codes), "seconds": round(wall, 1),
                       "requests_per_second": round(len(codes) / wall, 2),
                       "errors": sum(code != 200 for code in codes)},
    }, indent=2))


if __name__ == "__main__":
    main()
