"""Verifier specs (``{name, args}``) and the factory that builds a verifier from one."""

from __future__ import annotations

import importlib
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from evalstage.generation_eval.verifier._cache import PairCache
from evalstage.generation_eval.verifier._protocol import PairScorer
from evalstage.generation_eval.verifier._verifier import Thresholds, Verifier

__all__ = ["VerifierSpec", "build_verifier"]

_BACKENDS: dict[str, tuple[str, str]] = {
    "offline": ("evalstage.generation_eval.verifier._offline", "OfflineScorer"),
    "nli": ("evalstage.generation_eval.verifier._nli", "NLIScorer"),
    "llm": ("evalstage.generation_eval.verifier._llm", "LLMScorer"),
}


class VerifierSpec(BaseModel):
    """Which backend to use and its arguments, e.g. ``{"name": "offline", "args": {}}``.

    ``thresholds`` and ``top_m`` configure the aggregation; ``None`` thresholds means the ones
    tuned with the backend's weights (or 0.5/0.5).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Literal["offline", "nli", "llm"] = "offline"
    args: dict[str, Any] = Field(default_factory=dict)
    thresholds: Thresholds | None = None
    top_m: int | None = Field(default=4, ge=1)


def build_scorer(spec: VerifierSpec) -> PairScorer:
    """Import the backend module lazily (a missing one fails only when chosen) and build it."""
    module_name, class_name = _BACKENDS[spec.name]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        raise ValueError(
            f"verifier backend '{spec.name}' is not available ({exc}); use name 'offline'"
        ) from exc
    scorer: PairScorer = getattr(module, class_name)(**spec.args)
    return scorer


def build_verifier(spec: VerifierSpec | None = None, cache: bool | PairCache = True) -> Verifier:
    """A :class:`Verifier` for ``spec`` (default: the offline scorer).

    ``cache=True`` uses the on-disk cache in the data folder, ``False`` none, or pass a
    :class:`PairCache`.
    """
    spec = spec or VerifierSpec()
    store = PairCache() if cache is True else cache or None
    return Verifier(build_scorer(spec), thresholds=spec.thresholds, cache=store, top_m=spec.top_m)
