"""A Llama-architecture decoder in plain PyTorch, for scoring only.

Scoring needs one thing a generation library does not optimise for: the
model's next-piece log-probabilities at chosen positions of many short
sentences at once. Owning the forward pass keeps it to what that needs:
batched right-padded sentences, causal attention, and the output layer
(a 49k-word softmax, a fifth of the model's arithmetic) applied only at the
positions asked for.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from .weights import ModelFiles

#: Rows are padded to a multiple of these many pieces. Every new input shape costs the CPU
#: kernels native memory that is kept for reuse, so unbounded shapes made a long deep scan grow by
#: about 11 MB per 500-word article (1.3 to 2.4 GB over 120); with widths in steps, growth slows
#: to a crawl (2.2 GB after 240, the last 30 adding 18 MB), at no measurable cost in speed.
READ_STEP, CONTINUE_STEP = 32, 16

#: Sequences are packed end to end into rows of about this many pieces, each attending to its own
#: pieces only. One sequence a row padded every row to the longest: on 50 Wikinews paragraphs a
#: third of the pieces read and nearly half of those continued were padding. Attention within a
#: row costs its width squared, so rows stay short enough for the products to dominate.
PACK_PIECES = 1024


def padded(n: int, step: int) -> int:
    """``n`` rounded up to a multiple of ``step``."""
    return -(-n // step) * step


def pack(lengths: Sequence[int], capacity: int) -> list[tuple[int, int]]:
    """(row, first column) per sequence: longest first, each into the first row with room for it
    (a sequence longer than ``capacity`` gets a row of its own)."""
    used: list[int] = []
    place = [(0, 0)] * len(lengths)
    for k in sorted(range(len(lengths)), key=lambda k: -lengths[k]):
        n = lengths[k]
        row = next((r for r, u in enumerate(used) if u + n <= capacity), len(used))
        if row == len(used):
            used.append(0)
        place[k] = (row, used[row])
        used[row] += n
    return place


@dataclass
class Reading:
    """One pass over a batch: every layer's rotated keys and values, the final states, and the
    output of one middle layer if asked for, all in packed rows; ``place[b]`` is the row and
    first column of sequence b."""

    keys: list[tuple[torch.Tensor, torch.Tensor]]
    states: torch.Tensor
    middle: torch.Tensor | None
    place: list[tuple[int, int]]

    def index(self, wanted: Iterable[tuple[int, Sequence[int]]]) -> tuple[list[int], list[int]]:
        """Packed (rows, columns) of the given pieces of the given sequences, in order: index the
        states or the middle layer with it."""
        rows: list[int] = []
        cols: list[int] = []
        for b, pieces in wanted:
            row, col = self.place[b]
            rows.extend([row] * len(pieces))
            cols.extend(col + r for r in pieces)
        return rows, cols


class Transformer:
    """Inference-only Llama decoder built from :class:`~unspin.weights.ModelFiles`."""

    def __init__(self, files: ModelFiles, dtype: torch.dtype = torch.float32) -> None:
        c = self.config = files.config
        t = {k: torch.from_numpy(v).to(dtype) for k, v in files.tensors.items()}
        self.embed = t["embed"]
        self.head = t.get("head", self.embed)
        self.norm = t["norm"]

        def joined(i: int, *names: str) -> torch.Tensor:
            # Popped as they are joined, so that loading holds one layer twice at most.
            return torch.cat([t.pop(f"{i}.{n}") for n in names]).T.contiguous()

        # Q, K and V are one product, and so are the gate and up projections: fewer, larger
        # matrix products (the pass over a batch took a tenth less time), laid out for them once.
        self.layers = [{"attn_norm": t[f"{i}.attn_norm"], "ffn_norm": t[f"{i}.ffn_norm"],
                        "qkv": joined(i, "q", "k", "v"), "o": joined(i, "o"),
                        "gate_up": joined(i, "gate", "up"), "down": joined(i, "down")}
                       for i in range(c.n_layers)]
        self.head_dim = c.dim // c.n_heads
        self.dtype = dtype
        half = self.head_dim // 2
        self._inv_freq = 1.0 / (c.rope_base ** (torch.arange(half, dtype=torch.float32) / half))

    def _rope(self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
        """Rotary position embedding on (batch, heads, time, head_dim)."""
        if self.config.rope_interleaved:
            a, b = x[..., 0::2], x[..., 1::2]
            return torch.stack((a * cos - b * sin, a * sin + b * cos), dim=-1).flatten(-2)
        half = self.head_dim // 2
        a, b = x[..., :half], x[..., half:]
        return torch.cat((a * cos - b * sin, a * sin + b * cos), dim=-1)

    def _rms(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        return F.rms_norm(x, (x.shape[-1],), w, self.config.norm_eps)

    def _layer(self, layer: dict[str, torch.Tensor], x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor,
               keys: tuple[torch.Tensor, torch.Tensor] | None, mask: torch.Tensor
               ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """One decoder layer; returns the new states and this input's rotated keys and values.

        ``keys`` are earlier pieces' keys and values to attend to before this
        input's own; ``mask`` says what each piece sees of them and of the input.
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
        if keys is None:
            a = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, enable_gqa=gqa)
        else:
            a = F.scaled_dot_product_attention(q, torch.cat((keys[0], k), 2), torch.cat((keys[1], v), 2),
                                               attn_mask=mask, enable_gqa=gqa)
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
               mask: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Final-layer states for a (batch, time) tensor of piece ids, and the output of layer
        ``keep`` (counted from 1) if given.

        ``positions`` (batch, time) and ``mask`` (batch, 1, time, time) say where each piece
        stands and what it sees; without them every row is one sequence, read causally. With a
        ``keys`` list, each layer's keys and values are appended to it.
        """
        batch, time = ids.shape
        if positions is None or mask is None:
            positions = torch.arange(time).expand(batch, time)
            mask = torch.ones((time, time), dtype=torch.bool).tril().expand(batch, 1, time, time)
        cos, sin = self._angles(positions)
        cos, sin = cos[:, None], sin[:, None]  # broadcast over heads
        x = self.embed[ids]
        middle = None
        for n, layer in enumerate(self.layers, 1):
            x, k, v = self._layer(layer, x, cos, sin, None, mask)
            if keys is not None:
                keys.append((k, v))
            if n == keep:
                middle = x
        return self._rms(x, self.norm), middle

    @torch.inference_mode()
    def read(self, sequences: Sequence[Sequence[int]], keep: int | None = None) -> Reading:
        """One pass over a batch of sequences, packed into rows (see :func:`pack`), kept for
        :meth:`logprobs_at` and :meth:`continue_logprobs`, with layer ``keep``'s output if given."""
        lengths = [len(s) for s in sequences]
        place = pack(lengths, PACK_PIECES)
        rows = max(r for r, _ in place) + 1
        width = padded(max(c + n for (_, c), n in zip(place, lengths, strict=True)), READ_STEP)
        ids = torch.zeros((rows, width), dtype=torch.long)
        positions = torch.zeros((rows, width), dtype=torch.long)
        # Each piece's sequence, so that attention stays within it; padding is a sequence of its own.
        owner = torch.full((rows, width), -1, dtype=torch.long)
        for b, (s, (r, c)) in enumerate(zip(sequences, place, strict=True)):
            ids[r, c : c + len(s)] = torch.as_tensor(s, dtype=torch.long)
            positions[r, c : c + len(s)] = torch.arange(len(s))
            owner[r, c : c + len(s)] = b
        cols = torch.arange(width)
        mask = (owner[:, None, :] == owner[:, :, None]) & (cols[None, None, :] <= cols[None, :, None])
        keys: list[tuple[torch.Tensor, torch.Tensor]] = []
        states, middle = self.hidden(ids, keys, keep, positions, mask[:, None])
        return Reading(keys, states, middle, place)

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

        Sequences of any lengths are padded into one batch; the output layer
        runs on the requested rows only.
        """
        return self.logprobs_at(self.read(sequences), rows)

    @torch.inference_mode()
    def continue_logprobs(self, reading: Reading, base: Sequence[int],
                          prefix: Sequence[int], pieces: Sequence[Sequence[int]]) -> list[torch.Tensor]:
        """Per continuation j: log P(next piece | the first ``prefix[j]`` pieces of sequence ``base[j]``
        of the reading, then ``pieces[j][: t + 1]``) for every t, (len(pieces[j]), vocab).

        The same numbers as :meth:`next_logprobs` on the spliced sequence, but the
        prefix is read from the cache, so many short alternatives to one
        sentence cost only their own pieces. The continuations of the sequences
        packed into one row are packed into one row of queries beside it, and a
        mask lets each piece see its own prefix and its own earlier pieces: each
        query attends to its own sequence's cache only.
        """
        cache = reading.keys
        rows, _, known, _ = cache[0][0].shape
        sizes = [len(p) for p in pieces]
        # Where each continuation's pieces go: the packed row of its sequence, after the others'.
        used = [0] * rows
        at = []
        for b, n in zip(base, sizes, strict=True):
            row = reading.place[b][0]
            at.append(used[row])
            used[row] += n
        width = padded(max(used), CONTINUE_STEP)
        ids = torch.zeros((rows, width), dtype=torch.long)
        owner = torch.full((rows, width), -1, dtype=torch.long)
        offset = torch.zeros((rows, width), dtype=torch.long)
        first = torch.zeros((rows, width), dtype=torch.long)
        start = torch.zeros((rows, width), dtype=torch.long)
        for j, (b, a, n) in enumerate(zip(base, at, sizes, strict=True)):
            row, col = reading.place[b]
            ids[row, a : a + n] = torch.as_tensor(pieces[j], dtype=torch.long)
            owner[row, a : a + n] = j
            offset[row, a : a + n] = torch.arange(n)
            first[row, a : a + n] = col
            start[row, a : a + n] = prefix[j]
        cached = torch.arange(known)[None, None, :]
        sees = (cached >= first[:, :, None]) & (cached < (first + start)[:, :, None])
        own = (owner[:, None, :] == owner[:, :, None]) & (offset[:, None, :] <= offset[:, :, None])
        # A padding query sees its own place only, so its softmax stays finite; it is never read.
        mask = torch.cat((sees, own), dim=2)[:, None]
        cos, sin = self._angles(start + offset)
        cos, sin = cos[:, None], sin[:, None]  # broadcast over heads
        x = self.embed[ids]
        for layer, kv in zip(self.layers, cache, strict=True):
            x, _, _ = self._layer(layer, x, cos, sin, kv, mask)
        places = zip(base, at, sizes, strict=True)
        picked = torch.cat([reading.place[b][0] * width + torch.arange(a, a + n) for b, a, n in places])
        states = self._rms(x, self.norm).reshape(rows * width, -1)[picked]
        return self._logprobs(states, sizes)

    def _logprobs(self, states: torch.Tensor, sizes: list[int]) -> list[torch.Tensor]:
        # Normalised in the model's own precision: over 49,152 pieces a row, widening to float32
        # first took most of the output layer's time. In bfloat16 the log-probabilities above -20
        # moved by 0.025 nats on average (0.07 at most), less than bfloat16 weights move them.
        return list(torch.split(torch.log_softmax(states @ self.head.T, dim=-1), sizes))
