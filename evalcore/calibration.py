"""Judge calibration records: how well an LLM judge agrees with human labels.

A record is keyed by the judge's prompt hash and model (a changed prompt is a new judge). The
judge package computes it (``generation_eval.judge``); the store keeps it; the gate reads it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class CalibrationMetric(BaseModel):
    """One calibration figure with its bootstrap CI over the labelled items."""

    model_config = ConfigDict(frozen=True)

    name: str
    value: float
    ci_low: float
    ci_high: float
    n: int


class CalibrationRecord(BaseModel):
    """A judge's agreement with a human-labelled validation set, for one prompt and model."""

    model_config = ConfigDict(frozen=True)

    calibration_id: str
    created_at: datetime
    judge_key: str = Field(description="Hash of prompt hash, rubric hash, model and parameters.")
    mode: str
    prompt_name: str
    prompt_sha256: str
    model: str
    params: dict[str, Any] = Field(default_factory=dict)
    backend: str
    labels_name: str
    labels_sha256: str
    n_items: int
    n_measured: int
    metrics: list[CalibrationMetric] = Field(default_factory=list)
    counts: dict[str, int] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)

    def metric(self, name: str) -> CalibrationMetric:
        """The figure called ``name``; ``KeyError`` if the record has none."""
        for metric in self.metrics:
            if metric.name == name:
                return metric
        raise KeyError(name)

    @property
    def metric_names(self) -> list[str]:
        """Names of every figure in the record."""
        return [m.name for m in self.metrics]
