"""What a stage reports: each metric declared once, with its direction and its definition.

A stage declares its metrics in one :class:`MetricCatalog`; gates read the direction from it
(a rise is good, bad, or neither), and the CLI, the app and the docs read the definitions.
Names are looked up as declared, then as a per-variant name (``faithfulness:noisy_context`` is
``faithfulness``), then as a cutoff pattern (``ndcg@10`` is ``ndcg@k``).
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict

Direction = Literal["higher", "lower", "none"]
"""Which way is better: ``higher``, ``lower``, or ``none`` (right only against an expectation)."""

RATE_PREFIX = "rate:"
"""A failure-category (or error-code) rate is named ``rate:<category>``."""


class MetricDef(BaseModel):
    """One metric (or per-case score) of a stage: its name, direction and one-line definition.

    ``per_case``: whether results carry it as a score (regression gates pair it across runs);
    ``headline``: whether the app and the CLI show it first.
    """

    model_config = ConfigDict(frozen=True)

    name: str
    direction: Direction
    definition: str
    per_case: bool = True
    headline: bool = False


def rate(category: str, definition: str) -> MetricDef:
    """The declaration of ``rate:<category>``: the share of measured results failing so."""
    return MetricDef(
        name=f"{RATE_PREFIX}{category}", direction="lower", definition=definition, per_case=False
    )


_CUTOFF = re.compile(r"@\d+$")


class MetricCatalog(BaseModel):
    """The metrics one stage declares, in the order it reports them."""

    model_config = ConfigDict(frozen=True)

    metrics: tuple[MetricDef, ...] = ()

    @property
    def names(self) -> list[str]:
        """The declared names (patterns such as ``ndcg@k`` included as written)."""
        return [m.name for m in self.metrics]

    @property
    def rates(self) -> list[MetricDef]:
        """The declared ``rate:*`` metrics: recorded for every run, zeros included."""
        return [m for m in self.metrics if m.name.startswith(RATE_PREFIX)]

    @property
    def headlines(self) -> list[MetricDef]:
        """The metrics shown first."""
        return [m for m in self.metrics if m.headline]

    def get(self, name: str) -> MetricDef | None:
        """The declaration of ``name`` (see the module docstring for the lookup), else None."""
        by_name = {m.name: m for m in self.metrics}
        if name in by_name:
            return by_name[name]
        if not name.startswith(RATE_PREFIX) and ":" in name:
            return self.get(name.split(":", 1)[0])
        return by_name.get(_CUTOFF.sub("@k", name))

    def direction(self, name: str, default: Direction = "higher") -> Direction:
        """The declared direction of ``name``; ``default`` for a name the stage does not declare."""
        found = self.get(name)
        return found.direction if found is not None else default

    def definition(self, name: str) -> str:
        """The declared one-line definition of ``name`` (empty when undeclared)."""
        found = self.get(name)
        return found.definition if found is not None else ""
