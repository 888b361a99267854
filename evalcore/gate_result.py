"""One gate's verdict, shared by :mod:`evalcore.gates` and :mod:`evalcore.judge_gate`."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from evalstage.evalcore.errors import SuiteError
from evalstage.evalcore.loaders import yaml_line

GateStatus = Literal["pass", "fail", "skipped"]
GateKind = Literal["threshold", "canaries", "regression", "category", "judge", "target", "scenario"]


class GateResult(BaseModel):
    """One check of the gate and its verdict."""

    model_config = ConfigDict(frozen=True)

    name: str
    kind: GateKind
    status: GateStatus
    stage: str | None = None
    metric: str | None = None
    value: float | None = None
    threshold: str | None = None
    baseline: float | None = None
    delta: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    p_value: float | None = None
    n: int | None = None
    detail: str = ""


def unknown_metric(
    message: str, keys: tuple[str, ...], manifest_path: Path | None, hint: str
) -> SuiteError:
    """A gate names something the run does not report: the error names the manifest line."""
    line = None
    if manifest_path is not None and manifest_path.is_file():
        line = yaml_line(manifest_path, manifest_path.read_text("utf-8"), keys)
    return SuiteError(message, path=manifest_path, line=line, field=".".join(keys), hint=hint)
