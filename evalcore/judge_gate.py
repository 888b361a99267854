"""The judge gate: refuse an LLM judge whose calibration is missing, stale or too low."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict

from evalstage.evalcore.calibration import CalibrationRecord
from evalstage.evalcore.gate_result import GateResult, unknown_metric
from evalstage.evalcore.suite import Bound


class JudgeCheck(BaseModel):
    """The suite's judge as the gate sees it: its identity and the stored calibrations."""

    model_config = ConfigDict(frozen=True)

    prompt_name: str
    prompt_sha256: str
    model: str
    calibrations: list[CalibrationRecord]


def judge_gates(
    bounds: dict[str, Bound], judge: JudgeCheck, manifest_path: Path | None = None
) -> list[GateResult]:
    """Refuse a judge whose calibration is missing, stale (another prompt hash) or too low.

    The newest calibration with the judge's prompt hash and model counts. Without one, the gate
    fails as *stale* when the model (or prompt name) was calibrated with another prompt hash, and
    as *missing* otherwise. Each bound then checks one calibration figure (e.g. ``kappa``).
    """
    short = judge.prompt_sha256[:12]
    name = f"judge {judge.prompt_name}@{short} {judge.model}"
    fresh = [
        c
        for c in judge.calibrations
        if c.prompt_sha256 == judge.prompt_sha256 and c.model == judge.model
    ]
    if not fresh:
        stale = [
            c
            for c in judge.calibrations
            if c.model == judge.model or c.prompt_name == judge.prompt_name
        ]
        if stale:
            old = stale[0]
            detail = (
                f"stale: the newest calibration ({old.calibration_id}) is for prompt "
                f"{old.prompt_name}@{old.prompt_sha256[:12]} and model {old.model}; this judge "
                f"is {judge.prompt_name}@{short} with {judge.model}; re-run evalstage judge "
                "calibrate"
            )
        else:
            detail = "missing: this judge was never calibrated; run evalstage judge calibrate"
        return [GateResult(name=f"{name} calibration", kind="judge", status="fail", detail=detail)]
    record = fresh[0]
    gates = [
        GateResult(
            name=f"{name} calibration",
            kind="judge",
            status="pass",
            n=record.n_measured,
            detail=f"calibration {record.calibration_id} on {record.labels_name} "
            f"({record.created_at:%Y-%m-%d})",
        )
    ]
    for metric, bound in bounds.items():
        if metric not in record.metric_names:
            raise unknown_metric(
                f"calibration figure '{metric}' is not in the judge's calibration; "
                f"recorded: {', '.join(record.metric_names)}",
                ("gates", "judge", metric),
                manifest_path,
                "use one of the recorded figures (see: evalstage judge calibrations)",
            )
        value = record.metric(metric)
        held = bound.holds(value.value)
        gates.append(
            GateResult(
                name=f"judge {metric}",
                kind="judge",
                status="pass" if held else "fail",
                metric=metric,
                value=value.value,
                threshold=bound.describe(),
                ci_low=value.ci_low,
                ci_high=value.ci_high,
                n=value.n,
                detail="" if held else f"below its gate: needs {bound.describe()}",
            )
        )
    return gates
