"""Gate a suite: run it, pick the baseline run, and evaluate the gates of its ``suite.yaml``.

The gates themselves are evaluated by :func:`evalcore.gates.evaluate_gates`; this module picks
the baseline run and runs the suite through :func:`flows.evaluate.evaluate_suite`. The CLI
(:mod:`cli.gate`) renders the verdict.
"""

from __future__ import annotations

from pathlib import Path

from evalstage.evalcore.env import default_store_url
from evalstage.evalcore.errors import SuiteError
from evalstage.evalcore.gates import GateReport, evaluate_gates
from evalstage.evalcore.records import CaseResult, RunRecord
from evalstage.evalcore.store import ResultStore
from evalstage.evalcore.suite import TargetSpec, load_suite, max_error_rates
from evalstage.flows.evaluate import evaluate_suite, validate_suite
from evalstage.flows.judge import judge_check
from evalstage.flows.runtime import call_flow

BASELINE_LATEST = "latest"
BASELINE_NONE = "none"


def latest_baseline(store: ResultStore, run: RunRecord) -> RunRecord | None:
    """The newest completed run of the same suite that started before ``run``."""
    for candidate in store.list_runs(suite=run.suite_name, limit=200):
        if (
            candidate.run_id != run.run_id
            and candidate.status == "completed"
            and candidate.started_at < run.started_at
        ):
            return candidate
    return None


def explicit_baseline(store: ResultStore, choice: str) -> RunRecord | None:
    """The run named by ``--baseline`` (an id or unique prefix); ``None`` for latest/none."""
    if choice in (BASELINE_LATEST, BASELINE_NONE):
        return None
    try:
        return store.get_run(choice)
    except KeyError as exc:
        raise SuiteError(
            str(exc.args[0]),
            field="--baseline",
            hint="pass latest, none or a run id; list runs with: evalstage runs",
        ) from exc


def gate_suite(
    suite_dir: str,
    stages: list[str] | None = None,
    store_url: str | None = None,
    targets: dict[str, TargetSpec] | None = None,
    baseline: str = BASELINE_LATEST,
    repeats: int = 1,
) -> tuple[GateReport, list[CaseResult]]:
    """Run the suite, then evaluate the gates of its ``suite.yaml``.

    ``baseline`` is ``latest`` (the newest earlier completed run of the suite), ``none`` or a
    run id; ``repeats`` runs live targets that many times (thresholds may then bound
    ``pass_all@k`` and ``flip_rate``). Returns the report and the run's case results. Bad
    input raises :class:`SuiteError` before anything runs (or, for a metric no stage reports,
    after the run).
    """
    validate_suite(suite_dir, stages)
    suite = load_suite(Path(suite_dir))
    store = ResultStore(store_url or default_store_url())
    chosen = explicit_baseline(store, baseline)
    judge = judge_check(suite, store)  # a broken judge spec fails before the run
    # the caller's store_url, not store.url: None keeps a URL with a password out of the flow's
    # parameters (the flow reads it from $EVALSTAGE_STORE, as the store above did)
    run_id = call_flow(
        evaluate_suite,
        suite_dir,
        stages=stages,
        store_url=store_url,
        targets=targets or {},
        repeats=repeats,
    )
    run = store.get_run(run_id)
    results = store.case_results(run_id)
    reason = "--baseline none"
    if baseline == BASELINE_LATEST:
        chosen = latest_baseline(store, run)
        reason = f"no earlier completed run of suite '{run.suite_name}' in the store"
    report = evaluate_gates(
        suite.manifest.gates,
        run,
        results,
        chosen,
        store.case_results(chosen.run_id) if chosen is not None else [],
        manifest_path=suite.manifest_path,
        no_baseline_reason=reason,
        judge=judge,
        max_error_rates=max_error_rates(suite.manifest),
    )
    return report, results
