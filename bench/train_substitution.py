"""Fit the substitution model on synonym picks that real spinners made.

    python bench/train_substitution.py [--write]

Word pairs are aligned out of the Problematic Paper Screener's tortured
phrases in ../shared/data ("surface region" for "surface area" gives
area -> region; with ``--phrase-pairs``, "malignant growth" for "cancer"
gives cancer -> malignant growth too). For each original word, the model
is a softmax over all its synonyms in Moby and WordNet; it learns which of
them a spinner's list tends to hold. A fifth of the originals are held out to report how much
better than uniform the model ranks the real pick. Needs numpy.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpora import shared_data_dir
from unspin.lexicon import phrase_unigram, synonym_graph
from unspin.lm import default_scorer
from unspin.substitution import FEATURES, pair_features

OUT = Path(__file__).resolve().parents[1] / "src" / "unspin" / "data" / "substitution.json"


def spinner_pairs(phrases: bool = False) -> set[tuple[str, str]]:
    """(original, spun) pairs from the tortured/expected phrase pairs.

    Phrases of equal length pair word by word. With ``phrases``, where the
    lengths differ, the words both share at the start and the end are set
    aside, and a single expected word left over pairs with the two or three
    spun words left over ("malignant growth" for "cancer", "far off sensing"
    for "remote sensing"). Without them no spinner's pick is ever a phrase;
    with them the model weighs phrases less harshly, but the shipped weights,
    fitted around the harsher model, then change more clean words
    (BENCHMARKS.md, 2026-12-06, night), so the shipped model leaves them out.
    """
    path = shared_data_dir() / "tortured_phrases_pps_export" / "tortured_phrases.tsv"
    pairs = set()
    with open(path, encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            spun, expected = row["tortured"].lower().split(), row["expected"].lower().split()
            if not all(w.isalpha() for w in spun + expected):
                continue
            if len(spun) == len(expected):
                pairs.update((e, s) for e, s in zip(expected, spun, strict=True) if e != s)
                continue
            if not phrases:
                continue
            spun, expected = _differing(spun, expected)
            if len(expected) == 1 and 2 <= len(spun) <= 3:
                pairs.add((expected[0], " ".join(spun)))
    return pairs


def _differing(a: list[str], b: list[str]) -> tuple[list[str], list[str]]:
    """``a`` and ``b`` without the words they share at the start and at the end."""
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    end = 0
    while end < min(len(a), len(b)) - start and a[-1 - end] == b[-1 - end]:
        end += 1
    return a[start : len(a) - end], b[start : len(b) - end]


def groups(pairs: set[tuple[str, str]]) -> list[tuple[np.ndarray, int]]:
    """One (features of every synonym of the original, index of the spinner's pick) per pair."""
    graph = synonym_graph()
    lm = default_scorer()
    out = []
    for original, spun in sorted(pairs):
        observed = graph.get(original)
        if not observed or spun not in observed:
            continue
        names = list(observed)
        x = np.array([pair_features(*observed[o], phrase_unigram(lm, o), original, o) for o in names])
        out.append((x, names.index(spun)))
    return out


def fit(train: list[tuple[np.ndarray, int]], l2: float = 1e-3, steps: int = 400) -> np.ndarray:
    """Conditional logit by Adam on the mean negative log-likelihood."""
    theta = np.zeros(len(FEATURES))
    m = np.zeros_like(theta)
    v = np.zeros_like(theta)
    for t in range(1, steps + 1):
        grad = l2 * theta
        for x, y in train:
            s = x @ theta
            p = np.exp(s - s.max())
            p /= p.sum()
            grad += (p @ x - x[y]) / len(train)
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad**2
        theta -= 0.05 * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
    return theta


def evaluate(theta: np.ndarray, data: list[tuple[np.ndarray, int]]) -> dict:
    """Mean log-likelihood of the real pick, against uniform choice, and its mean rank."""
    ll = ll_uniform = rank = 0.0
    for x, y in data:
        s = x @ theta
        ll += s[y] - (s.max() + np.log(np.exp(s - s.max()).sum()))
        ll_uniform -= np.log(len(s))
        rank += float((s > s[y]).sum())
    n = max(len(data), 1)
    return {"pairs": len(data), "mean_loglik": round(ll / n, 3), "uniform_loglik": round(ll_uniform / n, 3),
            "mean_rank": round(rank / n, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--write", action="store_true", help=f"write the model to {OUT}")
    ap.add_argument("--phrase-pairs", action="store_true",
                    help="also pair a single expected word with the spun phrase that replaced it")
    args = ap.parse_args()
    data = groups(spinner_pairs(args.phrase_pairs))
    rng = np.random.default_rng(0)
    held = rng.random(len(data)) < 0.2
    train = [d for d, h in zip(data, held, strict=True) if not h]
    test = [d for d, h in zip(data, held, strict=True) if h]
    theta = fit(train)
    report = {"weights": dict(zip(FEATURES, np.round(theta, 4).tolist(), strict=True)),
              "held_out": evaluate(theta, test), "train": evaluate(theta, train)}
    print(json.dumps(report, indent=2))
    if args.write:
        theta = fit(data)
        payload = {
            "version": "tortured-v1",
            "trained_on": "word pairs aligned from the Problematic Paper Screener tortured-phrase list "
                          "(Cabanac, Labbe, Magazinov), via ../shared/data/tortured_phrases_pps_export",
            "pairs": len(data),
            "weights": dict(zip(FEATURES, np.round(theta, 4).tolist(), strict=True)),
        }
        OUT.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
