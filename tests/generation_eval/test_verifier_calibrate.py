"""Choosing the support threshold on a team's own labelled claims (`generation calibrate`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evalstage.cli import app
from evalstage.generation_eval.verifier import OfflineScorer, Thresholds, Verifier
from evalstage.generation_eval.verifier._calibrate import calibrate
from evalstage.generation_eval.verifier._files import verify_texts

EVIDENCE = (
    "In a randomised trial of 1,200 adults, daily aspirin reduced the risk of stroke by 30% "
    "compared with placebo. Bleeding was rare. The trial ran for five years in Denmark."
)
CLAIMS = [
    ("Daily aspirin reduced the risk of stroke by 30% compared with placebo.", "supported"),
    ("Aspirin lowered stroke risk.", "supported"),
    ("The trial lasted five years.", "supported"),
    ("The study took place in Denmark.", "supported"),
    ("Adults took aspirin every day. Bleeding was uncommon.", "supported"),
    ("The trial enrolled adults.", "supported"),
    ("Daily aspirin did not reduce the risk of stroke.", "contradicted"),
    ("Daily aspirin reduced the risk of stroke by 80%.", "contradicted"),
    ("The trial ran in Sweden.", "unsupported"),
    ("Aspirin also prevented heart attacks.", "unsupported"),
    ("The trial enrolled adults. It was funded by Bayer.", "unsupported"),
    ("Most participants were women.", "unsupported"),
]


def _write(path: Path, rows: list[tuple[str, str]]) -> Path:
    lines = [
        json.dumps({"id": k, "context": EVIDENCE, "claim": claim, "label": label})
        for k, (claim, label) in enumerate(rows)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def scorer() -> OfflineScorer:
    return OfflineScorer()


@pytest.mark.slow
def test_the_chosen_threshold_labels_as_the_verifier_then_does(
    scorer: OfflineScorer, tmp_path: Path
) -> None:
    result = calibrate(_write(tmp_path / "own.jsonl", CLAIMS), Verifier(scorer))
    assert result["n"] == 12 and result["supported"] == 6 and result["not_supported"] == 6
    assert result["label_rule"] == "fusion: likeliest label"
    assert result["balanced_accuracy_at_threshold"] >= result["balanced_accuracy_now"]
    low, high = result["threshold_ci95"]
    assert low <= result["threshold"] <= high
    assert not result["reliable"]  # 6 a side is too few to trust
    # What calibrate says the threshold would do is what a verifier with it does.
    tuned = Verifier(scorer, thresholds=Thresholds(support=result["threshold"]))
    verdicts = [v for v, _ in verify_texts(tuned, [(c, [EVIDENCE], None) for c, _ in CLAIMS])]
    supported = [v.label == "supported" for v in verdicts]
    assert sum(supported) / len(CLAIMS) == pytest.approx(result["supported_at_threshold"])
    truth = [label == "supported" for _, label in CLAIMS]
    tpr = sum(s and t for s, t in zip(supported, truth, strict=True)) / sum(truth)
    tnr = sum(not s and not t for s, t in zip(supported, truth, strict=True)) / (12 - sum(truth))
    assert (tpr + tnr) / 2 == pytest.approx(result["balanced_accuracy_at_threshold"])


@pytest.mark.slow
def test_calibrate_prints_the_suite_lines(tmp_path: Path) -> None:
    path = _write(tmp_path / "own.jsonl", CLAIMS)
    done = CliRunner().invoke(app, ["generation", "calibrate", "--input", str(path)])
    assert done.exit_code == 0, done.output
    assert "balanced accuracy" in done.output and "in suite.yaml" in done.output
    assert '"thresholds": {"support": ' in done.output
    as_json = CliRunner().invoke(app, ["generation", "calibrate", "--input", str(path), "--json"])
    assert json.loads(as_json.stdout)["n"] == 12


def test_a_bad_label_exits_2_naming_line_and_field(tmp_path: Path) -> None:
    path = _write(tmp_path / "own.jsonl", [("A claim.", "supported"), ("B claim.", "true")])
    done = CliRunner().invoke(app, ["generation", "calibrate", "--input", str(path)])
    assert done.exit_code == 2
    assert "own.jsonl:2" in done.output and "label" in done.output
    assert "Traceback" not in done.output


def test_a_missing_file_exits_2(tmp_path: Path) -> None:
    done = CliRunner().invoke(
        app, ["generation", "calibrate", "--input", str(tmp_path / "none.jsonl")]
    )
    assert done.exit_code == 2 and "no such file" in done.output
