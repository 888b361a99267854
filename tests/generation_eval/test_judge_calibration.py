"""Calibration maths on LLMBar's recorded GPT-4 verdicts (MT-Bench human labels) and the gate."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from evalstage.evalcore.calibration import CalibrationMetric, CalibrationRecord
from evalstage.evalcore.gates import JudgeCheck, judge_gates
from evalstage.evalcore.store import ResultStore, sqlite_url
from evalstage.evalcore.suite import Bound
from evalstage.generation_eval.judge import calibrate, cohen_kappa, load_judge

ROOT = Path(__file__).resolve().parents[2]
RAW = ROOT / "tests/data/judge/gpt4_judge_results.json"
DEMO = ROOT / "suites/demo/judge"


@pytest.fixture(scope="module")
def calibration() -> tuple[CalibrationRecord, list]:
    with load_judge(DEMO / "judge.yaml") as judge:
        return calibrate(judge, DEMO / "mt_bench_labels.jsonl.gz")


def test_reference_counts_from_the_raw_file() -> None:
    items = json.loads(RAW.read_text("utf-8"))
    winners = [
        (
            int(i["results"][0]["swap = False"]["winner"]),
            int(i["results"][0]["swap = True"]["winner"]),
        )
        for i in items
    ]
    labels = [i["label"] for i in items]
    assert sum(w == lb for (w, _), lb in zip(winners, labels, strict=True)) == 159
    assert sum(w == lb for (_, w), lb in zip(winners, labels, strict=True)) == 165
    assert sum(a == lb and b == lb for (a, b), lb in zip(winners, labels, strict=True)) == 149
    assert sum(a == b for a, b in winners) == 174


def test_pipeline_reproduces_reference_counts(calibration: tuple[CalibrationRecord, list]) -> None:
    record, judged = calibration
    assert len(judged) == 200
    c = record.counts
    assert (c["correct_ab"], c["correct_ba"], c["both_correct"], c["same_winner"]) == (
        159,
        165,
        149,
        174,
    )
    assert c["position_inconsistent"] == 26 and c["unmeasured"] == 0
    assert record.metric("accuracy_ab").value == pytest.approx(159 / 200)
    assert record.metric("accuracy_ba").value == pytest.approx(165 / 200)
    assert record.metric("both_correct").value == pytest.approx(149 / 200)
    assert record.metric("position_consistency").value == pytest.approx(174 / 200)
    # debiased verdict: correct only where both orders agree with the label
    assert record.metric("accuracy").value == pytest.approx(149 / 200)


def test_kappa_computed_independently(calibration: tuple[CalibrationRecord, list]) -> None:
    items = json.loads(RAW.read_text("utf-8"))
    judge, human = [], []
    for i in items:
        w0 = i["results"][0]["swap = False"]["winner"]
        w1 = i["results"][0]["swap = True"]["winner"]
        judge.append(w0 if w0 == w1 else "tie")
        human.append(str(i["label"]))
    n = len(items)
    p_o = sum(a == b for a, b in zip(judge, human, strict=True)) / n
    cj, ch = Counter(judge), Counter(human)
    p_e = sum(cj[k] * ch[k] for k in set(cj) | set(ch)) / n**2
    kappa = (p_o - p_e) / (1 - p_e)
    # by hand: judge A 87, B 87, tie 26; human A 101, B 99; p_o 149/200
    assert (cj["1"], cj["2"], cj["tie"], ch["1"], ch["2"]) == (87, 87, 26, 101, 99)
    assert p_e == pytest.approx((87 * 101 + 87 * 99) / 200**2)
    record, _ = calibration
    kappa_metric = record.metric("kappa")
    assert kappa_metric.value == pytest.approx(kappa)
    assert kappa_metric.ci_low < kappa < kappa_metric.ci_high
    assert cohen_kappa(judge, human) == pytest.approx(kappa)


def test_figures_have_cis_and_no_nan(calibration: tuple[CalibrationRecord, list]) -> None:
    record, _ = calibration
    for name in ("accuracy", "kappa", "position_consistency", "longer_preference"):
        m = record.metric(name)
        assert m.ci_low <= m.value <= m.ci_high
        assert m.value == m.value  # not NaN
    first = record.metric("first_position_rate")
    assert first.n == 400 and first.value == pytest.approx(204 / 400)


def test_kappa_edge_cases() -> None:
    assert cohen_kappa([], []) is None
    assert cohen_kappa(["A", "A"], ["A", "A"]) is None  # p_e = 1: undefined, not NaN
    assert cohen_kappa(["A", "B"], ["A", "B"]) == pytest.approx(1.0)
    assert cohen_kappa(["A", "B"], ["B", "A"]) == pytest.approx(-1.0)


def _record(prompt_sha: str, model: str, kappa: float, days: int = 0) -> CalibrationRecord:
    return CalibrationRecord(
        calibration_id=f"cal-{prompt_sha[:4]}-{days}",
        created_at=datetime(2025, 1, 1, tzinfo=UTC) + timedelta(days=days),
        judge_key="k",
        mode="pairwise",
        prompt_name="pairwise",
        prompt_sha256=prompt_sha,
        model=model,
        backend="recorded",
        labels_name="labels.jsonl",
        labels_sha256="x" * 64,
        n_items=10,
        n_measured=10,
        metrics=[CalibrationMetric(name="kappa", value=kappa, ci_low=0, ci_high=1, n=10)],
    )


def _check(calibrations: list[CalibrationRecord]) -> JudgeCheck:
    return JudgeCheck(
        prompt_name="pairwise", prompt_sha256="a" * 64, model="m", calibrations=calibrations
    )


def test_gate_rejects_missing_stale_and_low_calibrations() -> None:
    bounds = {"kappa": Bound(min=0.6)}
    missing = judge_gates(bounds, _check([]))
    assert [g.status for g in missing] == ["fail"] and "missing" in missing[0].detail
    stale = judge_gates(bounds, _check([_record("b" * 64, "m", 0.9)]))
    assert [g.status for g in stale] == ["fail"] and "stale" in stale[0].detail
    low = judge_gates(bounds, _check([_record("a" * 64, "m", 0.5)]))
    assert [g.status for g in low] == ["pass", "fail"]
    ok = judge_gates(bounds, _check([_record("a" * 64, "m", 0.7), _record("b" * 64, "m", 0.1)]))
    assert [g.status for g in ok] == ["pass", "pass"]


def test_store_round_trip_and_gate_on_the_demo_judge(
    tmp_path: Path, calibration: tuple[CalibrationRecord, list]
) -> None:
    store = ResultStore(sqlite_url(tmp_path / "s.db"))
    record, _ = calibration
    store.save_calibration(record)
    (got,) = store.list_calibrations(model="gpt-4", prompt_sha256=record.prompt_sha256)
    assert got == record
    check = JudgeCheck(
        prompt_name=record.prompt_name,
        prompt_sha256=record.prompt_sha256,
        model=record.model,
        calibrations=store.list_calibrations(),
    )
    gates = judge_gates({"kappa": Bound(min=0.6), "accuracy": Bound(min=0.7)}, check)
    # GPT-4's kappa (0.549) is below 0.6: the gate refuses it; accuracy 0.745 holds
    assert [(g.name, g.status) for g in gates[1:]] == [
        ("judge kappa", "fail"),
        ("judge accuracy", "pass"),
    ]
