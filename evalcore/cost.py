"""Cost beside quality: a price table in ``suite.yaml`` and the tokens the responses report.

``prices`` maps a model name to its :class:`Price` (US dollars per million tokens)::

    prices:
      my-model: {input_per_million: 0.15, output_per_million: 0.60}
      default: {input_per_million: 1.0, output_per_million: 2.0}

A stage's results are priced by the model its target names (``target.args.model``, the
``openai`` targets), else by the entry ``default`` (a ``callable``, ``http`` or ``system``
target names no model). A result's ``details["cost_usd"]`` is
``prompt_tokens × input + completion_tokens × output`` per million; a result without both
token counts, or a stage without a price, has no cost: it is *not measured*, never 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["DEFAULT_PRICE", "Price", "cost_of", "price_for"]

DEFAULT_PRICE = "default"
"""The ``prices`` entry that prices a target naming no model."""


class Price(BaseModel):
    """One model's price: US dollars per million prompt (input) and completion (output) tokens."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    input_per_million: float = Field(ge=0, allow_inf_nan=False)
    output_per_million: float = Field(ge=0, allow_inf_nan=False)


def price_for(prices: Mapping[str, Price], target: Mapping[str, Any]) -> tuple[str, Price] | None:
    """The model name and price of a target spec (``{name, args}``), or None when unpriced."""
    args = target.get("args") or {}
    model = args.get("model") if isinstance(args, Mapping) else None
    if isinstance(model, str) and model in prices:
        return model, prices[model]
    if DEFAULT_PRICE in prices and not (isinstance(model, str) and model):
        return DEFAULT_PRICE, prices[DEFAULT_PRICE]
    return None


def cost_of(details: Mapping[str, Any], price: Price) -> float | None:
    """A result's cost in US dollars from its token counts; None without both counts."""
    prompt, completion = details.get("prompt_tokens"), details.get("completion_tokens")
    if not isinstance(prompt, int) or not isinstance(completion, int):
        return None
    return (prompt * price.input_per_million + completion * price.output_per_million) / 1e6


def cost_summary(costs: Sequence[float | None]) -> dict[str, Any] | None:
    """``{"usd", "cases_priced", "cases"}`` over results' costs; None when none was measured."""
    measured = [c for c in costs if c is not None]
    if not measured:
        return None
    return {"usd": float(sum(measured)), "cases_priced": len(measured), "cases": len(costs)}
