"""Scan benchmark on a crawl-like WARC file of at least 1 GB: wall time and peak memory of the whole job.

    python bench/scan_warc.py [--size 1050000000] [--pages 2000] [--workers 2] [--dir /tmp] [--keep]

The scanner analyses a few HTML pages per second per core, so a gigabyte of
HTML alone would take many hours. The file imitates a crawl instead, where
most bytes are responses the scanner must read past without analysing:

- every capture is a request, a response and a metadata record, each record
  its own gzip member, as Common Crawl writes them;
- most bytes are media (JPEG, PNG, WebP, PDF, MP4, WOFF2 as random bytes,
  which do not compress, like real media) and scripts, stylesheets and JSON
  (generated text); the scanner counts these as skipped (``not_html``);
- ``--pages`` news pages, spread evenly through the file: a Wikinews article
  (at least 300 words, cut at about 500), every fourth spun at 20% with the
  stylish-plagiarism thesaurus, inside the boilerplate of a news site (head,
  inline scripts and styles, navigation, related links, footer, cookie
  banner);
- one small HTML response (a redirect or a "not found" page, little or no
  main text) per ten news pages;
- three pages of 8 to 9 MB, mostly inline data, under the scanner's 10 MB
  limit (read and extracted), and four of 20 to 50 MB over it (refused as
  ``too_large`` without being read).

``unspin scan FILE --out OUT --workers N`` runs as a subprocess. The resident
memory of its process tree is sampled: the sum of RSS every 0.2 s (it counts
twice the pages that forked workers share with the parent) and the sum of PSS
(which shares them out) every 2 s. The kernel's maximum RSS of the largest
process is given too, as sampling can miss a short peak, and the CPU time of
the whole job. Needs the ``warc`` and ``bench`` extras. Prints one JSON
object; the WARC file is deleted unless ``--keep`` is given.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import html
import io
import json
import math
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any, BinaryIO

import psutil
from fastwarc.warc import WarcRecord, WarcRecordType

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpora import wikinews
from machine import machine
from quality import THESAURI
from unspin.spinner import spin
from unspin.text import leading_sentences, sentences, tokenize

SITE = "https://news.example.org"
#: Every fourth news page is spun (the ones whose number leaves 3 when divided by 4).
SPUN_EVERY = 4
SECTIONS = ("World", "Politics", "Business", "Economy", "Science", "Technology", "Health", "Sport",
            "Culture", "Opinion", "Weather", "Local", "Video", "Podcasts", "Newsletters")
#: Non-HTML responses: (kind, MIME type, binary?, median bytes, spread of log size, largest, weight).
MEDIA = (
    ("jpeg", "image/jpeg", True, 90_000, 1.0, 8_000_000, 30),
    ("png", "image/png", True, 40_000, 1.1, 6_000_000, 12),
    ("webp", "image/webp", True, 50_000, 0.9, 4_000_000, 10),
    ("pdf", "application/pdf", True, 700_000, 1.0, 30_000_000, 6),
    ("mp4", "video/mp4", True, 6_000_000, 0.8, 40_000_000, 1),
    ("woff2", "font/woff2", True, 40_000, 0.5, 400_000, 3),
    ("js", "application/javascript", False, 60_000, 1.2, 3_000_000, 18),
    ("css", "text/css", False, 30_000, 1.0, 1_000_000, 10),
    ("json", "application/json", False, 4_000, 1.3, 2_000_000, 10),
)
_JS = ("function {a}({b}){{return {b}.map(function(x){{return x*{n}}})}}",
       "var {a}=document.querySelectorAll('.{b}');", "if({a}&&{a}.length>{n}){{{b}({a})}}",
       "window.dataLayer=window.dataLayer||[];dataLayer.push({{'{a}':{n}}});",
       "{a}.addEventListener('click',function(e){{e.preventDefault();{b}()}});")
_CSS = (".{a}{{margin:0 {n}px;padding:{n}px}}", "#{a} .{b}{{color:#{h};font-size:{n}px}}",
        "@media (max-width:{n}px){{.{a}{{display:none}}}}", ".{a}:hover{{background:#{h}}}")


class Writer:
    """Appends WARC records to a file, each record its own gzip member; counts records and bytes."""

    def __init__(self, fh: BinaryIO, seed: int) -> None:
        self.fh = fh
        # Record ids and dates from the seed: they go through gzip, and the compressed sizes decide
        # where the HTML pages fall, so random ones would make every file a little different.
        self.ids = random.Random(seed)
        self.bytes = 0
        self.records: Counter[str] = Counter()

    def record(self, kind: str, rtype: WarcRecordType, uri: str, content_type: str, block: bytes) -> None:
        rec = WarcRecord()
        rec.init_headers(record_type=rtype,
                         record_urn=uuid.UUID(int=self.ids.getrandbits(128), version=4).urn[4:].encode())
        rec.headers["WARC-Date"] = "2026-12-01T00:00:00Z"
        rec.headers["WARC-Target-URI"] = uri
        rec.headers["Content-Type"] = content_type
        rec.set_bytes_content(block)
        buf = io.BytesIO()
        rec.write(buf)
        data = gzip.compress(buf.getvalue(), compresslevel=6, mtime=0)
        self.fh.write(data)
        self.bytes += len(data)
        self.records[kind] += 1

    def capture(self, kind: str, uri: str, status: str, mime: str, body: bytes) -> None:
        """A request, its response and the crawler's metadata record."""
        host = uri.split("/")[2]
        path = "/" + uri.split("/", 3)[3] if uri.count("/") >= 3 else "/"
        request = (f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: bench-crawler/1.0\r\n"
                   "Accept: */*\r\nAccept-Encoding: identity\r\n\r\n").encode()
        self.record("request", WarcRecordType.request, uri, "application/http; msgtype=request", request)
        head = (f"HTTP/1.1 {status}\r\nContent-Type: {mime}\r\nContent-Length: {len(body)}\r\n"
                "Server: nginx\r\nCache-Control: max-age=600\r\n\r\n").encode()
        self.record(kind, WarcRecordType.response, uri, "application/http; msgtype=response", head + body)
        meta = f"fetchTimeMs: {len(body) % 900 + 40}\r\ncharset-detected: UTF-8\r\n".encode()
        self.record("metadata", WarcRecordType.metadata, uri, "application/warc-fields", meta)


def _size(rng: random.Random, median: int, spread: float, largest: int) -> int:
    return max(200, min(largest, int(rng.lognormvariate(math.log(median), spread))))


def _code_text(rng: random.Random, patterns: tuple[str, ...], n: int) -> bytes:
    """Generated script or stylesheet text of about ``n`` bytes: compresses like the real thing."""
    names = [f"{rng.choice('abcdefghjkmnpqrstuvwxyz')}{rng.randrange(1000)}" for _ in range(300)]
    out: list[str] = []
    size = 0
    while size < n:
        s = rng.choice(patterns).format(a=rng.choice(names), b=rng.choice(names), n=rng.randrange(2, 999),
                                        h=f"{rng.randrange(16**6):06x}")
        out.append(s)
        size += len(s)
    return "\n".join(out).encode()


def _media(rng: random.Random, w: Writer, k: int) -> None:
    kind, mime, binary, median, spread, largest, _ = rng.choices(MEDIA, weights=[m[-1] for m in MEDIA])[0]
    n = _size(rng, median, spread, largest)
    if binary:
        body = rng.randbytes(n)
    else:
        body = _code_text(rng, _JS if kind == "js" else _CSS, n) if kind != "json" else \
            json.dumps([{"id": i, "v": rng.random()} for i in range(n // 30)]).encode()
    w.capture(kind, f"https://cdn{k % 4}.example.net/assets/{k:07d}.{kind}", "200 OK", mime, body)


def _paragraphs(text: str) -> list[str]:
    tokens = tokenize(text)
    sents = [text[tokens[lo].start : tokens[hi - 1].end] for lo, hi in sentences(tokens) if hi > lo]
    return [" ".join(sents[i : i + 3]) for i in range(0, len(sents), 3)]


def news_page(rng: random.Random, title: str, text: str, related: list[str], inline: bytes = b"") -> bytes:
    """One article page with the boilerplate of a news site around it (``inline``: extra script data)."""
    nav = "".join(f'<li><a href="/{s.lower()}">{s}</a></li>' for s in SECTIONS)
    rel = "".join(f'<li><a href="/story/{rng.randrange(10**6)}">{html.escape(t)}</a></li>' for t in related)
    body = "".join(f"<p>{html.escape(p)}</p>\n" for p in _paragraphs(text))
    script = _code_text(rng, _JS, rng.randrange(4_000, 40_000)).decode()
    style = _code_text(rng, _CSS, rng.randrange(2_000, 15_000)).decode()
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)} | Example News</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="description" content="{html.escape(text[:150])}">
<link rel="stylesheet" href="https://cdn0.example.net/assets/site.css"><style>{style}</style>
<script type="application/ld+json">{{"@type": "NewsArticle", "headline": {json.dumps(title)}}}</script>
<script>{script}</script></head>
<body><div class="cookie-banner">We use cookies to improve your experience. <button>Accept all</button>
<button>Manage settings</button></div>
<header><a class="logo" href="/">Example News</a><nav><ul>{nav}</ul></nav>
<form action="/search"><input name="q" placeholder="Search"></form></header>
<main><article><h1>{html.escape(title)}</h1><p class="byline">By staff reporters. Updated 12 minutes ago.</p>
{body}</article>
<aside><h2>Related stories</h2><ul>{rel}</ul><h2>Most read</h2><ol>{rel}</ol></aside></main>
<footer><ul>{nav}</ul><p>&copy; 2026 Example News Ltd. All rights reserved. Terms of use. Privacy policy.
Contact us. Advertise with us.</p></footer>
<script>{inline.decode("ascii")}</script></body></html>
"""
    return page.encode("utf-8")


def small_page(rng: random.Random) -> tuple[str, bytes]:
    """A redirect or a "not found" page: HTML with little or no main text."""
    if rng.random() < 0.5:
        return "301 Moved Permanently", b"<html><head><title>301 Moved Permanently</title></head><body>" \
            b"<center><h1>301 Moved Permanently</h1></center><hr><center>nginx</center></body></html>"
    nav = "".join(f'<li><a href="/{s.lower()}">{s}</a></li>' for s in SECTIONS)
    return "404 Not Found", (f"<!DOCTYPE html><html><head><title>Page not found</title></head><body><nav><ul>"
                             f"{nav}</ul></nav><main><h1>Sorry, we could not find that page.</h1><p>It may "
                             "have been moved or deleted. Try the search box or go back to the home page."
                             "</p></main></body></html>").encode()


def build(path: Path, size: int, pages: int, seed: int) -> dict[str, Any]:
    """Write the crawl-like WARC file; its composition."""
    rng = random.Random(seed)
    thesaurus = THESAURI["stylish"]()
    articles = [(d["title"], leading_sentences(d["text"], 500)) for d in wikinews()
                if len(d["text"].split()) >= 300][:pages]
    if len(articles) < pages:
        raise SystemExit(f"only {len(articles)} Wikinews articles have 300 words or more")
    titles = [t for t, _ in articles]
    # Every HTML response, in the order it goes into the file.
    plan: list[tuple[str, Any]] = [("page", k) for k in range(pages)]
    plan += [("small", None)] * (pages // 10)
    plan += [("heavy", n) for n in (8_000_000, 8_500_000, 9_000_000)]
    plan += [("giant", n) for n in (20_000_000, 30_000_000, 40_000_000, 50_000_000)]
    rng.shuffle(plan)
    spun_pages = words = 0
    media = 0
    with open(path, "wb") as fh:
        w = Writer(fh, seed)
        info = b"software: unspin bench/scan_warc.py\r\nformat: WARC File Format 1.1\r\n"
        w.record("warcinfo", WarcRecordType.warcinfo, "", "application/warc-fields", info)
        for i, (kind, arg) in enumerate(plan):
            # Media up to this HTML response's share of the file, so the pages are spread through it.
            while w.bytes < size * (i + 1) / (len(plan) + 1):
                _media(rng, w, media)
                media += 1
            if kind == "page":
                title, text = articles[arg]
                if arg % SPUN_EVERY == SPUN_EVERY - 1:
                    text = spin(text, thesaurus, rate=0.2, seed=arg).text
                    spun_pages += 1
                words += len(text.split())
                body = news_page(rng, title, text, rng.sample(titles, min(8, pages)))
                w.capture("html_page", f"{SITE}/story/{arg:06d}", "200 OK", "text/html; charset=utf-8", body)
            elif kind == "small":
                status, body = small_page(rng)
                w.capture("html_small", f"{SITE}/old/{rng.randrange(10**7)}", status, "text/html", body)
            else:
                # Inline data (an embedded image or a serialised app state): base64 of random bytes.
                data = rng.randbytes(arg * 3 // 4)
                title, text = articles[rng.randrange(pages)]
                inline = b'window.__STATE__="' + base64.b64encode(data) + b'";'
                body = news_page(rng, title, text, rng.sample(titles, min(8, pages)), inline)
                w.capture(f"html_{kind}", f"{SITE}/live/{arg}", "200 OK", "text/html; charset=utf-8", body)
        while w.bytes < size:
            _media(rng, w, media)
            media += 1
    return {"bytes": path.stat().st_size, "records": dict(sorted(w.records.items())),
            "news_pages": pages, "spun_pages": spun_pages,
            "mean_words_per_page": round(words / pages)}


def verdicts(out: Path) -> dict[str, dict[str, int]]:
    """Documents and flagged documents of each kind of page, from the scan's output."""
    kinds: dict[str, Counter[str]] = {}
    with open(out, encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            folder, _, name = r["id"].removeprefix(SITE + "/").partition("/")
            kind = {"story": "news_page", "old": "small_page", "live": "heavy_or_giant_page"}[folder]
            if kind == "news_page":
                kind += "_spun" if int(name) % SPUN_EVERY == SPUN_EVERY - 1 else "_unspun"
            c = kinds.setdefault(kind, Counter())
            c["documents"] += 1
            c["flagged"] += bool(r["is_spun"])
            c["errors"] += bool(r["error"])
    return {k: dict(v) for k, v in sorted(kinds.items())}


def _tree(root: psutil.Process) -> list[psutil.Process]:
    try:
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def run_scan(warc: Path, out: Path, workers: int, screen: bool = False) -> dict[str, Any]:
    """Run ``unspin scan`` as a subprocess and sample its process tree's memory every 0.2 s."""
    cmd = [sys.executable, "-c", "from unspin.cli import main; main()", "scan", str(warc),
           "--out", str(out), "--workers", str(workers), *(["--screen"] if screen else [])]
    log = out.with_name("scan.log")
    peak_rss = peak_pss = 0
    per_process: dict[int, int] = {}
    timeline: list[tuple[float, int]] = []
    t0 = time.perf_counter()
    with open(log, "w") as err:
        proc = subprocess.Popen(cmd, stdout=err, stderr=subprocess.STDOUT)
        root = psutil.Process(proc.pid)
        samples = 0
        while proc.poll() is None:
            # RSS is cheap to read; PSS makes the kernel walk every page (a tenth of a core at 0.2 s
            # taken from the scan), so it is read every 2 s only.
            with_pss = samples % 10 == 0
            samples += 1
            rss = pss = 0
            for p in _tree(root):
                try:
                    mem = p.memory_full_info() if with_pss else p.memory_info()
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    continue
                rss += mem.rss
                pss += mem.pss if with_pss else 0
                per_process[p.pid] = max(per_process.get(p.pid, 0), mem.rss)
            peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
            if not timeline or time.perf_counter() - t0 - timeline[-1][0] >= 60:
                timeline.append((round(time.perf_counter() - t0), round(rss / 2**20)))
            time.sleep(0.2)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"unspin scan failed ({proc.returncode}); see {log}:\n{log.read_text()[-2000:]}")
    manifest = json.loads(out.with_name(out.name + ".manifest.json").read_text())
    # Both cover every descendant that has been waited for; ru_maxrss is in KiB on Linux.
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "command": " ".join(["unspin", *cmd[3:]]),
        "wall_seconds": round(wall, 1),
        "documents": manifest["documents"], "flagged": manifest["flagged"], "errors": manifest["errors"],
        "errors_by_code": manifest["errors_by_code"], "skipped_not_html": manifest["skipped"],
        "written": manifest["written"], "docs_per_second": round(manifest["documents"] / wall, 2),
        "output_bytes": out.stat().st_size,
        "peak_rss_mib_tree_sum": round(peak_rss / 2**20),
        "peak_pss_mib_tree_sum": round(peak_pss / 2**20),
        "peak_rss_mib_per_process": sorted((round(v / 2**20) for v in per_process.values()), reverse=True),
        "largest_process_max_rss_mib_kernel": round(usage.ru_maxrss / 1024),
        # CPU time does not depend on what else the machine was running, unlike the wall time.
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
        "rss_mib_tree_sum_each_minute": timeline,
        "by_kind_of_page": verdicts(out),
        "summary_line": log.read_text().strip().splitlines()[-1],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=1_050_000_000, help="bytes of WARC on disk, at least")
    ap.add_argument("--pages", type=int, default=2000, help="news pages (HTML documents to analyse)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--dir", default=tempfile.gettempdir(), help="where the WARC and the output go")
    ap.add_argument("--keep", action="store_true", help="keep the WARC file and the scan output")
    ap.add_argument("--screen", action="store_true", help="scan with the fast screen in front")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="unspin-warc-", dir=args.dir))
    warc = tmp / "crawl.warc.gz"
    try:
        t0 = time.perf_counter()
        composition = build(warc, args.size, args.pages, args.seed)
        composition["build_seconds"] = round(time.perf_counter() - t0, 1)
        load_before = os.getloadavg()
        scan = run_scan(warc, tmp / "out.jsonl", args.workers, args.screen)
        result = {
            "machine": {**machine(),
                        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
                        "load_average_1min_before_and_after": [round(load_before[0], 2),
                                                               round(os.getloadavg()[0], 2)]},
            "warc": {"path": str(warc), **composition}, "scan": scan,
        }
        print(json.dumps(result, indent=2))
    finally:
        if not args.keep:
            shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
