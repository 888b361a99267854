"""``evalstage report RUN``: markdown, JSON and a self-contained HTML page seen in a browser."""

import json
from pathlib import Path

import pytest
from scenario_fixtures import RESULTS, scenario_run
from typer.testing import CliRunner

from evalstage.cli import app
from evalstage.evalcore import ResultStore, sqlite_url

runner = CliRunner()
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def store(tmp_path: Path) -> str:
    url = sqlite_url(tmp_path / "runs.db")
    db = ResultStore(url)
    db.save_run(scenario_run(run_id="0123456789abcdef"), RESULTS)
    db.engine.dispose()
    return url


def test_markdown_report_of_a_run_prefix(store: str) -> None:
    result = runner.invoke(app, ["report", "0123", "--store", store])
    assert result.exit_code == 0, result.output
    assert "# Scenario report · run 0123456789abcdef" in result.output
    assert "| generation | number | 2 |" in result.output
    assert "not measured: no cost recorded" in result.output


def test_json_report_has_every_row_and_the_schema(store: str) -> None:
    result = runner.invoke(app, ["report", "0123", "--format", "json", "--store", store])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["schema_version"] == 1
    rows = {(r["stage"], r["category"]): r for r in data["rows"]}
    assert rows[("generation", "number")]["cells"]["pass_rate"]["value"] == 0.5
    assert rows[("retrieval", "all")]["cells"]["leak_rate"]["missing"]


def test_unknown_run_is_a_clear_error(store: str) -> None:
    result = runner.invoke(app, ["report", "nope", "--store", store])
    assert result.exit_code == 2
    assert "no run 'nope'" in result.output and "Traceback" not in result.output


def test_html_report_renders_offline_in_a_real_browser(store: str, tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not importable")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"chromium not found at {CHROMIUM} (apt-get install chromium)")
    out = tmp_path / "report.html"
    result = runner.invoke(
        app, ["report", "0123", "--format", "html", "--out", str(out), "--store", store]
    )
    assert result.exit_code == 0, result.output
    requests: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"], headless=True
        )
        page = browser.new_page()
        page.on("request", lambda r: requests.append(r.url))
        page.goto(out.as_uri())
        table = page.locator("#scenarios")
        sync_api.expect(table).to_be_visible()
        groups = page.locator("th.group").all_inner_texts()
        assert groups == ["quality", "robustness", "calibration", "safety", "efficiency"]
        row = page.locator('tr[data-stage="generation"][data-category="number"]')
        assert row.locator('td[data-col="pass_rate"]').inner_text().startswith("0.50 [")
        assert "first 1.00" in row.locator('td[data-col="position"]').inner_text()
        missing = page.locator('tr[data-stage="retrieval"][data-category="all"] td.nm')
        assert missing.count() > 0
        assert missing.first.inner_text() == "not measured"
        assert missing.first.get_attribute("title")
        cells = page.locator("tbody td").all_inner_texts()
        assert all(c.strip() for c in cells)  # no blank cell
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        browser.close()
    assert all(u.startswith("file://") for u in requests)  # nothing fetched from a network


def test_an_out_path_that_is_a_folder_is_a_clear_error(store: str, tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", "0123", "--out", str(tmp_path), "--store", store])
    assert result.exit_code == 2
    assert "the output path is a folder" in result.output and "Traceback" not in result.output
