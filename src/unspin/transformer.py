"""A Llama-architecture decoder in plain PyTorch, for scoring only.

Scoring needs one thing a generation library does not optimise for: the
model's next-piece log-probabilities at chosen positions of many short
sentences at once. Owning the forward pass keeps it to what that needs:
batched right-padded sentences, causal attention, and the output layer
(a 49k-word softmax, a fifth of the model's arithmetic) applied only at the
positions asked for.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F

from .weights import ModelFiles


class Transformer:
    """Inference-only Llama decoder built from :class:`~unspin.weights.ModelFiles`."""

    def __init__(self, files: ModelFiles, dtype: torch.dtype = torch.float32) -> None:
        c = self.config = files.config
        t = {k: torch.from_numpy(v).to(dtype) for k, v in files.tensors.items()}
        self.embed = t["embed"]
        self.head = t.get("head", self.embed)
        self.norm = t["norm"]
        self.layers = [{name: t[f"{i}.{name}"] for name in
                        ("attn_norm", "q", "k", "v", "o", "ffn_norm", "gate", "up", "down")}
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
               keys: tuple[torch.Tensor, torch.Tensor] | None = None,
               mask: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """One decoder layer; returns the new states and this input's rotated keys and values.

        ``keys`` are earlier pieces' keys and values to attend to before this
        input's own, under ``mask``; without them attention is plainly causal.
        """
        c = self.config
        batch, time = x.shape[:2]
        h = self._rms(x, layer["attn_norm"])
        q = (h @ layer["q"].T).view(batch, time, c.n_heads, self.head_dim).transpose(1, 2)
        k = (h @ layer["k"].T).view(batch, time, c.n_kv_heads, self.head_dim).transpose(1, 2)
        v = (h @ layer["v"].T).view(batch, time, c.n_kv_heads, self.head_dim).transpose(1, 2)
        q, k = self._rope(q, cos, sin), self._rope(k, cos, sin)
        gqa = c.n_kv_heads != c.n_heads
        if keys is None:
            # Right padding only ever follows the real pieces, so a causal mask is all it takes.
            a = F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=gqa)
        else:
            a = F.scaled_dot_product_attention(q, torch.cat((keys[0], k), 2), torch.cat((keys[1], v), 2),
                                               attn_mask=mask, enable_gqa=gqa)
        x = x + a.transpose(1, 2).reshape(batch, time, c.dim) @ layer["o"].T
        h = self._rms(x, layer["ffn_norm"])
        x = x + (F.silu(h @ layer["gate"].T) * (h @ layer["up"].T)) @ layer["down"].T
        return x, k, v

    def _angles(self, positions: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        angles = positions.to(torch.float32)[..., None] * self._inv_freq
        return angles.cos().to(self.dtype), angles.sin().to(self.dtype)

    @torch.inference_mode()
    def hidden(self, ids: torch.Tensor, cache: list[tuple[torch.Tensor, torch.Tensor]] | None = None
               ) -> torch.Tensor:
        """Final-layer states for a (batch, time) tensor of right-padded piece ids.

        With a ``cache`` list, each layer's keys and values are appended to it,
        for :meth:`continue_logprobs`.
        """
        cos, sin = self._angles(torch.arange(ids.shape[1]))
        x = self.embed[ids]
        for layer in self.layers:
            x, k, v = self._layer(layer, x, cos, sin)
            if cache is not None:
                cache.append((k, v))
        return self._rms(x, self.norm)

    @torch.inference_mode()
    def next_logprobs(self, sequences: Sequence[Sequence[int]],
                      rows: Sequence[Sequence[int]],
                      cache: list[tuple[torch.Tensor, torch.Tensor]] | None = None) -> list[torch.Tensor]:
        """Per sequence: log P(next piece | pieces up to and including each given row), (rows, vocab).

        Sequences of any lengths are padded into one batch; the output layer
        runs on the requested rows only. With a ``cache`` list, the batch's
        keys and values are kept in it for :meth:`continue_logprobs`.
        """
        width = max(len(s) for s in sequences)
        ids = torch.zeros((len(sequences), width), dtype=torch.long)
        for b, s in enumerate(sequences):
            ids[b, : len(s)] = torch.as_tensor(s, dtype=torch.long)
        states = self.hidden(ids, cache)
        picked = torch.cat([states[b, list(r)] for b, r in enumerate(rows)])
        return self._logprobs(picked, [len(r) for r in rows])

    @torch.inference_mode()
    def continue_logprobs(self, cache: list[tuple[torch.Tensor, torch.Tensor]], base: Sequence[int],
                          prefix: Sequence[int], pieces: Sequence[Sequence[int]]) -> list[torch.Tensor]:
        """Per continuation j: log P(next piece | the first ``prefix[j]`` pieces of sequence ``base[j]``
        of the cached batch, then ``pieces[j][: t + 1]``) for every t, (len(pieces[j]), vocab).

        The same numbers as :meth:`next_logprobs` on the spliced sequence, but the
        prefix is read from the cache, so many short alternatives to one
        sentence cost only their own pieces.
        """
        n, width = len(pieces), max(len(p) for p in pieces)
        ids = torch.zeros((n, width), dtype=torch.long)
        for j, p in enumerate(pieces):
            ids[j, : len(p)] = torch.as_tensor(p, dtype=torch.long)
        start = torch.as_tensor(prefix, dtype=torch.long)
        cos, sin = self._angles(start[:, None] + torch.arange(width))
        cos, sin = cos[:, None], sin[:, None]  # broadcast over heads
        which = torch.as_tensor(base, dtype=torch.long)
        known = cache[0][0].shape[2]
        # Each continuation sees its own prefix, then its own pieces causally.
        seen = (torch.arange(known)[None, :] < start[:, None])[:, None, :].expand(n, width, known)
        own = torch.ones(width, width, dtype=torch.bool).tril().expand(n, width, width)
        mask = torch.cat((seen, own), dim=2)[:, None]
        x = self.embed[ids]
        for layer, (k, v) in zip(self.layers, cache, strict=True):
            x, _, _ = self._layer(layer, x, cos, sin, (k[which], v[which]), mask)
        states = self._rms(x, self.norm)
        picked = torch.cat([states[j, : len(p)] for j, p in enumerate(pieces)])
        return self._logprobs(picked, [len(p) for p in pieces])

    def _logprobs(self, states: torch.Tensor, sizes: list[int]) -> list[torch.Tensor]:
        logp = torch.log_softmax((states @ self.head.T).float(), dim=-1)
        return list(torch.split(logp, sizes))
