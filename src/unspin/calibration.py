"""The map from a document's evidence to the probability that it is spun."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Calibration:
    """Logistic map from document evidence to a probability that the text is spun."""

    intercept: float = -4.0
    w_rate: float = 40.0
    w_llr: float = 0.5
    threshold: float = 0.5

    def score(self, rate: float, llr: float, n_eligible: int) -> float:
        z = self.intercept + self.w_rate * rate + self.w_llr * llr / math.sqrt(max(n_eligible, 1))
        return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))
