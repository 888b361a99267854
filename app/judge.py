"""Judge calibration in the app: the stored calibrations, and a panel beside a judge score."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from evalstage.app import data
from evalstage.evalcore.calibration import CalibrationRecord

HEADLINE = ("accuracy", "kappa", "position_consistency", "longer_preference")


@st.cache_data(ttl=data.TTL, show_spinner=False)
def calibrations(url: str) -> list[dict[str, Any]]:
    """Every stored calibration (as JSON-ready dicts, newest first)."""
    store = data.get_store(url)
    return [] if store is None else [r.model_dump(mode="json") for r in store.list_calibrations()]


def records(url: str) -> list[CalibrationRecord]:
    """The stored calibrations as records."""
    return [CalibrationRecord.model_validate(r) for r in calibrations(url)]


def figures_frame(record: CalibrationRecord) -> pd.DataFrame:
    """One row per figure: value, 95% CI and n."""
    return pd.DataFrame(
        [
            {"figure": m.name, "value": m.value, "ci_low": m.ci_low, "ci_high": m.ci_high, "n": m.n}
            for m in record.metrics
        ]
    )


def calibration_panel(url: str, score: dict[str, Any]) -> None:
    """Beside a judge score: the judge's fresh calibration, or a warning that it has none."""
    fresh = [
        r
        for r in records(url)
        if r.prompt_sha256 == score.get("prompt_sha256") and r.model == score.get("model")
    ]
    from evalstage.app import fmt

    t = fmt.text
    st.text(
        f"judge {t(score.get('prompt_name'))}@{str(score.get('prompt_sha256') or fmt.DASH)[:12]} "
        f"{t(score.get('model'))}: {t(score.get('label'))} (score {t(score.get('value'))}, "
        f"{t(score.get('status'))})"
    )
    if "self_judged" in (score.get("flags") or []):
        st.warning("The judge model is the model under test: self-preference risk.")
    if not fresh:
        st.warning("This judge has no calibration for its prompt hash: do not trust its score.")
        return
    record = fresh[0]
    st.caption(f"calibration {record.calibration_id} on {record.labels_name}")
    frame = figures_frame(record)
    from evalstage.app import ui

    ui.table(frame[frame["figure"].isin(HEADLINE)])
    for warning in record.warnings:
        st.warning(warning)
