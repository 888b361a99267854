"""Judge: stored calibrations of LLM judges against human labels, with CIs and warnings."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from evalstage.app import data
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
st.dataframe(pd.DataFrame(rows), hide_index=True)
chosen = st.selectbox("Calibration", [r.calibration_id for r in found], key="judge_calibration")
record = next(r for r in found if r.calibration_id == chosen)
st.text(f"params: {record.params}")
st.dataframe(figures_frame(record), hide_index=True)
st.text("counts: " + ", ".join(f"{k} {v}" for k, v in record.counts.items()))
for warning in record.warnings:
    st.warning(warning)
