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

    @torch.inference_mode()
    def hidden(self, ids: torch.Tensor) -> torch.Tensor:
        """Final-layer states for a (batch, time) tensor of right-padded piece ids."""
        c = self.config
        batch, time = ids.shape
        angles = torch.outer(torch.arange(time, dtype=torch.float32), self._inv_freq)
        cos, sin = angles.cos().to(self.dtype), angles.sin().to(self.dtype)
        x = self.embed[ids]
        for layer in self.layers:
            h = self._rms(x, layer["attn_norm"])
            q = (h @ layer["q"].T).view(batch, time, c.n_heads, self.head_dim).transpose(1, 2)
            k = (h @ layer["k"].T).view(batch, time, c.n_kv_heads, self.head_dim).transpose(1, 2)
            v = (h @ layer["v"].T).view(batch, time, c.n_kv_heads, self.head_dim).transpose(1, 2)
            q, k = self._rope(q, cos, sin), self._rope(k, cos, sin)
            # Right padding only ever follows the real pieces, so a causal mask is all it takes.
            a = F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=c.n_kv_heads != c.n_heads)
            x = x + a.transpose(1, 2).reshape(batch, time, c.dim) @ layer["o"].T
            h = self._rms(x, layer["ffn_norm"])
            x = x + (F.silu(h @ layer["gate"].T) * (h @ layer["up"].T)) @ layer["down"].T
        return self._rms(x, self.norm)

    @torch.inference_mode()
    def next_logprobs(self, sequences: Sequence[Sequence[int]],
                      rows: Sequence[Sequence[int]]) -> list[torch.Tensor]:
        """Per sequence: log P(next piece | pieces up to and including each given row), (rows, vocab).

        Sequences of any lengths are padded into one batch; the output layer
        runs on the requested rows only.
        """
        width = max(len(s) for s in sequences)
        ids = torch.zeros((len(sequences), width), dtype=torch.long)
        for b, s in enumerate(sequences):
            ids[b, : len(s)] = torch.as_tensor(s, dtype=torch.long)
        states = self.hidden(ids)
        picked = torch.cat([states[b, list(r)] for b, r in enumerate(rows)])
        logp = torch.log_softmax((picked @ self.head.T).float(), dim=-1)
        return list(torch.split(logp, [len(r) for r in rows]))
