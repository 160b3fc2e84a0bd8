"""Speed benchmark: analysis throughput, CLI start-up, lexicon build and peak memory.

    python bench/speed.py [--docs 100] [--build]
    python bench/speed.py --deep --docs 50     # deep mode, on every core (PyTorch's threads)
    python bench/speed.py --thorough --docs 50 # deep mode reading more whole (unspin check --thorough)

Prints one JSON object:

* ``analysis``: words per second of ``Engine.analyze`` (detection and
  restoration), of the document score alone (no restoration, a third set
  of documents), and of the fast screen (``unspin.screen``) on a fourth set
  spun and a fifth unspun, each unseen, then the unspun set again, warm;
  Wikinews paragraphs (first ~200 words) spun at 20%. One set
  of documents warms the caches, then a second, different set is timed
  (``words_per_second``), then that set again
  (``words_per_second_words_seen_before``: every word's candidates are in
  memory, as for most words deep into a long scan). The
  analysis is single-threaded and the process is pinned to one CPU while it
  is timed, so the figure is per core; it runs as a scan worker does, with
  the worker's garbage-collector settings (``unspin.workers.settle_worker``;
  with ``--default-gc``, Python's, as in a program that calls the library).
* ``cli_startup``: wall time of ``unspin check <one-page file>`` as a fresh
  subprocess, after one untimed run (so the lexicon cache exists and the OS
  file cache is warm); median of 5.
* ``build`` (only with ``--build``): time and size of ``build_lexicon(force=True)``
  into a temporary directory, then of the channel's and the screen's word tables.
* ``stream`` (only with ``--stream N``): one process through N different
  Wikinews articles cut at about 500 words, every other spun; words/s and RSS
  after each block of 100, as a scan worker sees them (in deep mode with
  ``--deep``).
* ``memory``: peak resident set size (``ru_maxrss``) after loading the engine
  and after the analysis run.
* ``machine``: the date, platform, CPU model and the vector and matrix
  extensions that move the figures (deep mode's products run at less than
  half the speed without AMX).

With ``--deep`` the analysis is not pinned (the neural model runs on
PyTorch's threads, one per core), and ``model_load`` times loading the
neural model from its GGUF file with an empty cache and again from the cache.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpora import shared_data_dir, wikinews
from machine import machine
from unspin.spinner import spin
from unspin.text import leading_sentences, tokenize
from unspin.thesauri import load_thesaurus

STYLISH = shared_data_dir() / "thesaurus_stylish_plagiarism" / "thesaurus.tsv"


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (ru_maxrss is KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1e6 if sys.platform == "darwin" else 1e3), 1)




def paragraphs(n: int, max_words: int) -> list[str]:
    out = []
    for d in wikinews():
        text = leading_sentences(d["text"], max_words)
        if len(text.split()) >= 60:
            out.append(text)
        if len(out) >= n:
            break
    if len(out) < n:
        raise SystemExit(f"only {len(out)} usable Wikinews paragraphs, wanted {n}")
    return out


def n_words(text: str) -> int:
    return sum(1 for t in tokenize(text) if t.kind == "word")


def as_worker(pin: bool, settle_gc: bool) -> tuple[Callable[[], None], bool]:
    """Run this process as a scan worker runs; return what undoes it, and whether it is pinned.

    With ``pin``: pinned to one CPU it may run on, numpy's BLAS on one thread
    (BLAS threads started before the pin keep running on the other CPUs: the
    timed analysis used twice the CPU time it took in wall time; with one
    thread it runs as fast, and the figure is truly per core). With
    ``settle_gc``: the worker's garbage-collector settings
    (``unspin.workers.settle_worker``), after the engine is loaded.
    """
    undo: list[Callable[[], None]] = []
    if settle_gc:
        from unspin.workers import settle_worker

        thresholds = gc.get_threshold()
        settle_worker()
        undo += [gc.unfreeze, lambda: gc.set_threshold(*thresholds)]
    pinned = pin and hasattr(os, "sched_setaffinity")
    if pinned:
        from threadpoolctl import threadpool_limits

        old = os.sched_getaffinity(0)
        os.sched_setaffinity(0, {min(old)})
        limits = threadpool_limits(1, user_api="blas")
        undo += [limits.restore_original_limits, lambda: os.sched_setaffinity(0, old)]
    def restore() -> None:
        for f in reversed(undo):
            f()

    return restore, pinned


def bench_analysis(docs: int, max_words: int, thesaurus_spec: str, deep: bool = False,
                   settle_gc: bool = True, thorough: bool = False) -> dict:
    from unspin.pipeline import Engine

    thesaurus = load_thesaurus(thesaurus_spec)
    texts = paragraphs(5 * docs, max_words)
    spun = [spin(t, thesaurus, rate=0.2, seed=k).text for k, t in enumerate(texts)]
    warm, timed, score_only = spun[:docs], spun[docs : 2 * docs], spun[2 * docs : 3 * docs]
    # The screen gets texts nothing has seen yet: spun ones, and unspun originals.
    screen_spun, screen_clean = spun[3 * docs : 4 * docs], texts[4 * docs :]

    t0 = time.perf_counter()
    engine = Engine(deep=deep, thorough=thorough)
    load_s = time.perf_counter() - t0
    rss_loaded = peak_rss_mb()

    undo, pinned = as_worker(not deep, settle_gc)
    try:
        t0 = time.perf_counter()
        for text in warm:
            engine.analyze(text)
        warm_s = time.perf_counter() - t0

        words = sum(n_words(t) for t in timed)
        cpu0 = time.process_time()
        t0 = time.perf_counter()
        spans = 0
        for text in timed:
            spans += len(engine.analyze(text).spans)
        wall = time.perf_counter() - t0
        cpu = time.process_time() - cpu0

        # The same texts again: every word met before, as most words are deep into a long scan.
        t0 = time.perf_counter()
        for text in timed:
            engine.analyze(text)
        again_wall = time.perf_counter() - t0

        # Document score alone, without restoration (Viterbi), on unseen texts.
        t0 = time.perf_counter()
        for text in score_only:
            engine.score(text)
        score_wall = time.perf_counter() - t0

        screen = engine.screen
        screen_s = {}
        for name, group in (("spun", screen_spun), ("unspun", screen_clean)):
            t0 = time.perf_counter()
            for text in group:
                screen.score(tokenize(text))
            screen_s[name] = time.perf_counter() - t0
        # Warm now: a long scan meets mostly words it has seen.
        t0 = time.perf_counter()
        for text in screen_clean:
            screen.score(tokenize(text))
        screen_s["unspun, warm"] = time.perf_counter() - t0
    finally:
        undo()
    warm_words = sum(n_words(t) for t in warm)
    return {
        "thesaurus": str(thesaurus_spec),
        "rate": 0.2,
        "docs_timed": len(timed),
        "words_timed": words,
        "spans_found": spans,
        "engine_load_seconds": round(load_s, 3),
        "first_pass_words_per_second": round(warm_words / warm_s),
        "cores": len(os.sched_getaffinity(0)) if deep and hasattr(os, "sched_getaffinity") else 1,
        "words_per_second": round(words / wall),
        "words_per_second_words_seen_before": round(words / again_wall),
        "document_score_only_words_per_second": round(sum(n_words(t) for t in score_only) / score_wall),
        "screen_words_per_second": {
            name: round(sum(n_words(t) for t in (screen_spun if name == "spun" else screen_clean)) / secs)
            for name, secs in screen_s.items()},
        "words_per_cpu_second": round(words / cpu) if cpu > 0 else None,
        "ms_per_200_words": round(1000 * wall / words * 200, 1),
        "pinned_to_one_cpu": pinned,
        "worker_gc_settings": settle_gc,
        "memory": {"peak_rss_mb_after_engine_load": rss_loaded, "peak_rss_mb_after_analysis": peak_rss_mb()},
    }


def unspin_command() -> list[str]:
    script = Path(sys.executable).with_name("unspin")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from unspin.cli import main; main()"]


def bench_model_load() -> dict:
    """Neural model load time from the GGUF file with an empty cache, then from the cache."""
    from unspin.neural import NeuralScorer

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["UNSPIN_CACHE_DIR"] = tmp
        try:
            t0 = time.perf_counter()
            NeuralScorer()
            cold = time.perf_counter() - t0
            t0 = time.perf_counter()
            NeuralScorer()
            warm = time.perf_counter() - t0
            # The float16 entry and the memory-mapped bfloat16 layout beside it.
            cached = [p for p in Path(tmp).rglob("*") if p.suffix in (".npz", ".npy")]
            cache_mb = sum(p.stat().st_size for p in cached) / 1e6
        finally:
            del os.environ["UNSPIN_CACHE_DIR"]
    return {"from_gguf_seconds": round(cold, 2), "from_cache_seconds": round(warm, 2),
            "cache_mb": round(cache_mb, 1)}


def bench_cli(runs: int = 5, deep: bool = False, thorough: bool = False) -> dict:
    # One page: a Wikinews article cut at about 500 words.
    doc = next(d for d in wikinews() if len(d["text"].split()) >= 500)
    page = leading_sentences(doc["text"], 500)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "page.txt"
        path.write_text(page, encoding="utf-8")
        mode = ["--thorough"] if thorough else ["--deep"] if deep else []
        cmd = [*unspin_command(), "check", "--json", *mode, str(path)]
        first = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        first_s = time.perf_counter() - first
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
            times.append(time.perf_counter() - t0)
    return {
        "command": " ".join(["unspin check --json", *mode, "<page>"]),
        "page_words": n_words(page),
        "first_run_seconds": round(first_s, 3),
        "median_seconds": round(statistics.median(times), 3),
        "min_seconds": round(min(times), 3),
        "max_seconds": round(max(times), 3),
        "runs": runs,
    }


def bench_build() -> dict:
    """A full lexicon build, then the channel's and the screen's word tables, all into a temp cache."""
    from unspin.lexicon import Lexicon, build_lexicon
    from unspin.pipeline import Engine

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["UNSPIN_CACHE_DIR"] = tmp
        try:
            path = Path(tmp) / "lexicon.sqlite"
            t0 = time.perf_counter()
            info = build_lexicon(force=True, path=path)
            wall = time.perf_counter() - t0
            t0 = time.perf_counter()
            engine = Engine(lexicon=Lexicon(path))
            channel_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            engine.screen  # noqa: B018 - built for its side effect
            screen_s = time.perf_counter() - t0
            sizes = {p.name.split("-v")[0]: sum(f.stat().st_size for f in p.iterdir()) / 1e6
                     for p in Path(tmp).iterdir() if p.is_dir() and "table" in p.name}
        finally:
            del os.environ["UNSPIN_CACHE_DIR"]
    return {"seconds": round(wall, 1), "size_mb": round(info["size_bytes"] / 1e6, 1),
            "n_entries": info["n_entries"], "channel_table_seconds": round(channel_s, 1),
            "screen_table_seconds": round(screen_s, 1),
            "table_mb": {name: round(mb, 1) for name, mb in sorted(sizes.items())}}


def bench_stream(n: int, spec: str, block: int = 100, deep: bool = False, settle_gc: bool = True,
                 thorough: bool = False) -> dict:
    """One process through ``n`` different Wikinews articles cut at about 500 words, every other spun.

    Words per second and resident memory after each ``block`` of articles:
    what a scan worker sees, a vocabulary that keeps growing. Pinned to one
    CPU, except in deep mode (PyTorch's threads use every core).
    """
    from unspin.pipeline import Engine

    thesaurus = load_thesaurus(spec)
    texts = [t if k % 2 == 0 else spin(t, thesaurus, rate=0.2, seed=k).text
             for k, t in enumerate(paragraphs(n, 500))]
    engine = Engine(deep=deep, thorough=thorough)
    undo, _ = as_worker(not deep, settle_gc)
    blocks = []
    try:
        for lo in range(0, n, block):
            chunk = texts[lo : lo + block]
            t0 = time.perf_counter()
            for text in chunk:
                engine.analyze(text)
            wall = time.perf_counter() - t0
            rss = int(Path("/proc/self/status").read_text().split("VmRSS:")[1].split()[0]) // 1024
            words = sum(map(n_words, chunk))
            blocks.append({"articles": lo + len(chunk), "words_per_second": round(words / wall),
                           "rss_mb": rss})
    finally:
        undo()
    return {"articles": n, "mean_words": round(sum(map(n_words, texts)) / n), "blocks": blocks}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=100, help="documents per pass (warm-up and timed)")
    ap.add_argument("--max-words", type=int, default=200)
    ap.add_argument("--thesaurus", default=None,
                    help="thesaurus to spin with (default: the held-out stylish list, else moby)")
    ap.add_argument("--build", action="store_true", help="also time a full lexicon build into a temp dir")
    ap.add_argument("--cli-runs", type=int, default=5)
    ap.add_argument("--deep", action="store_true", help="benchmark deep mode (needs the deep extra)")
    ap.add_argument("--thorough", action="store_true",
                    help="benchmark deep mode reading more whole, as unspin check --thorough does")
    ap.add_argument("--stream", type=int, default=0,
                    help="also run one process through this many different articles (Linux)")
    ap.add_argument("--default-gc", action="store_true",
                    help="analyse with Python's garbage-collector settings, not a scan worker's")
    args = ap.parse_args()
    args.deep = args.deep or args.thorough
    spec = args.thesaurus or (str(STYLISH) if STYLISH.is_file() else "moby")

    result: dict = {"machine": machine(),
                    "mode": "thorough" if args.thorough else "deep" if args.deep else "fast"}
    if args.deep:
        result["model_load"] = bench_model_load()
    # The CLI runs first so the lexicon cache exists before anything is timed in-process.
    result["cli_startup"] = bench_cli(args.cli_runs, args.deep, args.thorough)
    analysis = bench_analysis(args.docs, args.max_words, spec, args.deep, not args.default_gc, args.thorough)
    result["memory"] = analysis.pop("memory")
    result["analysis"] = analysis
    if args.stream:
        result["stream"] = bench_stream(args.stream, spec, deep=args.deep, settle_gc=not args.default_gc,
                                        thorough=args.thorough)
    if args.build:
        result["build"] = bench_build()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
