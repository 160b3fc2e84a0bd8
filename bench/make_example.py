"""Regenerate examples/spun_wikinews.txt: a Wikinews article spun with unspin's own small dictionary.

    python bench/make_example.py

The dictionary (examples/example_dictionary.tsv) was written for this
example and is not part of the restorer's lexicon, so the example shows
restoration from thesauri the spinner did not use.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpora import wikinews
from unspin.spinner import spin
from unspin.text import leading_sentences
from unspin.thesauri import load_thesaurus

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def main() -> None:
    thesaurus = load_thesaurus(EXAMPLES / "example_dictionary.tsv")
    best = None
    for doc in wikinews():
        text = leading_sentences(doc["text"], 180)
        words = [w.strip(".,;:()\"") for w in text.split()]
        # prose, not lists of names: few capitalised words, many distinct dictionary words
        if sum(w[:1].isupper() for w in words) > 0.2 * len(words):
            continue
        hits = len({w.lower() for w in words if w.lower() in thesaurus})
        if best is None or hits > best[0]:
            best = (hits, doc, text)
    _, doc, text = best
    spun = spin(text, thesaurus, rate=0.6, seed=7)
    (EXAMPLES / "spun_wikinews.txt").write_text(spun.text + "\n", encoding="utf-8")
    (EXAMPLES / "original_wikinews.txt").write_text(text + "\n", encoding="utf-8")
    print(f"{doc['id']}: {doc['title']!r}, {len(spun.swaps)} swaps")


if __name__ == "__main__":
    main()
