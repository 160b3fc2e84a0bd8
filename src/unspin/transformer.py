"""A Llama-architecture decoder in plain PyTorch, for scoring only.

Scoring needs one thing a generation library does not optimise for: the
model's next-piece log-probabilities at chosen positions of many short
sentences at once. Owning the forward pass keeps it to what that needs:
many sentences in one pass, each attending causally to itself only, and the
output layer (a 49k-word softmax, a fifth of the model's arithmetic)
applied only at the positions asked for.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from .weights import ModelConfig, ModelFiles

#: A pass's row is padded to a multiple of these many pieces. Every new input shape costs the CPU
#: kernels native memory that is kept for reuse, so unbounded shapes made a long deep scan grow by
#: about 11 MB per 500-word article (1.3 to 2.4 GB over 120); with widths in steps, growth slows
#: to a crawl (2.2 GB after 240, the last 30 adding 18 MB), at no measurable cost in speed.
READ_STEP, CONTINUE_STEP = 32, 16

#: A layer's weights as the transformer holds them.
_LAYER_PARTS = ("attn_norm", "ffn_norm", "qkv", "o", "gate_up", "down")


def _in_halves(w: torch.Tensor, heads: int) -> torch.Tensor:
    """Q or K rows stored for rotation of adjacent pairs (GGUF's llama layout: row 2j + s of a
    head) reordered for rotation of halves (row s * head_dim / 2 + j)."""
    rows, width = w.shape
    return w.reshape(heads, rows // heads // 2, 2, width).transpose(1, 2).reshape(rows, width)


def padded(n: int, step: int) -> int:
    """``n`` rounded up to a multiple of ``step``."""
    return -(-n // step) * step


@dataclass(frozen=True)
class Group:
    """Queries that attend together: columns ``start`` to ``stop`` of row ``row``, read causally
    (``mask`` None), or, in a continuation, after ``known`` cached pieces from column ``first``,
    each seeing what ``mask`` (1, 1, queries, known + queries) allows."""

    row: int
    start: int
    stop: int
    mask: torch.Tensor | None = None
    first: int = 0
    known: int = 0


@dataclass
class Reading:
    """One pass over a batch of sequences laid end to end in one row: every layer's rotated keys
    and values (1, heads, row, head dimension), the final states and the output of one middle
    layer if asked for (row, width); sequence b starts at column ``starts[b]`` and has
    ``lengths[b]`` pieces."""

    keys: list[tuple[torch.Tensor, torch.Tensor]]
    states: torch.Tensor
    middle: torch.Tensor | None
    starts: list[int]
    lengths: list[int]

    def index(self, wanted: Iterable[tuple[int, Sequence[int]]]) -> list[int]:
        """Columns of the given pieces of the given sequences, in order: index the states or the
        middle layer with it."""
        return [self.starts[b] + r for b, pieces in wanted for r in pieces]


class Transformer:
    """Inference-only Llama decoder built from :class:`~unspin.weights.ModelFiles`."""

    def __init__(self, files: ModelFiles, dtype: torch.dtype = torch.float32) -> None:
        c = files.config
        t = {k: torch.from_numpy(v).to(dtype) for k, v in files.tensors.items()}
        if c.rope_interleaved:
            # Rotating adjacent pairs reads every other number; rotating the two halves of each head
            # reads contiguous ones, 4 times as fast on 1,000 pieces (a pass gains 1-2%). Q and K
            # are the only weights it touches, and their rows are put in halves once here (attention's
            # dot products do not care how each head's numbers are ordered, as long as Q and K agree).
            for i in range(c.n_layers):
                t[f"{i}.q"] = _in_halves(t[f"{i}.q"], c.n_heads)
                t[f"{i}.k"] = _in_halves(t[f"{i}.k"], c.n_kv_heads)

        def joined(i: int, *names: str) -> torch.Tensor:
            # Popped as they are joined, so that loading holds one layer twice at most.
            return torch.cat([t.pop(f"{i}.{n}") for n in names]).T.contiguous()

        # Q, K and V are one product, and so are the gate and up projections: fewer, larger
        # matrix products (the pass over a batch took a tenth less time), laid out for them once.
        layers = [{"attn_norm": t[f"{i}.attn_norm"], "ffn_norm": t[f"{i}.ffn_norm"],
                   "qkv": joined(i, "q", "k", "v"), "o": joined(i, "o"),
                   "gate_up": joined(i, "gate", "up"), "down": joined(i, "down")}
                  for i in range(c.n_layers)]
        self._adopt(c, t["embed"], t.get("head"), t["norm"], layers)

    def _adopt(self, config: ModelConfig, embed: torch.Tensor, head: torch.Tensor | None, norm: torch.Tensor,
               layers: list[dict[str, torch.Tensor]]) -> None:
        c = self.config = config
        self.embed, self.norm, self.layers = embed, norm, layers
        self.head = embed if head is None else head
        self.head_dim = c.dim // c.n_heads
        self.dtype = embed.dtype
        half = self.head_dim // 2
        self._inv_freq = 1.0 / (c.rope_base ** (torch.arange(half, dtype=torch.float32) / half))

    @staticmethod
    def layout_names(config: ModelConfig) -> tuple[str, ...]:
        """The names of :meth:`layout`'s arrays for a model of this shape."""
        return ("embed", "head", "norm", *(f"{i}.{n}" for i in range(config.n_layers) for n in _LAYER_PARTS))

    def layout(self) -> dict[str, np.ndarray]:
        """The weights as this class lays them out, as bfloat16 bit patterns (uint16 arrays) that
        :meth:`from_layout` maps back without a copy; an output layer tied to the embedding is an
        empty ``head``."""
        if self.dtype != torch.bfloat16:
            raise ValueError("only a bfloat16 model is laid out for the cache")

        def bits(x: torch.Tensor) -> np.ndarray:
            return x.contiguous().view(torch.uint16).numpy()

        head = np.zeros(0, dtype=np.uint16) if self.head is self.embed else bits(self.head)
        out = {"embed": bits(self.embed), "head": head, "norm": bits(self.norm)}
        for i, layer in enumerate(self.layers):
            out.update({f"{i}.{n}": bits(layer[n]) for n in _LAYER_PARTS})
        return out

    @classmethod
    def from_layout(cls, config: ModelConfig, arrays: dict[str, np.ndarray]) -> Transformer:
        """A bfloat16 model over :meth:`layout`'s arrays, sharing their memory (memory-mapped
        arrays stay mapped: processes that map one file share its pages)."""
        with warnings.catch_warnings():
            # Read-only maps: the model never writes its weights (inference mode throughout).
            warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
            t = {k: torch.from_numpy(v).view(torch.bfloat16) for k, v in arrays.items()}
        model = cls.__new__(cls)
        layers = [{n: t[f"{i}.{n}"] for n in _LAYER_PARTS} for i in range(config.n_layers)]
        model._adopt(config, t["embed"], t["head"] if t["head"].numel() else None, t["norm"], layers)
        return model

    def _rope(self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
        """Rotary position embedding on (batch, heads, time, head_dim), each head's halves as pairs."""
        half = self.head_dim // 2
        a, b = x[..., :half], x[..., half:]
        return torch.cat((a * cos - b * sin, a * sin + b * cos), dim=-1)

    def _rms(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        return F.rms_norm(x, (x.shape[-1],), w, self.config.norm_eps)

    def _layer(self, layer: dict[str, torch.Tensor], x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor,
               groups: Sequence[Group], cache: tuple[torch.Tensor, torch.Tensor] | None = None
               ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """One decoder layer; returns the new states and this input's rotated keys and values.

        Each group's queries attend to its own pieces of the input (see
        :class:`Group`); with a ``cache`` (this layer's keys and values from a
        reading), to the cached pieces of one sequence first.
        """
        c = self.config
        batch, time = x.shape[:2]
        h = self._rms(x, layer["attn_norm"])
        kv_width = c.n_kv_heads * self.head_dim
        q, k, v = (h @ layer["qkv"]).split((c.dim, kv_width, kv_width), dim=-1)
        q = q.reshape(batch, time, c.n_heads, self.head_dim).transpose(1, 2)
        k = k.reshape(batch, time, c.n_kv_heads, self.head_dim).transpose(1, 2)
        v = v.reshape(batch, time, c.n_kv_heads, self.head_dim).transpose(1, 2)
        q, k = self._rope(q, cos, sin), self._rope(k, cos, sin)
        gqa = c.n_kv_heads != c.n_heads
        # Padding attends to nothing and stays zero; no state of it is ever read.
        a = q.new_zeros(q.shape)
        for g in groups:
            r, cols = slice(g.row, g.row + 1), slice(g.start, g.stop)
            gk, gv = k[r, :, cols], v[r, :, cols]
            if cache is not None:
                known = slice(g.first, g.first + g.known)
                gk, gv = torch.cat((cache[0][r, :, known], gk), 2), torch.cat((cache[1][r, :, known], gv), 2)
            a[r, :, cols] = F.scaled_dot_product_attention(q[r, :, cols], gk, gv, attn_mask=g.mask,
                                                           is_causal=g.mask is None, enable_gqa=gqa)
        x = x + a.transpose(1, 2).reshape(batch, time, c.dim) @ layer["o"]
        h = self._rms(x, layer["ffn_norm"])
        gate, up = (h @ layer["gate_up"]).chunk(2, dim=-1)
        x = x + (F.silu(gate) * up) @ layer["down"]
        return x, k, v

    def _angles(self, positions: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        angles = positions.to(torch.float32)[..., None] * self._inv_freq
        return angles.cos().to(self.dtype), angles.sin().to(self.dtype)

    @torch.inference_mode()
    def hidden(self, ids: torch.Tensor, keys: list[tuple[torch.Tensor, torch.Tensor]] | None = None,
               keep: int | None = None, positions: torch.Tensor | None = None,
               groups: Sequence[Group] | None = None) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Final-layer states for a (batch, time) tensor of piece ids, and the output of layer
        ``keep`` (counted from 1) if given.

        ``positions`` (batch, time) and ``groups`` (each a sequence read
        causally) say where each piece stands and what it sees; without them
        every row is one sequence. With a ``keys`` list, each layer's keys and
        values are appended to it.
        """
        batch, time = ids.shape
        if positions is None or groups is None:
            positions = torch.arange(time).expand(batch, time)
            groups = [Group(r, 0, time) for r in range(batch)]
        cos, sin = self._angles(positions)
        cos, sin = cos[:, None], sin[:, None]  # broadcast over heads
        x = self.embed[ids]
        middle = None
        for n, layer in enumerate(self.layers, 1):
            x, k, v = self._layer(layer, x, cos, sin, groups)
            if keys is not None:
                keys.append((k, v))
            if n == keep:
                middle = x
        return self._rms(x, self.norm), middle

    @torch.inference_mode()
    def read(self, sequences: Sequence[Sequence[int]], keep: int | None = None) -> Reading:
        """One pass over a batch of sequences, kept for :meth:`logprobs_at` and
        :meth:`continue_logprobs`, with layer ``keep``'s output if given.

        The sequences lie end to end in one row, and attention runs sequence
        by sequence. Packed rows with one mask over each had cost attention the
        row's width squared, most of it between pieces of different sequences,
        and padding to the longest row was a fifth of the pieces read on
        500-word news articles.
        """
        lengths = [len(s) for s in sequences]
        starts = [0, *itertools.accumulate(lengths)][:-1]
        width = padded(sum(lengths), READ_STEP)
        ids = torch.zeros((1, width), dtype=torch.long)
        positions = torch.zeros((1, width), dtype=torch.long)
        for s, c in zip(sequences, starts, strict=True):
            ids[0, c : c + len(s)] = torch.as_tensor(s, dtype=torch.long)
            positions[0, c : c + len(s)] = torch.arange(len(s))
        groups = [Group(0, c, c + n) for c, n in zip(starts, lengths, strict=True) if n]
        keys: list[tuple[torch.Tensor, torch.Tensor]] = []
        states, middle = self.hidden(ids, keys, keep, positions, groups)
        return Reading(keys, states[0], None if middle is None else middle[0], starts, lengths)

    @torch.inference_mode()
    def logprobs_at(self, reading: Reading, rows: Sequence[Sequence[int]]) -> list[torch.Tensor]:
        """Per sequence of the reading: log P(next piece | pieces up to each given row), (rows, vocab).

        The output layer (a fifth of the model's arithmetic per row) runs on these rows only.
        """
        picked = reading.states[reading.index(enumerate(rows))]
        return self._logprobs(picked, [len(r) for r in rows])

    def next_logprobs(self, sequences: Sequence[Sequence[int]],
                      rows: Sequence[Sequence[int]]) -> list[torch.Tensor]:
        """Per sequence: log P(next piece | pieces up to and including each given row), (rows, vocab).

        Sequences of any lengths are read in one pass; the output layer runs
        on the requested rows only.
        """
        return self.logprobs_at(self.read(sequences), rows)

    @torch.inference_mode()
    def continue_logprobs(self, reading: Reading, base: Sequence[int],
                          prefix: Sequence[int], pieces: Sequence[Sequence[int]]) -> list[torch.Tensor]:
        """Per continuation j: log P(next piece | the first ``prefix[j]`` pieces of sequence ``base[j]``
        of the reading, then ``pieces[j][: t + 1]``) for every t, (len(pieces[j]), vocab).

        The same numbers as :meth:`next_logprobs` on the spliced sequence, but the
        prefix is read from the cache, so many short alternatives to one
        sentence cost only their own pieces. The continuations of one sequence
        attend together to that sequence's cached keys and to their own, and a
        mask lets each piece see its own prefix and its own earlier pieces.
        """
        sizes = [len(p) for p in pieces]
        # The continuations lie end to end in one row, those of one sequence side by side, so that
        # each sequence's queries attend to its cache together.
        at = [0] * len(pieces)
        spans: dict[int, list[int]] = {}
        used = 0
        for j in sorted(range(len(pieces)), key=lambda j: base[j]):
            at[j] = used
            used += sizes[j]
            spans.setdefault(base[j], [at[j], at[j]])[1] = used
        width = padded(used, CONTINUE_STEP)
        ids = torch.zeros(width, dtype=torch.long)
        owner = torch.full((width,), -1, dtype=torch.long)
        offset = torch.zeros(width, dtype=torch.long)
        start = torch.zeros(width, dtype=torch.long)
        for j, (a, n) in enumerate(zip(at, sizes, strict=True)):
            ids[a : a + n] = torch.as_tensor(pieces[j], dtype=torch.long)
            owner[a : a + n] = j
            offset[a : a + n] = torch.arange(n)
            start[a : a + n] = prefix[j]
        groups = []
        for b, (lo, hi) in spans.items():
            if lo == hi:
                continue
            known = reading.lengths[b]
            o, off, st = owner[lo:hi], offset[lo:hi], start[lo:hi]
            sees = torch.arange(known)[None, :] < st[:, None]
            own = (o[None, :] == o[:, None]) & (off[None, :] <= off[:, None])
            mask = torch.cat((sees, own), dim=1)[None, None]
            groups.append(Group(0, lo, hi, mask, reading.starts[b], known))
        cos, sin = self._angles(start + offset)
        x = self.embed[ids][None]
        for layer, kv in zip(self.layers, reading.keys, strict=True):
            x, _, _ = self._layer(layer, x, cos[None, None], sin[None, None], groups, kv)
        picked = [c for a, n in zip(at, sizes, strict=True) for c in range(a, a + n)]
        return self._logprobs(self._rms(x[0, picked], self.norm), sizes)

    def _logprobs(self, states: torch.Tensor, sizes: list[int]) -> list[torch.Tensor]:
        # Normalised in the model's own precision: over 49,152 pieces a row, widening to float32
        # first took most of the output layer's time. In bfloat16 the log-probabilities above -20
        # moved by 0.025 nats on average (0.07 at most), less than bfloat16 weights move them.
        return list(torch.split(torch.log_softmax(states @ self.head.T, dim=-1), sizes))
