"""The substitution model: how likely a spinner is to write word ``o`` for original ``w``.

A spinner replaces ``w`` with one entry of its own thesaurus's list for
``w``. We don't know that thesaurus, but we know which synonyms real
spinners pick: the tortured phrases they left in published papers
("surface region" for "surface area"). A conditional-logit model over all
of ``w``'s synonyms in our thesauri, fitted on those picks by
``bench/train_substitution.py``, gives P(o | w, swapped); its coefficients
ship in ``data/substitution.json``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from importlib import resources

from .errors import DataError

#: Evidence flags of a synonym pair, one bit each.
MOBY_FWD = 1  # the original's Moby entry lists the observed word: what a Moby-driven spinner does
MOBY_REV = 2  # the observed word's Moby entry lists the original
WORDNET = 4  # the two share a WordNet synset

FEATURES = ("moby_fwd", "moby_rev", "wordnet", "wordnet_rank", "observed_unigram", "observed_phrase",
            "length_ratio")


def pair_features(flags: int, wordnet_rank: int | None, observed_unigram: float, original: str,
                  observed: str) -> tuple[float, ...]:
    """Features of replacing ``original`` by ``observed`` (see FEATURES).

    ``wordnet_rank`` is the observed word's position in WordNet's list for
    the original, most frequent sense first; a spinner that takes the top
    of a list picks primary-sense synonyms.
    """
    return (
        float(bool(flags & MOBY_FWD)),
        float(bool(flags & MOBY_REV)),
        float(bool(flags & WORDNET)),
        math.log1p(wordnet_rank) if wordnet_rank is not None else 0.0,
        observed_unigram,
        float(" " in observed),
        math.log(len(observed) / len(original)),
    )


@dataclass(frozen=True, slots=True)
class SubstitutionModel:
    """Linear scores over FEATURES; normalised per original by the lexicon compiler."""

    weights: tuple[float, ...]
    version: str

    def score(self, x: tuple[float, ...]) -> float:
        return sum(w * v for w, v in zip(self.weights, x, strict=True))

    @classmethod
    def load(cls) -> SubstitutionModel:
        """The shipped model (uniform over synonyms if the file is absent)."""
        path = resources.files("unspin") / "data" / "substitution.json"
        if not path.is_file():
            return cls(tuple(0.0 for _ in FEATURES), "uniform")
        raw = json.loads(path.read_text(encoding="utf-8"))
        try:
            weights = tuple(float(raw["weights"][name]) for name in FEATURES)
        except (KeyError, TypeError, ValueError) as exc:
            raise DataError(
                f"{path} is malformed: reinstall unspin or retrain with bench/train_substitution.py"
            ) from exc
        return cls(weights, str(raw.get("version", "1")))
