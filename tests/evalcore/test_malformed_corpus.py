"""The malformed-input corpus: every bad file gives a clear error, exit 2, and writes nothing.

``tests/data/malformed/expected.yaml`` lists each file, the loader (or command) that reads it and
the message fragment, line and field its error must name. Loaders raise :class:`SuiteError`,
which the CLI prints as ``error: file:line: field ...`` with exit code 2; the ``cli`` entries go
through typer's CliRunner, the ``subprocess`` ones through the installed entry point.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from evalstage.agent_eval import load_agent_cases, load_outputs
from evalstage.evalcore import SuiteError, load_jsonl, load_suite
from evalstage.generation_eval import RagCase
from evalstage.generation_eval._suite import load_generation_inputs
from evalstage.generation_eval._targets import load_recorded
from evalstage.generation_eval.verifier._files import verify_file
from evalstage.retrieval_eval import RetrievalCase, read_qrels, read_run
from evalstage.retrieval_eval._stage import load_retrieval_inputs

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "data" / "malformed"
ENTRIES: list[dict[str, Any]] = yaml.safe_load((CORPUS / "expected.yaml").read_text())
runner = CliRunner()


class _NoVerifier:
    """Stands in for the verifier: bad input must be refused before anything is verified."""

    def verify(self, items: object) -> list[object]:
        raise AssertionError("the verifier ran on bad input")


def _suite(path: Path) -> object:
    from evalstage.agent_eval import load_agent_inputs

    suite = load_suite(path.parent)
    loaders = {
        "retrieval": load_retrieval_inputs,
        "generation": load_generation_inputs,
        "agent": load_agent_inputs,
    }
    return [loaders[stage](suite) for stage in suite.manifest.stages]


LOADERS: dict[str, Callable[[Path], object]] = {
    "suite": _suite,
    "retrieval_cases": lambda p: load_jsonl(p, RetrievalCase, id_field="query_id"),
    "rag_cases": lambda p: load_jsonl(p, RagCase, id_field="case_id"),
    "agent_cases": load_agent_cases,
    "agent_outputs": load_outputs,
    "recorded_generation": load_recorded,
    "verify_input": lambda p: verify_file(p, p.parent / "verdicts.jsonl", _NoVerifier()),  # type: ignore[arg-type]
    "qrels": read_qrels,
    "run": read_run,
}


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every path under the case, good-file and output folders (the data folder aside)."""
    return {
        str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
        for part in ("case", "_good", "out")
        for p in (folder / part).rglob("*")
    }


def _stage(entry: dict[str, Any], tmp_path: Path) -> Path:
    """Copy the entry's folder (or file) and the good files into ``tmp_path``; return the file."""
    source = CORPUS / entry["file"]
    shutil.copytree(CORPUS / "_good", tmp_path / "_good")
    if entry["run"] == "suite" or (
        source.parent.parent.name in ("suites", "cli") and (source.name == "suite.yaml")
    ):
        shutil.copytree(source.parent, tmp_path / "case")
    else:
        (tmp_path / "case").mkdir()
        shutil.copy(source, tmp_path / "case")
    return tmp_path / "case" / source.name


def _args(entry: dict[str, Any], file: Path, tmp_path: Path) -> list[str]:
    values = {
        "file": str(file),
        "dir": str(file.parent),
        "good": str(tmp_path / "_good"),
        "out": str(tmp_path / "out" / "written"),
    }
    return [arg.format(**values) for arg in entry["args"]]


def test_the_corpus_is_large_and_covers_every_reader() -> None:
    assert len(ENTRIES) >= 60
    assert {e["run"] for e in ENTRIES} == {*LOADERS, "cli", "subprocess"}
    assert all(e["exit"] == 2 for e in ENTRIES)
    files = {e["file"] for e in ENTRIES}
    assert len(files) == len(ENTRIES) and all((CORPUS / f).is_file() for f in files)
    assert any(f.endswith(".gz") for f in files)


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["file"] for e in ENTRIES])
def test_malformed_input_is_a_clear_error(entry: dict[str, Any], tmp_path: Path) -> None:
    file = _stage(entry, tmp_path)
    (tmp_path / "out").mkdir()
    before = _snapshot(tmp_path)
    if entry["run"] in LOADERS:
        with pytest.raises(SuiteError) as info:
            LOADERS[entry["run"]](file)
        error = info.value
        text = error.render()
        if entry["run"] != "suite":  # a suite's error may name suite.yaml or a file it names
            assert error.path is not None and Path(error.path).name == file.name, text
        if "line" in entry:
            assert error.line == entry["line"], text
            assert f":{entry['line']}: " in text
        if "field" in entry:
            assert error.field == entry["field"], text
        assert error.hint, f"no fix is suggested: {text}"
        exit_code = 2  # what the CLI's _fail gives every SuiteError
    elif entry["run"] == "cli":
        from evalstage.cli.main import app

        result = runner.invoke(app, _args(entry, file, tmp_path))
        exit_code, text = result.exit_code, result.output + (result.stderr or "")
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(
            result.exception
        )
    else:
        env = {**os.environ, "EVALSTAGE_HOME": str(tmp_path / "home")}
        cmd = [sys.executable, "-c", "from cli.main import main; main()"]
        done = subprocess.run(
            [*cmd, *_args(entry, file, tmp_path)],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
            check=False,
        )
        exit_code, text = done.returncode, done.stdout + done.stderr
    assert exit_code == entry["exit"], text
    assert entry["fragment"] in text, text
    assert "Traceback" not in text
    assert _snapshot(tmp_path) == before, "bad input wrote a file"
