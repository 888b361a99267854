"""Cached, read-only queries of the results store and of suite folders.

Every function takes the store URL (or a folder) as its first argument so that Streamlit's caches
key on it. The app only ever reads: no function here writes to the store.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy.engine import make_url

from evalstage.evalcore.cases import CaseBase
from evalstage.evalcore.env import default_store_url
from evalstage.evalcore.loaders import load_jsonl
from evalstage.evalcore.outcomes import Outcome
from evalstage.evalcore.records import CaseResult, RunRecord
from evalstage.evalcore.scenarios import ScenarioReport, build_scenarios
from evalstage.evalcore.store import ResultStore
from evalstage.evalcore.suite import load_suite

TTL = 30
"""Seconds a cached query is reused; new runs show up after at most this long."""

MEASURED = (Outcome.PASS.value, Outcome.FAIL.value)
BAD = (Outcome.FAIL.value, Outcome.ERROR.value)


def store_url() -> str:
    """The store URL: ``--store URL`` after the script's ``--``, else ``$EVALSTAGE_STORE``."""
    args = sys.argv[1:]
    for i, arg in enumerate(args):
        if arg == "--store" and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--store="):
            return arg.split("=", 1)[1]
    return os.environ.get("EVALSTAGE_STORE") or default_store_url()


def _missing_sqlite_file(url: str) -> bool:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return False
    return not Path(parsed.database).exists()


@st.cache_resource(show_spinner=False)
def get_store(url: str) -> ResultStore | None:
    """The store behind ``url``; ``None`` for a SQLite file that does not exist (nothing to read).

    A missing SQLite file is not created: the app never writes.
    """
    if _missing_sqlite_file(url):
        return None
    return ResultStore(url)


@st.cache_data(ttl=TTL, show_spinner=False)
def list_runs(url: str, suite: str | None = None) -> list[RunRecord]:
    """Every run (of ``suite``), newest first, with its stage summaries."""
    store = get_store(url)
    return [] if store is None else store.list_runs(suite)


@st.cache_data(ttl=TTL, show_spinner=False)
def get_run(url: str, run_id: str) -> RunRecord | None:
    """One run by id or unique prefix; ``None`` if none (or several) match."""
    store = get_store(url)
    if store is None or not run_id:
        return None
    try:
        return store.get_run(run_id)
    except KeyError:
        return None


CASE_COLUMNS = ("case_id", "variant", "outcome", "failure_category", "reason", "category", "canary")
"""The columns of :func:`case_frame` before the per-case scores."""


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=16)
def case_frame(url: str, run_id: str, stage: str) -> pd.DataFrame:
    """The per-case results of one stage as a table: ids, outcome, reason and one column per score.

    Details (rankings, verdicts) are left out; :func:`case_result` reads them for one case.
    """
    store = get_store(url)
    if store is None:
        return pd.DataFrame()
    rows = store.case_rows(run_id, stage)
    base = pd.DataFrame(
        [r.model_dump(exclude={"scores"}) for r in rows], columns=list(CASE_COLUMNS)
    )
    scores = pd.DataFrame([r.scores for r in rows], index=base.index)
    return pd.concat([base, scores], axis=1)


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=256)
def case_result(
    url: str, run_id: str, stage: str, case_id: str, variant: str = "original"
) -> CaseResult | None:
    """One case's full result (details included) in one stage of a run, for one variant."""
    store = get_store(url)
    if store is None:
        return None
    return store.case_result(run_id, stage, case_id, variant)


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=256)
def case_variants(url: str, run_id: str, stage: str, case_id: str) -> pd.DataFrame:
    """Every variant of one case in one stage: variant, outcome, failure category and reason.

    ``original`` first, then the others in stored order.
    """
    columns = ["variant", "outcome", "failure_category", "reason"]
    store = get_store(url)
    if store is None:
        return pd.DataFrame(columns=columns)
    rows = [r.model_dump(include=set(columns)) for r in store.case_rows(run_id, stage, case_id)]
    rows.sort(key=lambda r: r["variant"] != "original")
    return pd.DataFrame(rows, columns=columns).drop_duplicates("variant")


def split_key(key: str) -> tuple[str, str]:
    """``(case_id, variant)`` of a result key: ``case_id#variant``, or ``case_id`` (original)."""
    if "#" not in key:
        return key, "original"
    case_id, variant = key.rsplit("#", 1)
    return case_id, variant


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=64)
def case_stages(url: str, run_id: str, case_id: str) -> list[str]:
    """The stages of a run that hold a result for ``case_id``."""
    store = get_store(url)
    return store.case_stages(run_id, case_id) if store is not None else []


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=64)
def case_history(url: str, suite: str, case_id: str) -> pd.DataFrame:
    """The outcome of ``case_id`` in every run of ``suite``, newest first, per stage and variant."""
    store = get_store(url)
    columns = ["started_at", "run_id", "stage", "variant", "outcome", "reason", "primary_score"]
    if store is None:
        return pd.DataFrame(columns=columns)
    rows = store.case_history(suite, case_id)
    return pd.DataFrame([r.model_dump() for r in rows], columns=columns)


def _case_model(stage: str) -> tuple[type[CaseBase], str] | None:
    if stage == "retrieval":
        from evalstage.retrieval_eval import RetrievalCase

        return RetrievalCase, "query_id"
    if stage == "agent":
        from evalstage.agent_eval import AgentCase

        return AgentCase, "case_id"
    if stage == "generation":
        from evalstage.generation_eval import RagCase

        return RagCase, "case_id"
    return None


def _folder_stamp(folder: str) -> float:
    root = Path(folder)
    try:
        return max((p.stat().st_mtime for p in root.iterdir() if p.is_file()), default=0.0)
    except OSError:
        return 0.0


@st.cache_data(show_spinner=False, max_entries=8)
def _suite_cases(folder: str, _stamp: float) -> tuple[str, str, dict[str, list[dict[str, Any]]]]:

    suite = load_suite(folder)
    out: dict[str, list[dict[str, Any]]] = {}
    for stage, spec in suite.manifest.stages.items():
        found = _case_model(stage)
        path = suite.path(spec.cases)
        if found is None or not path.is_file():
            continue
        model, id_field = found
        out[stage] = [
            {"case_id": getattr(c, id_field), **c.model_dump(mode="json")}
            for c in load_jsonl(path, model, id_field=id_field)
        ]
    return suite.manifest.name, suite.manifest.version, out


@st.cache_data(show_spinner=False, max_entries=8)
def _suite_hash(folder: str, _stamp: float) -> str:

    return load_suite(folder).content_hash


def suite_hash(folder: str) -> str:
    """The content hash of a suite folder (what a run records as ``suite_hash``)."""
    return _suite_hash(str(Path(folder).resolve()), _folder_stamp(folder))


def suite_cases(folder: str) -> tuple[str, str, dict[str, list[dict[str, Any]]]]:
    """A suite folder's name, version and cases per stage (as plain dicts, ``case_id`` first).

    Cached until a file of the folder changes. Raises :class:`evalcore.SuiteError` on a bad suite.
    """
    return _suite_cases(str(Path(folder).resolve()), _folder_stamp(folder))


def run_suite_folder(run: RunRecord) -> str:
    """The suite folder the run read (recorded with each stage), when it is still there."""
    for stage in run.stages:
        folder = stage.config.get("suite_dir")
        if isinstance(folder, str) and (Path(folder) / "suite.yaml").is_file():
            return folder
    return ""


def default_suite_folder() -> str:
    """``suites/demo`` when it exists (relative to the working folder or the repository)."""
    for candidate in (Path("suites/demo"), Path(__file__).resolve().parents[1] / "suites/demo"):
        if (candidate / "suite.yaml").is_file():
            return str(candidate)
    return ""


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=32)
def paired_comparison(url: str, run_a: str, run_b: str, stage: str) -> pd.DataFrame:
    """Per metric of ``stage``: A, B, the paired delta B - A, its 95% bootstrap CI and p-value.

    Computed over the measured cases both runs share.
    """
    from evalstage.evalcore.compare import compare_stage

    store = get_store(url)
    rows = []
    if store is not None:
        comparison = compare_stage(
            stage, store.case_results(run_a, stage), store.case_results(run_b, stage)
        )
        rows = [
            {
                "metric": m.metric,
                "pairs": m.n,
                "A": m.baseline,
                "B": m.candidate,
                "delta": m.delta,
                "ci_low": m.ci_low,
                "ci_high": m.ci_high,
                "p_value": m.p_value,
            }
            for m in comparison.metrics
        ]
    return pd.DataFrame(
        rows, columns=["metric", "pairs", "A", "B", "delta", "ci_low", "ci_high", "p_value"]
    )


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=32)
def outcome_changes(url: str, run_a: str, run_b: str, stage: str) -> pd.DataFrame:
    """Results both runs hold whose outcome changed, with ``change`` = newly failing / fixed.

    Results pair by case id and variant (a stage without variants has only ``original``).
    """
    a = case_frame(url, run_a, stage)
    b = case_frame(url, run_b, stage)
    columns = ["case_id", "variant", "category", "outcome_a", "outcome_b", "reason_b", "change"]
    if a.empty or b.empty:
        return pd.DataFrame(columns=columns)
    pair = ["case_id", "variant"]
    merged = (
        a[[*pair, "category", "outcome"]]
        .drop_duplicates(pair)
        .merge(
            b[[*pair, "outcome", "reason"]].drop_duplicates(pair),
            on=pair,
            suffixes=("_a", "_b"),
        )
    )
    merged = merged.rename(columns={"reason": "reason_b"})
    failing = (merged["outcome_a"] == "pass") & merged["outcome_b"].isin(BAD)
    fixed = merged["outcome_a"].isin(BAD) & (merged["outcome_b"] == "pass")
    merged["change"] = ""
    merged.loc[failing, "change"] = "newly failing"
    merged.loc[fixed, "change"] = "newly fixed"
    return merged[merged["change"] != ""][columns].sort_values(["change", *pair])


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=16)
def suite_health(url: str, folder: str, runs: int) -> dict[str, Any] | None:
    """The health report of a suite folder over its last ``runs`` stored runs (as a dict).

    None when the store holds no run of the suite. Cases the suite no longer runs are left out.
    Raises :class:`evalcore.SuiteError` on a bad suite folder.
    """
    from evalstage.evalcore.suite_health import benchmark_stages
    from evalstage.evalcore.suite_health import suite_health as health

    store = get_store(url)
    name, _, cases = suite_cases(folder)
    every = benchmark_stages(load_suite(folder))  # BEIR queries: no cases file lists them
    if store is None:
        return None
    history = [(r, store.case_results(r.run_id)) for r in store.list_runs(name, runs)]
    if not history:
        return None
    active = {
        (stage, str(c["case_id"]))
        for stage, found in cases.items()
        for c in found
        if not c.get("retired_in") and not c.get("draft")
    }
    report = health(name, history, active, every_result_of=every)
    return report.model_dump(mode="json") | {"counts": report.counts()}


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=8)
def scenario_report(url: str, run_id: str) -> ScenarioReport | None:
    """The scenario report of one run (see :mod:`evalcore.scenarios`); ``None`` if no such run."""
    store = get_store(url)
    if store is None:
        return None
    try:
        run = store.get_run(run_id)
    except KeyError:
        return None
    return build_scenarios(run, store.case_results(run.run_id))
