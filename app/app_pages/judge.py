"""Judge: stored calibrations of LLM judges against human labels, with CIs and warnings."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from evalstage.app import data, fmt, ui
from evalstage.app.judge import HEADLINE, figures_frame, records

st.title("Judge calibrations")
found = records(data.store_url())
if not found:
    st.info("No judge calibrations stored. Run: evalstage judge calibrate --labels ... --judge ...")
    st.stop()
rows = []
for r in found:
    values = {m.name: m.value for m in r.metrics}
    rows.append(
        {
            "id": r.calibration_id,
            "created": r.created_at,
            "prompt": f"{r.prompt_name}@{r.prompt_sha256[:12]}",
            "model": r.model,
            "backend": r.backend,
            "labels": r.labels_name,
            "measured": f"{r.n_measured}/{r.n_items}",
            **{name: values.get(name) for name in HEADLINE},
        }
    )
ui.table(pd.DataFrame(rows))
chosen = st.selectbox("Calibration", [r.calibration_id for r in found], key="judge_calibration")
record = next(r for r in found if r.calibration_id == chosen)
ui.config_block("judge parameters", dict(record.params))
ui.table(figures_frame(record))
st.text("counts: " + (", ".join(f"{k} {v}" for k, v in record.counts.items()) or fmt.DASH))
for warning in record.warnings:
    st.warning(warning)
