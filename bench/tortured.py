"""Tortured-phrase benchmark: the model beyond the list, false alarms, and screening speed.

    python bench/tortured.py                       # report on the held-out half, print JSON
    python bench/tortured.py --tune [--write]      # choose the model's settings on the tuning half
    python bench/tortured.py --deep [--tune [--write]]   # the same for deep mode (neural model)

Honest split, decided before looking at any result:
- The known list is split by *expected phrase* (hash of the cleaned expected
  term): entries of the tuning half choose the settings, entries of the
  held-out half are reported. The model's learned channel (word-by-word swaps)
  and its extra terms come from the tuning half only. The n-gram table stays
  whole: it was counted from clean arXiv abstracts of the build half (see
  ``bench/science_terms.py``), not from the list, so a held-out expected phrase
  is in it only as far as scientists write it. Within the tuning half, the
  weights are cross-fitted on two folds so that they see phrases whose swaps the
  channel has not learned, as held-out phrases will be.
- Clean abstracts are split too: arXiv abstracts whose id hashes to 1 mod 4
  are the tuning pool, those at 3 mod 4 and every non-arXiv abstract
  (MEDLINE, communication journals, Web of Science) the reporting pool.
  Neither was counted into the table (that used the even half).
- Each held-out entry is embedded in a clean sentence of its pool that
  contains its expected phrase (the phrase replaced by the tortured one,
  first letter's case kept); entries whose expected phrase no pool sentence
  contains go into one of a few neutral scientific frame sentences, and the
  two kinds are reported apart.

Figures: phrase-level recall and precision (a flagged span overlapping the
inserted phrase is a hit; any other flagged span in those sentences a false
alarm), the share of hits restored exactly (span and term both the inserted
phrase's) and the share after which the sentence reads as its original (the
changed words restored, unchanged ones such as a leading "variable" left out of
the span), flagged phrases per 1,000 clean
abstracts (list and model apart), known-list screening speed, and the time of
a whole-paper report for a 10-page PDF.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import subprocess
import sys
import tempfile
import time
import zlib
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpora import pool_of, science_abstracts, tortured_list_csv
from machine import machine
from unspin.documents import Document
from unspin.neural import NeuralScorer, default_neural_scorer
from unspin.paper import screen_paper
from unspin.phrase_match import Words, stem
from unspin.result import apply_spans
from unspin.tortured_deep import Weighed, find_deep, kept, weigh
from unspin.tortured_list import Entry, builtin_list
from unspin.tortured_model import (
    FEATURES,
    PhraseModel,
    PhraseParams,
    _term_shaped,
    load_params,
    model_from_entries,
    params_dict,
)

FRAMES = ("In this study, the {} is examined in detail.",
          "We propose a new approach based on the {} and evaluate it on two data sets.",
          "Results show that the {} plays an important role in the overall performance.",
          "The {} was measured for each sample under the same conditions.")
_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
PARAMS_OUT = Path(__file__).resolve().parent.parent / "src" / "unspin" / "data" / "params_tortured.json"


def half(entry: Entry) -> str:
    """``tune`` or ``test``, fixed by the entry's cleaned expected phrase."""
    return "tune" if zlib.crc32(entry.expected_term.lower().encode()) % 2 == 0 else "test"


def embed(entries: list[Entry], sentences: list[str]) -> list[dict]:
    """One case per usable entry: a clean sentence with the expected phrase swapped for the tortured one."""
    by_phrase: dict[str, str] = {}
    wanted = {e.expected_term.lower() for e in entries}
    pattern = re.compile(r"\b(" + "|".join(re.escape(w) for w in sorted(wanted, key=len, reverse=True))
                         + r")\b", re.IGNORECASE)
    for s in sentences:
        for m in pattern.finditer(s):
            by_phrase.setdefault(m.group().lower(), s)
    cases, seen = [], set()
    for k, e in enumerate(entries):
        term, tortured = e.expected_term, e.tortured
        if term.lower() in seen or not Words.of(tortured).lowers:
            continue
        seen.add(term.lower())
        carrier = by_phrase.get(term.lower())
        if carrier:
            m = re.search(r"\b" + re.escape(term) + r"\b", carrier, re.IGNORECASE)
            assert m is not None
            found = m.group()
            put = tortured[:1].upper() + tortured[1:] if found[:1].isupper() else tortured
            text = carrier[:m.start()] + put + carrier[m.end():]
            cases.append({"text": text, "start": m.start(), "end": m.start() + len(put),
                          "expected": term, "natural": True})
        else:
            frame = FRAMES[k % len(FRAMES)]
            at = frame.index("{}")
            cases.append({"text": frame.format(tortured), "start": at, "end": at + len(tortured),
                          "expected": term, "natural": False})
    return cases


def same_term(a: str, b: str) -> bool:
    """Equal up to case and regular inflection ("neural networks" is "neural network")."""
    return Words.of(a).stems == Words.of(b).stems


def reads_as_original(case: dict, spans: list) -> bool:
    """Whether the case's sentence, with ``spans`` restored and all else left, is its original
    (the expected phrase in place of the tortured one), up to case and regular inflection.

    A hit on "variable attractive field" that restores "attractive field" to "magnetic field"
    gives "variable magnetic field" back, though its span is not the whole phrase.
    """
    original = case["text"][: case["start"]] + case["expected"] + case["text"][case["end"]:]
    return Words.of(apply_spans(case["text"], spans)).stems == Words.of(original).stems


def evaluate(model: PhraseModel, cases: list[dict], clean: list[str],
             scorer: NeuralScorer | None = None) -> dict:
    """Recall, precision and exact restoration on the cases; false alarms per 1,000 clean abstracts
    (deep mode's findings with a neural ``scorer``)."""
    def find(text: str) -> list:
        found = find_deep(model, text, scorer) if scorer is not None else model.find(text)
        return [s for s, _ in found]

    return measure(cases, [find(c["text"]) for c in cases], sum(len(find(t)) for t in clean), len(clean))


def measure(cases: list[dict], found: list[list], clean_flags: int, n_clean: int) -> dict:
    """The figures of :func:`evaluate`, from the spans found in each case and the count flagged in
    ``n_clean`` clean abstracts."""
    hits = exact = as_original = false = 0
    by_kind = {True: [0, 0], False: [0, 0]}
    for c, spans in zip(cases, found, strict=True):
        hit = [s for s in spans if s.start < c["end"] and c["start"] < s.end]
        false += len(spans) - len(hit)
        by_kind[c["natural"]][1] += 1
        if hit:
            hits += 1
            by_kind[c["natural"]][0] += 1
            s = hit[0]
            exact += (s.start, s.end) == (c["start"], c["end"]) and same_term(s.original or "", c["expected"])
            as_original += reads_as_original(c, hit)
    return {
        "cases": len(cases), "recall": round(hits / max(1, len(cases)), 4),
        "precision": round(hits / max(1, hits + false), 4),
        "restored_exactly_of_hits": round(exact / max(1, hits), 4),
        "sentence_restored_of_hits": round(as_original / max(1, hits), 4),
        "recall_natural_context": round(by_kind[True][0] / max(1, by_kind[True][1]), 4),
        "cases_natural_context": by_kind[True][1],
        "recall_frame_sentence": round(by_kind[False][0] / max(1, by_kind[False][1]), 4),
        "model_flags_per_1000_clean_abstracts": round(1000 * clean_flags / max(1, n_clean), 2),
    }


def build_model(entries: list[Entry], params: PhraseParams) -> PhraseModel:
    """The model as the product builds it, but from ``entries`` only: no held-out phrase or swap in it.

    The n-gram table stays whole: it was counted from clean abstracts, not from the list, so a
    held-out expected phrase is in it only as far as scientists write it.
    """
    return model_from_entries(entries, params)


def window_rows(model: PhraseModel, text: str,
                target: tuple[int, int, str] | None) -> list[tuple[list[float], bool]]:
    """Every reading of every term-shaped window, labelled: is it the inserted phrase read right?"""
    words = Words.of(text)
    rows = []
    want = tuple(stem(w) for w in Words.of(target[2]).lowers) if target else None
    for i in range(len(words)):
        for n in (3, 2):
            gram = words.lowers[i:i + n]
            if len(gram) < n or not _term_shaped(gram, text, words, i):
                continue
            start, end = words.starts[i], words.ends[i + n - 1]
            for key, x in model.readings(gram):
                good = target is not None and (start, end) == target[:2] and key == want
                rows.append((x, good))
    return rows


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1.0, steps: int = 50) -> np.ndarray:
    """Weights (bias first) of an L2-regularised logistic regression, by Newton's method."""
    xb = np.hstack([np.ones((len(x), 1)), x])
    w = np.zeros(xb.shape[1])
    reg = l2 * np.eye(xb.shape[1])
    reg[0, 0] = 0.0
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-np.clip(xb @ w, -30, 30)))
        grad = xb.T @ (p - y) + reg @ w
        hess = (xb * (p * (1 - p))[:, None]).T @ xb + reg
        w -= np.linalg.solve(hess, grad)
    return w


def fold(entry: Entry) -> int:
    """A second, independent split of the tuning half, for cross-fitting."""
    return zlib.crc32(("fold:" + entry.expected_term.lower()).encode()) % 2


def fold_models(entries: list[Entry], sentences: list[str],
                params: PhraseParams) -> list[tuple[PhraseModel, list[dict]]]:
    """Per fold of the tuning half: the model built from the other fold, and this fold's cases."""
    return [(build_model([e for e in entries if fold(e) != k], params),
             embed([e for e in entries if fold(e) == k], sentences)) for k in (0, 1)]


def tune(entries: list[Entry], sentences: list[str], clean: list[str], budget: float,
         shipped: list[Entry]) -> PhraseParams:
    """Fit the weights, then the highest-recall thresholds that keep false alarms within ``budget``
    flags per 1,000 clean abstracts.

    Cross-fitted: the tuning half is cut in two, and each part's cases are read by a model
    whose channel and extra terms come from the other part only, as held-out phrases will be.
    False alarms are counted apart, on the whole clean pool (2,971 abstracts), by the model as
    it ships: built from the ``shipped`` list, whose channel has the most swaps to read clean
    text with. A model of fewer swaps flags less: the fold models (a quarter of the list each)
    about half as often as the tuning half's, and that one half as often as the whole list's
    (3.5 against 7.0 per 1,000 reporting abstracts on 2026-12-06). The held-out entries reach
    the choice only through the false alarms, which can only make it stricter.
    """
    whole = (build_model(shipped, PhraseParams()), clean)
    folds = [(model, cases, clean[k::2])
             for k, (model, cases) in enumerate(fold_models(entries, sentences, PhraseParams()))]
    rows = []
    for model, cases, pool in folds:
        for c in cases:
            rows += window_rows(model, c["text"], (c["start"], c["end"], c["expected"]))
        rows += [r for t in pool for r in window_rows(model, t, None)]
    x = np.array([r[0] for r in rows])
    y = np.array([float(r[1]) for r in rows])
    print(f"fitting on {len(rows)} readings, {int(y.sum())} right ones", file=sys.stderr)
    w = fit_logistic(x, y)
    weights = dict(zip(FEATURES, map(float, w[1:]), strict=True))
    # The routes share one budget of false alarms, each taking what is left in turn, the one that
    # found the most per false alarm first: a spinner's word alone (on 2026-12-05 it found 9.7% of
    # the tuning cases at no false alarm beyond the others'), then a weaker spinner's word that
    # makes a known term, then the readings' threshold (2.6% of the cases for the whole budget).
    params = replace(PhraseParams(), bias=float(w[0]), weights=weights, threshold=NEVER,
                     spinner_threshold=NEVER, spinner_term_threshold=NEVER)
    params = replace(params, spinner_threshold=first_ok(folds, whole, params, "spinner_threshold",
                                                        (5.0, 5.5, 6.0, 6.5, 7.0, 7.5, 8.0), NEVER, budget))
    below = tuple(v for v in (3.5, 4.0, 4.5, 5.0, 5.5, 6.0, 6.5, 7.0, 7.5) if v < params.spinner_threshold)
    params = replace(params, spinner_term_threshold=first_ok(folds, whole, params, "spinner_term_threshold",
                                                             below, NEVER, budget))
    readings = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99)
    params = replace(params, threshold=first_ok(folds, whole, params, "threshold", readings, NEVER, budget))
    return replace(params, extend_threshold=best_extension(folds, params))


#: A threshold no reading or word reaches, which turns its route off (JSON has no infinity).
NEVER = 99.0


#: The bars for growing a finding over a neighbouring spinner's word that the tuner tries, highest
#: (most sparing) first; NEVER leaves findings as their windows read them.
EXTEND_BARS = (NEVER, 4.0, 3.0, 2.5, 2.0, 1.5, 1.0)


def best_extension(folds: list, params: PhraseParams) -> float:
    """The bar of ``extend_threshold`` whose findings on the folds are restored best: the share
    restored exactly plus the share whose sentence reads as its original, ties to the higher bar.
    Growing a finding adds none and drops none, so the false alarms stay as they were."""
    best, chosen = -1.0, NEVER
    for value in EXTEND_BARS:
        r = fold_figures(folds, replace(params, extend_threshold=value))
        restored = r["restored_exactly_of_hits"] + r["sentence_restored_of_hits"]
        print(json.dumps({"extend_threshold": value, **r}), file=sys.stderr)
        if restored > best:
            best, chosen = restored, value
    return chosen


def fold_figures(folds: list, params: PhraseParams) -> dict:
    """:func:`evaluate`'s figures averaged over the folds, each fold's model set to ``params``."""
    results = []
    for fold_model, cases, pool in folds:
        fold_model.params = params
        results.append(evaluate(fold_model, cases, pool))
    return {k: round(sum(x[k] for x in results) / 2, 4) for k in results[0]}


def first_ok(folds: list, whole: tuple[PhraseModel, list[str]], params: PhraseParams, name: str,
             values: tuple[float, ...], fallback: float, budget: float) -> float:
    """The first of ``values`` for setting ``name`` that keeps false alarms rare: precision at least
    0.9 on the folds, and at most ``budget`` flags per 1,000 clean abstracts by the ``whole`` model
    (the model as shipped, with the clean pool)."""
    model, clean = whole
    for value in values:
        r = fold_figures(folds, replace(params, **{name: value}))
        model.params = replace(params, **{name: value})
        flags = evaluate(model, [], clean)["model_flags_per_1000_clean_abstracts"]
        ok = flags <= budget and r["precision"] >= 0.9
        print(json.dumps({name: value, **r, "shipped_model_flags_per_1000_clean_abstracts": flags, "ok": ok}),
              file=sys.stderr)
        if ok:
            return value
    return fallback


#: Deep mode's lowered bars that the tuner tries: (spinner's word, weaker word with a known term,
#: readings), from a little below the ordinary bars to far below them.
DEEP_BARS = ((6.0, 5.0, 0.3), (5.5, 4.5, 0.25), (5.0, 4.0, 0.2), (4.0, 3.0, 0.1), (3.0, 2.0, 0.05))
DEEP_WEIGHTS = (0.0, 0.5, 1.0)
DEEP_VETOES = (-99.0, -2.0, 0.0, 2.0)
DEEP_CUTS = tuple(float(c) for c in range(31))


def tune_deep(entries: list[Entry], sentences: list[str], clean: list[str], budget: float,
              shipped: list[Entry], params: PhraseParams, scorer: NeuralScorer) -> PhraseParams:
    """Deep mode's settings, the ordinary ones held at ``params``: of each lowered bar, veto and
    margin weight, the lowest cut with precision at least 0.9 on the cross-fitted folds and at most
    ``budget`` flags per 1,000 clean abstracts by the model as shipped, in deep mode; of those, the
    one with the most recall on the folds (as :func:`tune`, whose choice this builds on)."""
    folds = fold_models(entries, sentences, params)
    whole = build_model(shipped, params)
    best: tuple[float, PhraseParams] | None = None
    for bars in DEEP_BARS:
        p = replace(params, deep_spinner_threshold=bars[0], deep_spinner_term_threshold=bars[1],
                    deep_threshold=bars[2])
        read = [(cases, [_deep_read(model, p, c["text"], scorer) for c in cases]) for model, cases in folds]
        pool = [_deep_read(whole, p, t, scorer) for t in clean]
        for veto, weight in itertools.product(DEEP_VETOES, DEEP_WEIGHTS):
            for cut in DEEP_CUTS:
                q = replace(p, deep_veto=veto, deep_margin_weight=weight, deep_cut=cut)
                results = [measure(cases, [_kept(r, q) for r in rows], 0, 1) for cases, rows in read]
                r = {k: round(sum(x[k] for x in results) / 2, 4) for k in ("recall", "precision",
                                                                          "restored_exactly_of_hits")}
                flags = round(1000 * sum(len(_kept(x, q)) for x in pool) / len(clean), 2)
                if flags <= budget and r["precision"] >= 0.9:
                    print(json.dumps({"bars": bars, "veto": veto, "weight": weight, "cut": cut, **r,
                                      "shipped_model_flags_per_1000_clean_abstracts": flags}),
                          file=sys.stderr)
                    if best is None or r["recall"] > best[0]:
                        best = (r["recall"], q)
                    break
    return best[1] if best else params


def _deep_read(model: PhraseModel, params: PhraseParams, text: str, scorer: NeuralScorer) -> list[Weighed]:
    """A text's findings at the ordinary and the lowered bars, weighed by the neural model."""
    model.params = params
    return weigh(model, text, scorer)


def _kept(read: list[Weighed], params: PhraseParams) -> list:
    """The spans deep mode with ``params`` reports from a text read by :func:`_deep_read`."""
    return [s for s, _ in kept(read, params)]


def list_speed(clean: list[str]) -> dict:
    """Known-list screening over the clean pool: words per second and flags per 1,000 abstracts."""
    known = builtin_list()
    words = [Words.of(t) for t in clean]
    t0 = time.perf_counter()
    flags = sum(len(known.find(w)) for w in words)
    wall = time.perf_counter() - t0
    n = sum(len(w) for w in words)
    t1 = time.perf_counter()
    for t in clean:
        Words.of(t)
    tok = time.perf_counter() - t1
    return {"words": n, "words_per_second_matching": round(n / wall),
            "words_per_second_with_tokenising": round(n / (wall + tok)),
            "pages_per_second_at_500_words": round(n / (wall + tok) / 500),
            "list_flags_per_1000_clean_abstracts": round(1000 * flags / len(clean), 2)}


def shipped_flags(clean: list[str], scorer: NeuralScorer | None = None) -> dict:
    """What ``unspin paper`` as shipped (full list; model with its channel) flags in clean text."""
    by_label: Counter[str] = Counter()
    for t in clean:
        by_label.update(s.label for s in screen_paper(Document("abstract", "text", t), deep=scorer).spans)
    return {f"{label}_per_1000_abstracts": round(1000 * n / len(clean), 2) for label, n in by_label.items()} \
        or {"flags_per_1000_abstracts": 0.0}


def paper_time(clean: list[str], tortured: list[str], scorer: NeuralScorer | None = None) -> dict:
    """Wall time of ``unspin paper x.pdf --json`` (a whole process) on a 10-page PDF, and in-process."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    body = iter(clean)
    for page in range(10):
        pdf.add_page()
        text, words = [], 0
        while words < 450:
            t = next(body)
            text.append(t)
            words += len(t.split())
        text.insert(1, f"Here the {tortured[page]} was studied.")
        pdf.multi_cell(0, 5, " ".join(text).encode("latin-1", "replace").decode("latin-1"))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "paper.pdf"
        path.write_bytes(bytes(pdf.output()))
        runs = []
        for _ in range(3):
            t0 = time.perf_counter()
            out = subprocess.run([sys.executable, "-m", "unspin", "paper", str(path), "--json",
                                  *(["--deep"] if scorer else [])],
                                 capture_output=True, text=True, check=False)
            runs.append(time.perf_counter() - t0)
        report = json.loads(out.stdout)
        from unspin.documents import load_document

        t0 = time.perf_counter()
        doc: Document = load_document(path)
        screen_paper(doc, deep=scorer)
        inproc = time.perf_counter() - t0
    return {"pages": report["pages"], "words": report["n_words"], "findings": report["findings"],
            "cli_seconds_best_of_3": round(min(runs), 2), "in_process_seconds_warm": round(inproc, 3)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tune", action="store_true", help="choose settings on the tuning half")
    ap.add_argument("--write", action="store_true", help=f"with --tune, write {PARAMS_OUT.name}")
    ap.add_argument("--clean", type=int, default=2000,
                    help="clean abstracts of the reporting pool (the tuner reads all of its own pool)")
    ap.add_argument("--budget", type=float, default=2.0,
                    help="with --tune, model flags allowed per 1,000 clean tuning abstracts (issue 7's "
                         "target is 5; the default leaves a margin for the count's selection)")
    ap.add_argument("--deep", action="store_true",
                    help="deep mode (the neural model judges what the model half suspects): report it, or "
                         "with --tune choose its settings, the ordinary ones held as shipped")
    args = ap.parse_args()
    scorer = default_neural_scorer() if args.deep else None
    known = builtin_list()
    shipped_matches_shared = known.sha256 == __import__("hashlib").sha256(
        tortured_list_csv().read_bytes()).hexdigest()
    pools: dict[str, list[str]] = {"tune": [], "test": []}
    for d in science_abstracts():
        p = pool_of(d["id"])
        if p:
            pools[p].append(d["abstract"])
    sentences = {k: [s for a in v for s in _SENT.split(a)] for k, v in pools.items()}
    entries = {h: [e for e in known.entries if half(e) == h] for h in ("tune", "test")}
    if args.tune:
        if scorer is not None:
            p = tune_deep(entries["tune"], sentences["tune"], pools["tune"], args.budget, known.entries,
                          load_params(), scorer)
        else:
            p = tune(entries["tune"], sentences["tune"], pools["tune"], args.budget, known.entries)
        print(json.dumps(params_dict(p)))
        if args.write:
            PARAMS_OUT.write_text(json.dumps(params_dict(p), indent=2) + "\n")
        return
    model = build_model(entries["tune"], load_params())
    cases = embed(entries["test"], sentences["test"])
    clean = pools["test"][: args.clean]
    t0 = time.perf_counter()
    result = evaluate(model, cases, clean, scorer)
    model_wall = time.perf_counter() - t0
    n_words = sum(len(c["text"].split()) for c in cases) + sum(len(t.split()) for t in clean)
    print(json.dumps({
        "machine": machine(),
        "list": {"entries": len(known), "sha256": known.sha256[:16],
                 "shipped_equals_shared_file": shipped_matches_shared,
                 "tune_entries": len(entries["tune"]), "test_entries": len(entries["test"]),
                 "expected_terms_in_both_halves": len({e.expected_term.lower() for e in entries["test"]}
                                                       & {e.expected_term.lower() for e in entries["tune"]})},
        "params": params_dict(load_params()),
        "beyond_the_list_test_half": {**result, "model_words_per_second": round(n_words / model_wall)},
        "known_list_on_clean_test_pool": list_speed(clean),
        "deep": scorer is not None,
        "shipped_screen_on_clean_test_pool": shipped_flags(clean, scorer),
        "paper_10_pages": paper_time(clean, [e.tortured for e in entries["test"][:10]], scorer),
    }, indent=2))


if __name__ == "__main__":
    main()
