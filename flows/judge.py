"""The LLM judge in flows: calibration, the gate's view of the judge, comparisons.

Calibration is also a Prefect flow, ``judge_calibration``, for periodic re-calibration. The
maths lives in :mod:`generation_eval.judge`; this module resolves paths, reads and writes the
results store and renders tables. The flow has no retries: the judge's client already retries
transport errors.
"""

from __future__ import annotations

from pathlib import Path

from evalstage.evalcore.calibration import CalibrationRecord
from evalstage.evalcore.env import default_store_url
from evalstage.evalcore.errors import SuiteError
from evalstage.evalcore.gates import JudgeCheck
from evalstage.evalcore.loaders import load_jsonl
from evalstage.evalcore.store import ResultStore
from evalstage.evalcore.suite import Suite, load_suite
from evalstage.flows.runtime import call_task, flow, task
from evalstage.generation_eval.judge import (
    Comparison,
    TargetAnswer,
    calibrate,
    compare_pairs,
    load_judge,
    pair_targets,
    recorded_rows,
    write_recording,
)


def suite_judge_paths(suite: Suite) -> tuple[Path, Path | None]:
    """The judge spec and labels a suite's ``judge:`` section names (resolved)."""
    ref = suite.manifest.judge
    if ref is None:
        raise SuiteError(
            "the suite declares no judge",
            path=suite.manifest_path,
            field="judge",
            hint="add 'judge: {spec: judge/judge.yaml, labels: judge/labels.jsonl}'",
        )
    return suite.path(ref.spec), suite.path(ref.labels) if ref.labels else None


def resolve_inputs(
    suite_dir: str | None, judge_spec: str | None, labels: str | None
) -> tuple[Path, Path]:
    """The judge spec and labels file, from explicit paths or the suite's ``judge:`` section."""
    spec_path = Path(judge_spec) if judge_spec else None
    labels_path = Path(labels) if labels else None
    if suite_dir is not None and (spec_path is None or labels_path is None):
        from_suite = suite_judge_paths(load_suite(Path(suite_dir)))
        spec_path = spec_path or from_suite[0]
        labels_path = labels_path or from_suite[1]
    if spec_path is None:
        raise SuiteError("no judge spec", field="--judge", hint="pass --judge JUDGE.yaml")
    if labels_path is None:
        raise SuiteError("no human labels", field="--labels", hint="pass --labels LABELS.jsonl")
    return spec_path, labels_path


def calibrate_judge(
    judge_spec: Path,
    labels: Path,
    store_url: str | None = None,
    record_to: Path | None = None,
) -> CalibrationRecord:
    """Calibrate the judge against the labels and store the record.

    With ``record_to``, the judge's replies are written there too, so a live judge can be
    replayed offline.
    """
    with load_judge(judge_spec) as judge:
        record, judged = calibrate(judge, labels)
        if record_to is not None:
            write_recording(record_to, judge.identity, recorded_rows(judged), source=str(labels))
    ResultStore(store_url or default_store_url()).save_calibration(record)
    return record


@task(name="calibrate-judge")
def calibrate_task(judge_spec: str, labels: str, store_url: str | None) -> CalibrationRecord:
    """Calibrate and store (one task: the whole labelled set is one batch)."""
    return calibrate_judge(Path(judge_spec), Path(labels), store_url)


@flow(name="judge_calibration", log_prints=True)
def judge_calibration(
    suite_dir: str | None = None,
    judge_spec: str | None = None,
    labels: str | None = None,
    store_url: str | None = None,
) -> str:
    """Re-calibrate a judge (the suite's by default) and store the record; returns its id."""
    spec_path, labels_path = resolve_inputs(suite_dir, judge_spec, labels)
    record: CalibrationRecord = call_task(
        calibrate_task, str(spec_path), str(labels_path), store_url
    )
    summary = ", ".join(f"{m.name} {m.value:.3f}" for m in record.metrics[:4])
    print(
        f"stored calibration {record.calibration_id} of {record.prompt_name} {record.model}: "
        f"{summary}"
    )
    return record.calibration_id


def judge_check(suite: Suite, store: ResultStore) -> JudgeCheck | None:
    """The suite's judge with its stored calibrations, for the gate; ``None`` without a judge."""
    if suite.manifest.judge is None:
        return None
    spec_path, _ = suite_judge_paths(suite)
    with load_judge(spec_path) as judge:
        identity = judge.identity
    return JudgeCheck(
        prompt_name=identity.prompt_name,
        prompt_sha256=identity.prompt_sha256,
        model=identity.model,
        calibrations=store.list_calibrations(),
    )


def compare_targets(
    judge_spec: Path,
    target_a: Path,
    target_b: Path,
    *,
    model_a: str | None = None,
    model_b: str | None = None,
) -> Comparison:
    """Judge target B against target A on the questions both answered."""
    pairs, unpaired = pair_targets(
        load_jsonl(target_a, TargetAnswer, id_field="id"),
        load_jsonl(target_b, TargetAnswer, id_field="id"),
        model_a=model_a,
        model_b=model_b,
    )
    with load_judge(judge_spec) as judge:
        return compare_pairs(judge, pairs, unpaired)
