"""The maps from the evidence to probabilities: that a document is spun, and that a span's words
were swapped."""

from __future__ import annotations

import math
from dataclasses import dataclass

#: The decoder's log-odds for a swap beyond which a span reads as no surer: on tuning text every
#: span past 30 nats was a swap.
SPAN_ODDS_CLIP = 30.0


@dataclass(frozen=True, slots=True)
class Calibration:
    """Logistic maps from document evidence to a probability that the text is spun, and from the
    decoder's confidence in a swap to a probability that its words were swapped."""

    intercept: float = -4.0
    w_rate: float = 40.0
    w_llr: float = 0.5
    #: The weight on the log of the text's eligible positions over ``length_from`` (0 for that many
    #: or fewer): the evidence of a long text adds up, so a long clean text's log-likelihood ratio
    #: runs higher than a short one's (bench/fit_doc_score.py fits it on texts of several lengths;
    #: 0: not read). Shorter texts are left as they were: a log term without the floor lifted clean
    #: 60-word texts into being judged spun.
    w_length: float = 0.0
    #: The eligible positions from which the length weight counts.
    length_from: int = 100
    threshold: float = 0.5
    #: A span's score is sigma(span_intercept + span_slope * the decoder's log-odds for the swap),
    #: fitted by bench/fit_span_score.py on tuning text to the share of reported spans at a
    #: spinner's swap. The decoder's posterior alone runs far too sure (spans it put at 0.999 were
    #: swaps about 80% of the time): its weights are chosen to decide well, not to be
    #: probabilities. None: the span's score is that posterior.
    span_intercept: float | None = None
    span_slope: float = 1.0

    def score(self, rate: float, llr: float, n_eligible: int) -> float:
        """The probability that a text is spun, from its first pass's swap rate, log-likelihood ratio
        (spun at that rate against unspun) and number of eligible positions."""
        x_rate, x_llr, x_length = self.features(rate, llr, n_eligible, self.length_from)
        z = self.intercept + self.w_rate * x_rate + self.w_llr * x_llr + self.w_length * x_length
        return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))

    @staticmethod
    def features(rate: float, llr: float, n_eligible: int,
                 length_from: int = 100) -> tuple[float, float, float]:
        """What :meth:`score` weighs: the rate, the ratio over the root of the positions, and the
        log of the positions over ``length_from``, which is 0 for that many positions or fewer."""
        n = max(n_eligible, 1)
        return rate, llr / math.sqrt(n), math.log(max(n, length_from) / length_from)

    def span_score(self, confidence: float) -> float:
        """The probability that a swap the decoder is ``confidence`` sure of is one (see
        ``span_intercept``); the map is monotone, so spans keep their order."""
        if self.span_intercept is None:
            return confidence
        z = self.span_intercept + self.span_slope * swap_log_odds(confidence)
        return 1.0 / (1.0 + math.exp(-z))


def swap_log_odds(confidence: float) -> float:
    """The decoder's log-odds behind a swap's ``confidence``, within SPAN_ODDS_CLIP either way."""
    if confidence <= 0.0 or confidence >= 1.0:
        return math.copysign(SPAN_ODDS_CLIP, confidence - 0.5)
    return min(max(math.log(confidence) - math.log1p(-confidence), -SPAN_ODDS_CLIP), SPAN_ODDS_CLIP)
