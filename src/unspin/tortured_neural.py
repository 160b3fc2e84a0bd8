"""Which word a neural language model expects after another: term knowledge for unlisted phrases.

The tortured-phrase model needs to know that "random forest" is a term and
"irregular woodland" is not. An n-gram table counted from a few thousand
abstracts knows only the terms it happened to see; SmolLM2 (deep mode) has
read far more. Asked for the word after "random" (read after a short
scientific frame, :data:`FRAME`), it ranks "forest" high; after "irregular",
"woodland" far down. On 300 two-word phrases of the list's tuning half, the
expected second word was within the model's 500 likeliest next pieces for 89%,
the tortured one for 29%.

:class:`NeuralTerms` answers ``rank(first, second)``: the rank of the first
piece of `` second`` among the model's next pieces after ``first`` (0 is the
likeliest), or None past ``TOP``. Each first word costs one short
forward pass, done in batches by :meth:`NeuralTerms.prepare` and remembered
in a bounded memo, since the same words recur from document to document.
"""

from __future__ import annotations

from collections.abc import Iterable

from .memo import BoundedMemo
from .neural import NeuralScorer, default_neural_scorer
from .tortured_model import TOP

_BATCH = 256
#: Read before each first word. A scientific frame makes the model think of terms of art: on half
#: the known list the expected second word came within the 50 likeliest for 72% of two-word
#: phrases after this frame, 41% with no frame; the tortured second word for 5% and 2%.
FRAME = "In this paper, we propose a"


class NeuralTerms:
    """Context-free next-word ranks from a causal language model."""

    def __init__(self, scorer: NeuralScorer | None = None, memo_entries: int = 5_000) -> None:
        self.scorer = scorer or default_neural_scorer()
        self._ranks: BoundedMemo[str, dict[int, int]] = BoundedMemo(memo_entries)

    @property
    def name(self) -> str:
        return self.scorer.name

    def prepare(self, firsts: Iterable[str]) -> None:
        """Compute, in batches, the ranks after every first word not yet remembered."""
        todo = sorted({w for w in firsts if w not in self._ranks})
        bpe, model = self.scorer.bpe, self.scorer.model
        for i in range(0, len(todo), _BATCH):
            words = todo[i:i + _BATCH]
            frame = bpe.encode(FRAME)
            seqs = [[self.scorer.bos, *frame, *bpe.encode(" " + w)] for w in words]
            dists = model.next_logprobs(seqs, [[len(s) - 1] for s in seqs])
            for word, dist in zip(words, dists, strict=True):
                top = dist[0].topk(min(TOP, dist.shape[-1])).indices.tolist()
                self._ranks.remember(word, {piece: r for r, piece in enumerate(top)})

    def rank(self, first: str, second: str) -> int | None:
        """Where ``second`` comes among the likeliest words after ``first`` (None: past ``TOP``)."""
        ranks = self._ranks.get(first)
        if ranks is None:
            self.prepare([first])
            ranks = self._ranks[first]
        pieces = self.scorer.bpe.encode(" " + second)
        return ranks.get(pieces[0]) if pieces else None
