"""``evalstage judge`` commands and the suite's judge section as the gate sees it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evalstage.cli import app
from evalstage.cli.judge_render import judge_status_line
from evalstage.evalcore.errors import SuiteError
from evalstage.evalcore.gates import judge_gates
from evalstage.evalcore.store import ResultStore, sqlite_url
from evalstage.evalcore.suite import load_suite
from evalstage.flows.judge import calibrate_judge, judge_check, resolve_inputs

DEMO = Path(__file__).resolve().parents[2] / "suites/demo/judge"
runner = CliRunner()


@pytest.fixture
def judged_suite(tiny_suite: Path) -> Path:
    shutil.copytree(DEMO, tiny_suite / "judge")
    manifest = tiny_suite / "suite.yaml"
    manifest.write_text(
        manifest.read_text()
        + "judge:\n  spec: judge/judge.yaml\n  labels: judge/mt_bench_labels.jsonl.gz\n"
    )
    return tiny_suite


def test_calibrate_prints_the_table_and_stores_it(tmp_path: Path) -> None:
    store = sqlite_url(tmp_path / "s.db")
    result = runner.invoke(
        app,
        [
            "judge",
            "calibrate",
            "--labels",
            str(DEMO / "mt_bench_labels.jsonl.gz"),
            "--judge",
            str(DEMO / "judge.yaml"),
            "--store",
            store,
        ],
    )
    assert result.exit_code == 0, result.output
    for text in (
        "kappa",
        "0.5487",
        "position_consistency",
        "0.8700",
        "longer_preference",
        "correct_ab 159",
        "same_winner 174",
    ):
        assert text in result.output
    assert len(ResultStore(store).list_calibrations()) == 1
    listed = runner.invoke(app, ["judge", "calibrations", "--store", store])
    assert "gpt-4" in listed.output


def test_compare_shows_position_consistency_and_lc_win_rate() -> None:
    result = runner.invoke(
        app,
        [
            "judge",
            "compare",
            "--judge",
            str(DEMO / "judge.yaml"),
            "--a",
            str(DEMO / "target_a.jsonl.gz"),
            "--b",
            str(DEMO / "target_b.jsonl.gz"),
            "--model-b",
            "gpt-4",
        ],
    )
    assert result.exit_code == 0, result.output
    for text in (
        "win_rate_b",
        "lc_win_rate_b",
        "position_consistency",
        "similar (0.8-1.25x)",
        "self-preference risk",
    ):
        assert text in result.output


def test_gate_check_follows_the_suites_judge(judged_suite: Path, tmp_path: Path) -> None:
    store = ResultStore(sqlite_url(tmp_path / "s.db"))
    suite = load_suite(judged_suite)
    check = judge_check(suite, store)
    assert check is not None and "NOT calibrated" in judge_status_line(check)
    assert judge_gates({}, check)[0].status == "fail"
    calibrate_judge(*resolve_inputs(str(judged_suite), None, None), store.url)
    check = judge_check(suite, store)
    assert check is not None and "calibrated" in judge_status_line(check)
    assert [g.status for g in judge_gates({}, check)] == ["pass"]
    # edit the prompt: a new judge, whose old calibration is stale
    prompt = judged_suite / "judge" / "my-prompt.md"
    from evalstage.generation_eval.judge import load_prompt

    prompt.write_text(Path(load_prompt("llmbar-vanilla-norules-v1").path).read_text() + "\n")
    spec = judged_suite / "judge" / "judge.yaml"
    spec.write_text(spec.read_text().replace("llmbar-vanilla-norules-v1", "my-prompt.md"))
    with pytest.raises(SuiteError, match="recording was made with prompt"):
        judge_check(load_suite(judged_suite), store)


def test_gate_bounds_without_a_judge_are_bad_input(tiny_suite: Path) -> None:
    manifest = tiny_suite / "suite.yaml"
    text = manifest.read_text()
    assert "gates:" not in text  # the tiny suite declares none
    manifest.write_text(text + "gates:\n  judge:\n    kappa: 0.6\n")
    with pytest.raises(SuiteError, match="declares no judge"):
        load_suite(tiny_suite)
