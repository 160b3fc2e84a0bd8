"""HTML-to-text speed of the two extractors that ``unspin scan --html-extractor`` offers.

    python bench/html_extract.py [--pages 200]

Wikinews articles wrapped in a simple news page (title, inline script, navigation, article,
footer); each extractor turns every page into text once. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from html import escape
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpora import wikinews
from machine import machine
from unspin.documents import HTML_EXTRACTORS, html_to_text


def page(title: str, text: str) -> bytes:
    body = "".join(f"<p>{escape(p)}</p>" for p in text.split("\n") if p.strip())
    return (f"<html><head><title>{escape(title)}</title><script>var a=1;</script></head><body>"
            f"<nav><a href='/'>Home</a> <a href='/world'>World</a></nav><article><h1>{escape(title)}</h1>"
            f"{body}</article><footer>(c) News</footer></body></html>").encode()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=200)
    args = ap.parse_args()
    pages = [page(d["title"], d["text"]) for d in wikinews(args.pages)]
    runs = {}
    for extractor in HTML_EXTRACTORS:
        t0 = time.perf_counter()
        chars = sum(len(html_to_text(p, extractor)) for p in pages)
        wall = time.perf_counter() - t0
        runs[extractor] = {"pages_per_second": round(len(pages) / wall), "characters_out": chars}
    print(json.dumps({"machine": machine(),
                      "pages": len(pages), "runs": runs}, indent=2))


if __name__ == "__main__":
    main()
