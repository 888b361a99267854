"""The app's Judge page shows stored calibrations (AppTest on a small store)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from evalstage.evalcore.store import ResultStore, sqlite_url
from evalstage.generation_eval.judge import calibrate, load_judge

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "suites/demo/judge"


def test_judge_page_lists_the_calibration(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "s.db")
    with load_judge(DEMO / "judge.yaml") as judge:
        record, _ = calibrate(judge, DEMO / "mt_bench_labels.jsonl.gz")
    ResultStore(url).save_calibration(record)
    monkeypatch.setenv("EVALSTAGE_STORE", url)
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app" / "main.py"), default_timeout=60)
    at.switch_page("app_pages/judge.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    table = at.dataframe[0].value
    assert table.loc[0, "model"] == "gpt-4"
    assert table.loc[0, "kappa"] == pytest.approx(record.metric("kappa").value)
    figures = at.dataframe[1].value
    assert "position_consistency" in set(figures["figure"])
