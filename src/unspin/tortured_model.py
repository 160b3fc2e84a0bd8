"""Tortured phrases on no list: terms of art with their words swapped for synonyms.

A spinner turns "random forest" into "irregular woodland" one word at a
time. Read backwards, a two- or three-word sequence is suspect when (a)
the sequence itself is not a known term, (b) replacing some of its words
by words the thesaurus could have turned into them gives a sequence that
*is* a common scientific term, and (c) the swap is one a spinner makes
(the lexicon's channel). Known terms come from an n-gram table counted
from clean arXiv abstracts (``data/science_ngrams.tsv.gz``, built by
``bench/science_terms.py``) plus the expected phrases of the known list.

Rare vocabulary is never evidence by itself: a sequence that the table
has seen is left alone, and a sequence is only flagged when a *frequent*
term sits one thesaurus step away.
"""

from __future__ import annotations

import gzip
import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from functools import cache
from importlib import resources
from itertools import product
from typing import Any

from .langdata import STOPWORDS
from .lexicon import Lexicon, default_lexicon
from .phrase_match import Words
from .result import Span
from .text import match_case

LABEL = "tortured_model"


@dataclass(frozen=True)
class PhraseParams:
    """The model's settings; ``bench/tortured.py --tune`` chooses them on the tuning split."""

    options_per_word: int = 12  # thesaurus candidates tried per word, best first
    min_term_count: int = 3  # how often the restored term must be seen in the table
    threshold: float = 4.0  # log-ratio score at which a sequence is flagged
    scale: float = 1.0  # of the logistic that turns the score margin into a confidence
    one_swap_penalty: float = 1.5  # a single swapped word is weaker evidence than two


def load_params() -> PhraseParams:
    """The tuned settings shipped in ``data/params_tortured.json`` (defaults if absent)."""
    path = resources.files("unspin").joinpath("data/params_tortured.json")
    if not path.is_file():
        return PhraseParams()
    return PhraseParams(**json.loads(path.read_text()))


def load_ngrams() -> dict[tuple[str, ...], int]:
    """The shipped table of scientific two- and three-word sequences and their counts."""
    raw = resources.files("unspin").joinpath("data/science_ngrams.tsv.gz").read_bytes()
    table: dict[tuple[str, ...], int] = {}
    for line in gzip.decompress(raw).decode("utf-8").splitlines():
        if line and not line.startswith("#"):
            gram, _, count = line.partition("\t")
            table[tuple(gram.split(" "))] = int(count)
    return table


class PhraseModel:
    """Finds term-shaped sequences that read as a known term with its words swapped."""

    def __init__(self, terms: dict[tuple[str, ...], int], lexicon: Lexicon,
                 params: PhraseParams | None = None) -> None:
        self.terms = terms
        self.lexicon = lexicon
        self.params = params or PhraseParams()

    @classmethod
    def with_extra_terms(cls, terms: dict[tuple[str, ...], int], extra: Iterable[str], lexicon: Lexicon,
                         params: PhraseParams | None = None) -> PhraseModel:
        """A model whose table also holds ``extra`` phrases (e.g. a list's expected terms)."""
        table = dict(terms)
        floor = (params or PhraseParams()).min_term_count
        for phrase in extra:
            key = tuple(Words.of(phrase).lowers)
            if 2 <= len(key) <= 3:
                table[key] = max(table.get(key, 0), floor)
        return cls(table, lexicon, params)

    def _options(self, word: str) -> list[tuple[str, float]]:
        """The words a spinner could have turned into ``word``, with the channel's log-probability."""
        out = []
        for c in self.lexicon.candidates(word):
            if " " not in c.original and c.original != word:
                out.append((c.original, c.logq))
                if len(out) >= self.params.options_per_word:
                    break
        return out

    def score_window(self, gram: tuple[str, ...]) -> tuple[float, tuple[str, ...]] | None:
        """The best restoration of one sequence and its score, or None if nothing fits."""
        p = self.params
        if gram in self.terms:
            return None
        opts = [[(w, 0.0), *self._options(w)] for w in gram]
        best: tuple[float, tuple[str, ...]] | None = None
        for combo in product(*opts):
            cand = tuple(w for w, _ in combo)
            count = self.terms.get(cand, 0)
            if count < p.min_term_count or cand == gram:
                continue
            swapped = sum(c != g for c, g in zip(cand, gram, strict=True))
            channel = sum(lq for _, lq in combo)
            score = math.log(count) + 0.25 * channel - (p.one_swap_penalty if swapped == 1 else 0.0)
            if best is None or score > best[0]:
                best = (score, cand)
        return best

    def find(self, text: str, words: Words | None = None) -> Iterator[tuple[Span, dict[str, Any]]]:
        """Flagged sequences as spans (``original`` is the restored term) with their details."""
        words = words or Words.of(text)
        lowers = words.lowers
        p = self.params
        taken_until = -1
        for i in range(len(lowers)):
            if i < taken_until:
                continue
            found = None
            for n in (3, 2):  # the longer reading wins where both fit
                gram = lowers[i:i + n]
                if len(gram) < n or not _term_shaped(gram, text, words, i):
                    continue
                scored = self.score_window(gram)
                if scored and scored[0] >= p.threshold:
                    found = (n, scored)
                    break
            if found is None:
                continue
            n, (score, cand) = found
            start, end = words.starts[i], words.ends[i + n - 1]
            confidence = 1.0 / (1.0 + math.exp(-p.scale * (score - p.threshold)))
            expected = match_case(text[start:end], " ".join(cand))
            yield (Span(start, end, text[start:end], expected, round(confidence, 4), LABEL),
                   {"source": "model", "term_count": self.terms.get(cand, 0), "model_score": round(score, 3)})
            taken_until = i + n


def _term_shaped(gram: tuple[str, ...], text: str, words: Words, i: int) -> bool:
    """Content words only, all in one clause: no stop word at either end, no punctuation between."""
    if gram[0] in STOPWORDS or gram[-1] in STOPWORDS or any(not w.isalpha() for w in gram):
        return False
    between = text[words.ends[i]:words.starts[i + len(gram) - 1]]
    return not any(ch in between for ch in ".,;:()[]!?\n")


@cache
def default_phrase_model() -> PhraseModel:
    """The shipped model: the n-gram table plus the built-in list's expected terms."""
    from .tortured_list import builtin_list

    extra = (e.expected_term for e in builtin_list().entries)
    return PhraseModel.with_extra_terms(load_ngrams(), extra, default_lexicon(), load_params())


def params_dict(params: PhraseParams) -> dict[str, Any]:
    """The settings as JSON-ready data (for the tuner to write)."""
    return asdict(params)
