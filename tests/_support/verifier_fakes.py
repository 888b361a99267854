"""A fake pair scorer for verifier tests: verbatim support, "is not" contradiction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np


class KeywordScorer:
    """Supported when the premise holds the hypothesis verbatim; contradicted when it holds the
    hypothesis with 'not' added; otherwise unsupported. Counts the pairs it is given."""

    granularity: Literal["sentence", "passage"] = "sentence"

    def __init__(self) -> None:
        self.calls = 0
        self.pairs = 0

    @property
    def identity(self) -> str:
        return "fake:keyword@1"

    def score_pairs(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        self.calls += 1
        self.pairs += len(pairs)
        rows = []
        for premise, hypothesis in pairs:
            core = hypothesis.rstrip(".")
            if core in premise:
                rows.append([0.9, 0.05, 0.05])
            elif core.replace(" is ", " is not ") in premise:
                rows.append([0.05, 0.9, 0.05])
            else:
                rows.append([0.1, 0.1, 0.8])
        return np.asarray(rows)

    def describe(self) -> dict[str, Any]:
        return {"backend": "fake"}
