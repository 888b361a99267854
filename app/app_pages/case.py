"""Case: one case of a run in every stage that scored it, with its suite entry and history."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from evalstage.app import data, fmt, stages, ui
from evalstage.evalcore.errors import SuiteError

st.title("Case")
url = ui.store_or_stop()
run = ui.select_run(url, "Run", key="case_run", default_id=ui.param("run_id"))
if run is None:
    st.stop()
assert run is not None  # st.stop() ends the script; this tells the type checker
RUN = run
case_id = st.text_input("Case id", value=ui.param("case_id"), key="case_id_input").strip()
folder = st.text_input(
    "Suite folder (for the case's input, note and category)",
    value=ui.param("folder") or data.run_suite_folder(run) or data.default_suite_folder(),
    key="case_suite_folder",
    help="The folder the run read (recorded with the run) when it still exists; a warning says "
    "when its content differs from the run's suite hash.",
)
if not case_id:
    st.info("Enter a case id, or open a case from the Run or Compare page.")
    st.stop()
wanted_variant = ui.param("variant") or "original"
if "#" in case_id and not data.case_stages(url, run.run_id, case_id):
    case_id, wanted_variant = data.split_key(case_id)  # a result key: case_id#variant
st.query_params.update({"run_id": run.run_id, "case_id": case_id})

suite_cases: dict[str, list[dict[str, Any]]] = {}
if folder and Path(folder, "suite.yaml").is_file():
    try:
        name, _version, suite_cases = data.suite_cases(folder)
    except SuiteError as exc:
        st.warning("The suite folder could not be loaded:")
        st.text(exc.render())
    else:
        if name != run.suite_name:
            st.warning(
                f"The suite folder holds suite '{name}', the run suite '{run.suite_name}'; "
                "its case entries are not shown."
            )
            suite_cases = {}
        elif data.suite_hash(folder) != run.suite_hash:
            st.warning(
                f"The suite folder's content (hash {data.suite_hash(folder)[:12]}) differs from "
                f"the suite this run used (hash {run.suite_hash[:12]}): the case entries below "
                "may have changed since the run."
            )
elif folder:
    st.text(f"No suite.yaml in {folder}: showing stored results only.")

present = data.case_stages(url, run.run_id, case_id)
st.text(
    f"Case {case_id} in run {ui.short(run.run_id)} ({run.suite_name}): "
    f"stages {', '.join(present) or fmt.DASH}"
)
if not present:
    st.warning("This run holds no result for this case id.")


def pick_variant(stage: str) -> str:
    """The variant of ``case_id`` to show in ``stage``: a selector when the stage has several."""
    variants = data.case_variants(url, RUN.run_id, stage, case_id)
    names = variants["variant"].tolist() or ["original"]
    if len(names) == 1:
        return str(names[0])
    st.text(f"{len(names)} variants of this case:")
    ui.table(variants)
    index = names.index(wanted_variant) if wanted_variant in names else 0
    chosen = str(st.selectbox("Variant", names, index=index, key=f"case_variant_{stage}"))
    if ui.param("stage") in ("", stage):
        if chosen == "original":
            st.query_params.pop("variant", None)
        else:
            st.query_params["variant"] = chosen
    return chosen


for stage in present:
    st.header(stage)
    variant = pick_variant(stage)
    result = data.case_result(url, RUN.run_id, stage, case_id, variant)
    if result is None:
        continue
    case = next((c for c in suite_cases.get(stage, []) if c["case_id"] == case_id), None)
    left, right = st.columns([3, 2])
    with left:
        facts: dict[str, object] = {
            **({"variant": result.variant} if result.variant != "original" else {}),
            "outcome": result.outcome.value,
            "failure category": result.failure_category,
            "reason": result.reason,
            "category": result.category,
            "canary": result.canary,
        }
        why = {
            "failure category": "The case did not fail.",
            "reason": "No reason was recorded (a pass needs none).",
            "category": "The suite gives this case no category.",
        }
        if case is not None:
            facts.update(
                {
                    "note": case.get("note"),
                    "tags": case.get("tags"),
                    "retired in": case.get("retired_in"),
                }
            )
            why.update(
                {
                    "note": "The suite gives this case no note.",
                    "tags": "The suite gives this case no tags.",
                    "retired in": "The case is not retired.",
                }
            )
        ui.facts(facts, why)
    with right:
        if result.scores:
            ui.table(
                pd.DataFrame({"score": list(result.scores), "value": list(result.scores.values())})
            )
        else:
            st.text(f"scores: {fmt.DASH}", help="No score was measured (error or unmeasured).")
    view = stages.case_view_of(stage)
    view(url, run, result, case)

st.header("History")
history = data.case_history(url, run.suite_name, case_id)
if history.empty:
    st.text("No run of this suite holds this case.")
else:
    ui.table(history)
