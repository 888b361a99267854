"""The pair-scorer protocol every verifier backend implements, and the claim verdict."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

Label = Literal["supported", "contradicted", "unsupported"]
LABELS: tuple[Label, ...] = ("supported", "contradicted", "unsupported")
"""Column order of every probability matrix: P(supported), P(contradicted), P(unsupported)."""

Probabilities = npt.NDArray[np.float64]


@runtime_checkable
class PairScorer(Protocol):
    """A backend that scores (premise, hypothesis) pairs.

    ``granularity`` says what a premise is: ``"sentence"`` backends (cross-encoders) get short
    premises (a sentence or a window of sentences) and the verifier aggregates over them;
    ``"passage"`` backends (an LLM) get all the contexts of a claim at once, numbered ``[n]``.
    ``identity`` names the backend, model and weights (a change in any is a new identity); it keys
    the verifier cache and is stored in run records.
    """

    granularity: Literal["sentence", "passage"]

    @property
    def identity(self) -> str:
        """Backend, model and weights, e.g. ``offline:minilm-head@<sha256[:12]>``."""
        ...

    def score_pairs(self, pairs: Sequence[tuple[str, str]]) -> Probabilities:
        """Return an ``(len(pairs), 3)`` array of probabilities in :data:`LABELS` order.

        Rows sum to 1. Raises on transport failure (e.g. :class:`~evalcore.llm_client.TargetError`
        from an LLM backend); never returns NaN.
        """
        ...

    def describe(self) -> dict[str, Any]:
        """A description for run records (no secrets)."""
        ...


class ClaimVerdict(BaseModel):
    """How well the contexts support one claim, with the evidence that decided it."""

    model_config = ConfigDict(frozen=True)

    support: float = Field(ge=0.0, le=1.0, description="P(supported) of the best evidence.")
    contradiction: float = Field(ge=0.0, le=1.0, description="P(contradicted), strongest evidence.")
    label: Label
    context_index: int | None = Field(
        default=None, description="0-based index of the context holding the deciding evidence."
    )
    evidence: str | None = Field(default=None, description="The deciding sentence or window.")
    checks: dict[str, Any] = Field(
        default_factory=dict,
        description="Explicit checks that explain the verdict, e.g. numbers absent from evidence.",
    )
