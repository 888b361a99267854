"""The example GitHub workflow: actionlint passes, and it runs the documented gate command."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml

from evalstage.cli import app

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "evalstage.yml"
DOCS = ROOT / "docs" / "ci.md"
GATE_COMMAND = (
    "evalstage gate suites/demo --baseline latest "
    "--junit evalstage-junit.xml --markdown evalstage-summary.md"
)


def actionlint() -> str | None:
    """The actionlint binary: next to this Python (the dev extra installs it), else on PATH."""
    beside = Path(sys.executable).with_name("actionlint")
    return str(beside) if beside.is_file() else shutil.which("actionlint")


def steps() -> list[dict[str, Any]]:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    found: list[dict[str, Any]] = workflow["jobs"]["gate"]["steps"]
    return found


def test_actionlint_passes() -> None:
    binary = actionlint()
    if binary is None:
        pytest.skip("actionlint not found: install the dev extra (pip install -e '.[dev]')")
    done = subprocess.run(
        [binary, "-no-color", str(WORKFLOW.relative_to(ROOT))],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_workflow_runs_exactly_the_documented_gate_command() -> None:
    runs = [s["run"].strip() for s in steps() if "evalstage" in s.get("run", "")]
    gate_runs = [r for r in runs if "evalstage gate" in r]
    assert gate_runs == [GATE_COMMAND]
    assert GATE_COMMAND in DOCS.read_text()
    # every option of the command is an option of `evalstage gate`
    command = typer.main.get_command(app)
    gate = command.commands["gate"]  # type: ignore[attr-defined]
    known = {opt for param in gate.params for opt in param.opts}
    used = [word for word in shlex.split(GATE_COMMAND) if word.startswith("--")]
    assert used and set(used) <= known


def test_workflow_triggers_permissions_and_reports() -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert "pull_request" in triggers and "schedule" in triggers
    assert workflow["permissions"] == {"contents": "read"}
    assert workflow["jobs"]["gate"]["permissions"] == {
        "contents": "read",
        "pull-requests": "write",
    }
    by_use = {s.get("uses", "").split("@")[0]: s for s in steps()}
    upload = by_use["actions/upload-artifact"]
    assert upload["with"]["path"] == "evalstage-junit.xml" and upload["if"] == "always()"
    comment = by_use["marocchino/sticky-pull-request-comment"]
    assert comment["with"]["path"] == "evalstage-summary.md"
    assert comment["if"].startswith("always()")
    assert any("GITHUB_STEP_SUMMARY" in s.get("run", "") for s in steps())
    install = next(s["run"] for s in steps() if "pip install" in s.get("run", ""))
    assert install.index("torch==2.13.0") < install.index("install -c constraints.txt .")
    assert by_use["actions/cache/restore"]["with"]["path"] == ".evalstage"
    assert "pull_request" in by_use["actions/cache/save"]["if"]


def test_the_scaffolded_workflow_passes_actionlint_and_installs_a_pinned_evalstage(
    tmp_path: Path,
) -> None:
    from typer.testing import CliRunner

    from evalstage import __version__

    binary = actionlint()
    if binary is None:
        pytest.skip("actionlint not found: install the dev extra (pip install -e '.[dev]')")
    result = CliRunner().invoke(app, ["init", str(tmp_path)])
    assert result.exit_code == 0, result.output
    workflow = tmp_path / ".github" / "workflows" / "evalstage.yml"
    done = subprocess.run([binary, str(workflow)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    text = workflow.read_text()
    assert f'pip install "evalstage=={__version__}"' in text
    assert "evalstage gate evals/suite --baseline latest" in text
