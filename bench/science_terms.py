"""Build the scientific n-gram table that the tortured-phrase model ships with.

    python bench/science_terms.py [--min-count 2]   # writes src/unspin/data/science_ngrams.tsv.gz

Counts words and two- and three-word sequences in the arXiv abstracts of
``../shared/data/science_abstracts`` (arXiv metadata is CC0) whose identifier
hashes to the *build* half; the other half and every non-arXiv abstract are
kept for measuring (``bench/tortured.py``), so the model is never scored on
text it counted. Sequences that start or end with a stop word, or hold a
number, are left out: they are not terms. Every word that is not a number is
counted (the model asks how rare a word is in clean prose), each seen at least
once.
"""

from __future__ import annotations

import argparse
import gzip
import zlib
from collections import Counter
from pathlib import Path

from corpora import science_abstracts
from unspin.langdata import STOPWORDS
from unspin.phrase_match import Words

OUT = Path(__file__).resolve().parent.parent / "src" / "unspin" / "data" / "science_ngrams.tsv.gz"


def is_build_half(doc_id: str) -> bool:
    """The abstracts the table is counted from: arXiv ones whose id hashes even."""
    return doc_id.startswith("arxiv:") and zlib.crc32(doc_id.encode()) % 2 == 0


def count_ngrams(texts: list[str]) -> Counter[tuple[str, ...]]:
    """Words, and two- and three-word sequences that could be terms, with their counts."""
    counts: Counter[tuple[str, ...]] = Counter()
    for text in texts:
        words = Words.of(text).lowers
        counts.update((w,) for w in words if not w.isdigit())
        for n in (2, 3):
            for i in range(len(words) - n + 1):
                gram = words[i:i + n]
                if gram[0] in STOPWORDS or gram[-1] in STOPWORDS or any(w.isdigit() for w in gram):
                    continue
                counts[gram] += 1
    return counts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--min-count", type=int, default=2, help="least count of a kept sequence")
    args = ap.parse_args()
    docs = [d for d in science_abstracts() if is_build_half(d["id"])]
    counts = count_ngrams([f"{d['title']}.\n{d['abstract']}" for d in docs])
    kept = sorted((g, c) for g, c in counts.items() if len(g) == 1 or c >= args.min_count)
    with gzip.open(OUT, "wt", encoding="utf-8", compresslevel=9) as fh:
        fh.write(f"# {len(docs)} arXiv abstracts (CC0 metadata): words, and two- and three-word "
                 f"sequences seen at least {args.min_count} times\n")
        for gram, c in kept:
            fh.write(f"{' '.join(gram)}\t{c}\n")
    print(f"{len(docs)} abstracts, {len(kept)} sequences, {OUT.stat().st_size} bytes -> {OUT}")


if __name__ == "__main__":
    main()
