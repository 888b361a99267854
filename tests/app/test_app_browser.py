"""End to end in a real browser: the app as a subprocess, driven by Playwright + Debian chromium.

Screenshots go to ``test-artifacts/screenshots/`` (and, with ``EVALSTAGE_DOCS_SHOTS=1``, viewport
shots to ``docs/screenshots/``); the cold first-paint time of the Runs page is printed and written
to ``test-artifacts/first-paint.txt``. Never runs ``playwright install``: it uses
``/usr/bin/chromium``.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

try:
    from playwright.sync_api import Page, expect, sync_playwright
except ImportError:  # pragma: no cover - depends on the environment
    pytest.skip("playwright is not importable (pip install playwright)", allow_module_level=True)
if not Path(CHROMIUM).exists():  # pragma: no cover - depends on the environment
    pytest.skip(
        f"chromium not found at {CHROMIUM} (apt-get install chromium)", allow_module_level=True
    )

from evalstage.cli.serve import app_command_line  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-artifacts" / "screenshots"
DOC_SHOTS = ROOT / "docs" / "screenshots"
DOC_PAGES = {
    "runs",
    "run-retrieval",
    "run-agent",
    "run-generation",
    "compare",
    "compare-changes",
    "case-agent-xss",
    "case-retrieval",
    "case-generation",
    "suite",
    "judge",
    "scenarios",
    "health",
}
"""The shots docs/app.md shows: one or more of every page."""
FIRST_PAINT = ROOT / "test-artifacts" / "first-paint.txt"

REPRS = {
    "dict repr": re.compile(r"\{'"),
    "quoted key": re.compile(r"'\s*:\s"),
    "None": re.compile(r"\bNone\b"),
    "empty list": re.compile(r"\[\]"),
    "empty dict": re.compile(r"\{\}"),
    "nan": re.compile(r"\bnan\b|\bNaN\b"),
}
"""What a Python repr on the page looks like; no page may show any of these."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(fx: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    # The app's default suite folder is ./suites/demo: point it at the fixture suite.
    cwd = tmp_path_factory.mktemp("appcwd")
    shutil.copytree(fx["suite"], cwd / "suites" / "demo")
    port = _free_port()
    env = {**os.environ, "EVALSTAGE_STORE": "sqlite:////nonexistent/ignored.db"}
    log = (cwd / "streamlit.log").open("w")
    proc = subprocess.Popen(
        app_command_line(fx["url"], port), cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail("the app did not start:\n" + (cwd / "streamlit.log").read_text())
            time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def page(server: str) -> Iterator[tuple[Page, list[str]]]:
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        tab = context.new_page()
        dialogs: list[str] = []

        def on_dialog(dialog: Any) -> None:
            dialogs.append(dialog.message)
            dialog.dismiss()

        tab.on("dialog", on_dialog)
        tab.set_default_timeout(30_000)
        yield tab, dialogs
        context.close()
        browser.close()


def _open(tab: Page, url: str, title: str) -> None:
    tab.goto(url)
    expect(tab.get_by_role("heading", name=title, exact=True).first).to_be_visible()
    tab.wait_for_load_state("networkidle")
    # Let Streamlit finish the script run (the status widget disappears when idle).
    tab.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=30_000
    )


def _shot(tab: Page, name: str) -> None:
    tab.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    if os.environ.get("EVALSTAGE_DOCS_SHOTS") == "1" and name in DOC_PAGES:
        DOC_SHOTS.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(DOC_SHOTS / f"{name}.png"))


def _no_repr(tab: Page, where: str) -> str:
    """The page's rendered text (tables' cells included) holds no Python repr; returns the
    cells' text."""
    if tab.locator("[data-testid='stDataFrame']").count():  # grids draw their cells late
        tab.wait_for_function(
            "() => [...document.querySelectorAll('[data-testid=\"stDataFrame\"]')]"
            ".some(g => g.querySelector('td'))",
            timeout=15_000,
        )
    text = tab.evaluate("() => document.body.innerText")
    cells = tab.evaluate(
        '() => [...document.querySelectorAll(\'[data-testid="stDataFrame"] td, '
        "[data-testid=\"stDataFrame\"] th')].map(c => c.textContent).join('\\n')"
    )
    for name, pattern in REPRS.items():
        for source in (text, cells):
            found = pattern.search(source)
            assert found is None, (
                f"{where}: {name} in the rendered text: "
                f"...{source[max(0, found.start() - 60) : found.end() + 60]}..."
            )
    return str(cells)


def _no_injected_script(tab: Page) -> None:
    injected = tab.evaluate(
        "() => [...document.querySelectorAll('script')]"
        ".some(s => (s.textContent || '').includes('alert(1)'))"
    )
    assert not injected


def test_every_page_and_case_click_through(
    server: str, page: tuple[Page, list[str]], fx: dict[str, Any]
) -> None:
    tab, dialogs = page
    xss = fx["xss"]

    # cold first paint: the server is up but no script has run yet (the first session)
    started = time.perf_counter()
    tab.goto(f"{server}/")  # Runs is the default page (a default page has no URL path)
    expect(tab.get_by_text("2 of 5 runs")).to_be_visible()
    first_paint = time.perf_counter() - started
    FIRST_PAINT.parent.mkdir(parents=True, exist_ok=True)
    FIRST_PAINT.write_text(f"cold first paint of the Runs page: {first_paint:.2f} s\n")
    print(f"\ncold first paint of the Runs page: {first_paint:.2f} s")
    _open(tab, f"{server}/", "Runs")
    # a viewer's toolbar (client.toolbarMode viewer): no Deploy button
    assert tab.get_by_role("button", name="Deploy").count() == 0
    assert tab.locator("[data-testid='stAppDeployButton']").count() == 0
    assert fx["run_b"][:12] in _no_repr(tab, "runs")  # the check reads the tables' cells too
    _shot(tab, "runs")

    _open(tab, f"{server}/run?{urlencode({'run_id': fx['run_a']})}", "Run")
    expect(tab.get_by_role("tab", name="retrieval")).to_be_visible()
    _no_repr(tab, "run (retrieval)")
    _shot(tab, "run-retrieval")
    tab.get_by_role("tab", name="agent").click()
    expect(tab.get_by_text("Expected vs actual calls")).to_be_visible()
    _no_repr(tab, "run (agent)")
    _shot(tab, "run-agent")

    # Click into a case from the agent tab (the worst case of the page is a2).
    tab.get_by_role("link", name="Case a2").click()
    expect(tab.get_by_role("heading", name="Case", exact=True).first).to_be_visible()
    tab.wait_for_url("**/case?**")
    assert "case_id=a2" in tab.url
    # the payload shows as literal text in the call-by-call lines (the table's grid cells are
    # also in the DOM but hidden behind its canvas, so look only at visible matches)
    shown = tab.get_by_text(f"argument 'q' = '{xss}'", exact=False).filter(visible=True)
    expect(shown.first).to_be_visible()
    expect(tab.get_by_text("note: agent note 2", exact=False)).to_be_visible()
    # The conversation holds the payload too: visible literally, inert.
    expect(tab.locator("code").filter(has_text=xss).first).to_be_visible()
    _shot(tab, "case-agent-xss")
    _no_injected_script(tab)
    _no_repr(tab, "case (agent)")

    query = urlencode({"a": fx["run_a"], "b": fx["run_b"]})
    _open(tab, f"{server}/compare?{query}", "Compare runs")
    expect(tab.get_by_text("newly failing: 1   newly fixed: 1")).to_be_visible()
    # the forest plot of metric deltas, drawn (one per shared stage), and both targets named
    expect(tab.get_by_text("Metric deltas (B − A, 95% CI)").first).to_be_visible()
    charts = tab.locator("[data-testid='stVegaLiteChart']")
    expect(charts.first).to_be_visible()
    assert charts.count() >= 2
    expect(tab.locator("canvas, svg").first).to_be_visible()
    expect(tab.get_by_text("B target: dense", exact=False)).to_be_visible()
    _no_repr(tab, "compare")
    _shot(tab, "compare")
    tab.get_by_text("Newly failing").first.scroll_into_view_if_needed()
    _shot(tab, "compare-changes")
    tab.get_by_role("link", name="q1").first.click()
    tab.wait_for_url("**/case?**")
    assert "case_id=q1" in tab.url
    expect(tab.get_by_text("Top 10 (relevant documents marked):")).to_be_visible()
    _no_repr(tab, "case (retrieval)")
    _shot(tab, "case-retrieval")

    # Generation: the run's tab, then a case variant opened from its per-case table.
    _open(tab, f"{server}/run?{urlencode({'run_id': fx['run_gen_a']})}", "Run")
    expect(tab.get_by_role("tab", name="generation")).to_be_visible()
    expect(tab.get_by_text("Adversarial matrix", exact=False).first).to_be_visible()
    _no_repr(tab, "run (generation)")
    _shot(tab, "run-generation")
    tab.get_by_text("Behaviour rates (95% CI)").scroll_into_view_if_needed()
    _shot(tab, "run-generation-rates")
    tab.get_by_text("Adversarial matrix", exact=False).first.scroll_into_view_if_needed()
    _shot(tab, "run-generation-matrix")
    tab.get_by_role("link", name=re.compile(r"^num#")).first.click()
    tab.wait_for_url("**/case?**")
    assert "case_id=num" in tab.url and "variant=" in tab.url
    expect(tab.get_by_text("Claims (coloured by support)")).to_be_visible()

    query = urlencode(
        {
            "run_id": fx["run_gen_a"],
            "case_id": "num",
            "stage": "generation",
            "variant": "noisy_context",
        }
    )
    _open(tab, f"{server}/case?{query}", "Case")
    expect(tab.get_by_text("Claims (coloured by support)")).to_be_visible()
    expect(tab.get_by_text("Claim 1: unsupported", exact=False)).to_be_visible()
    expect(tab.get_by_text("distractor passages:", exact=False)).to_be_visible()
    # The answer holds <b> and <script>: shown literally in a code block, neither bold nor run.
    expect(tab.locator("code").filter(has_text=f"{fx['bold']} reduced").first).to_be_visible()
    assert tab.locator("b", has_text="Aspirin").count() == 0
    _no_injected_script(tab)
    _no_repr(tab, "case (generation)")
    _shot(tab, "case-generation")
    tab.get_by_text("Claims (coloured by support)").scroll_into_view_if_needed()
    _shot(tab, "case-generation-claims")

    _open(tab, f"{server}/suite", "Suite")
    expect(tab.get_by_text("suite fx 1.0: retrieval 5 cases, agent 3 cases")).to_be_visible()
    _no_repr(tab, "suite")
    _shot(tab, "suite")

    _open(tab, f"{server}/judge", "Judge calibrations")
    _no_repr(tab, "judge")
    _shot(tab, "judge")

    _no_injected_script(tab)
    assert dialogs == [], f"a dialog fired: {dialogs}"


def test_the_suite_health_page(server: str, page: tuple[Page, list[str]]) -> None:
    """Suite 'fx' has two runs: retrieval by bm25 then dense, the agent by one configuration.

    q3 and q4 pass for both retrievers (saturated, never discriminating), a1 passes twice
    (saturated), a3 fails then passes under one configuration (flaky); q5 is retired.
    """
    tab, dialogs = page
    tab.goto(f"{server}/health")  # a cold app (this test alone) may take long to first paint
    heading = tab.get_by_role("heading", name="Suite health", exact=True).first
    expect(heading).to_be_visible(timeout=180_000)
    _open(tab, f"{server}/health", "Suite health")
    expect(tab.get_by_text("suite fx: 2 runs", exact=False)).to_be_visible()
    for heading in ("saturated (3)", "flaky (1)", "never discriminating (2)", "canary drift (0)"):
        expect(tab.get_by_role("heading", name=heading)).to_be_visible()
    tab.wait_for_function(  # the grids draw their cells late (4 tables on this page)
        "() => [...document.querySelectorAll('[data-testid=\"stDataFrame\"] td')]"
        ".some(c => c.textContent.includes('one configuration'))",
        timeout=60_000,
    )
    cells = _no_repr(tab, "health")
    assert "passed and failed in runs of one configuration" in cells
    assert "a3" in cells and "q5" not in cells
    _shot(tab, "health")
    assert not dialogs


def test_scenarios_page_in_the_browser(
    server: str, page: tuple[Page, list[str]], fx: dict[str, Any]
) -> None:
    tab, _ = page
    _open(tab, f"{server}/scenarios?{urlencode({'run_id': fx['run_gen_a']})}", "Scenarios")
    for group in ("quality", "robustness", "calibration", "safety", "efficiency"):
        expect(tab.get_by_role("heading", name=group, exact=True)).to_be_visible()
    cells = _no_repr(tab, "scenarios")
    assert "not measured" in cells and " n=" in cells
    _shot(tab, "scenarios")
