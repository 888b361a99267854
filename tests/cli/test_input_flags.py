"""Command-line input hardening: JSON flags, secrets in --target-args, outputs checked early."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from evalstage.cli import app
from evalstage.cli.gate import target_overrides
from evalstage.evalcore import sqlite_url
from evalstage.evalcore.errors import SuiteError

runner = CliRunner()


def invoke(*args: str) -> Result:
    return runner.invoke(app, list(args))


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('{"k1": NaN}', "not finite"),
        ('{"k1": 0.9', "not valid JSON"),
        ("[1, 2]", "not a JSON object"),
        ("[" * 200 + "]" * 200, "nested more than"),
    ],
)
def test_target_args_go_through_parse_json_and_name_the_flag(text: str, problem: str) -> None:
    with pytest.raises(SuiteError) as info:
        target_overrides(["retrieval"], "bm25", text)
    assert info.value.field == "--target-args" and problem in info.value.message


def test_target_args_of_a_valid_object_become_a_spec() -> None:
    spec = target_overrides(["retrieval"], "bm25", '{"k1": 0.9}')["retrieval"]
    assert spec.name == "bm25" and spec.args == {"k1": 0.9}


@pytest.mark.parametrize(
    ("args", "where"),
    [
        ({"base_url": "http://u:hunter22@127.0.0.1:9/v1", "model": "m"}, "base_url"),
        ({"base_url": "http://127.0.0.1:9/v1?api_key=hunter22", "model": "m"}, "base_url"),
        ({"base_url": "http://127.0.0.1:9/v1", "headers": {"X-Key": "hunter22"}}, "headers.X-Key"),
        ({"function": "m:f", "api_key": "hunter22"}, "api_key"),
    ],
)
def test_literal_secrets_never_become_flow_parameters(args: dict[str, object], where: str) -> None:
    with pytest.raises(SuiteError) as info:
        target_overrides(["generation"], "openai", json.dumps(args))
    assert info.value.field == "--target-args"
    assert where in info.value.message and "hunter22" not in info.value.render()
    assert "env" in (info.value.hint or "")


def test_secrets_by_reference_pass() -> None:
    args = {
        "base_url": "http://127.0.0.1:9/v1",
        "model": "m",
        "api_key_env": "MY_KEY",
        "max_tokens": 64,
        "headers": {"X-Key": {"env": "MY_HEADER"}},
    }
    spec = target_overrides(["generation"], "openai", json.dumps(args))["generation"]
    assert spec.args == args


def test_run_refuses_a_literal_header_with_exit_2_before_anything_runs(
    tiny_suite: Path, tmp_path: Path
) -> None:
    db = tmp_path / "runs.db"
    args = json.dumps({"base_url": "http://127.0.0.1:9/v1", "headers": {"X-Key": "hunter22"}})
    result = invoke(
        *("run", str(tiny_suite), "--store", sqlite_url(db), "--stage", "retrieval"),
        *("--target", "bm25", "--target-args", args),
    )
    assert result.exit_code == 2
    assert "--target-args" in result.stderr and "hunter22" not in result.output
    assert not db.exists()


def test_search_args_flag_is_named_on_bad_json(tiny_suite: Path, tmp_path: Path) -> None:
    result = invoke(
        *("retrieval", "search", "--corpus", str(tiny_suite / "corpus.jsonl")),
        *("--queries", str(tiny_suite / "retrieval.jsonl"), "--args", '{"k1": Infinity}'),
        *("--out", str(tmp_path / "run.trec")),
    )
    assert result.exit_code == 2
    assert "--args" in result.stderr and "not finite" in result.stderr
    assert not (tmp_path / "run.trec").exists()


def _claims(path: Path) -> Path:
    path.write_text(json.dumps({"id": "1", "context": "Paris is in France.", "claim": "x"}) + "\n")
    return path


def test_verify_verifier_args_flag_is_named_on_bad_json(tmp_path: Path) -> None:
    result = invoke(
        *("generation", "verify", "--input", str(_claims(tmp_path / "in.jsonl"))),
        *("--output", str(tmp_path / "out.jsonl"), "--verifier-args", "[1]"),
    )
    assert result.exit_code == 2
    assert "--verifier-args" in result.stderr and "not a JSON object" in result.stderr


def test_verify_to_an_unwritable_output_fails_before_verifying(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import evalstage.generation_eval.verifier as verifier

    def must_not_load(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the verifier was built although the output cannot be written")

    monkeypatch.setattr(verifier, "build_verifier", must_not_load)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")  # its "children" cannot be written, even by root
    result = invoke(
        *("generation", "verify", "--input", str(_claims(tmp_path / "in.jsonl"))),
        *("--output", str(blocker / "out.jsonl")),
    )
    assert result.exit_code == 2, result.output
    assert "--output" in result.stderr and "cannot write the output" in result.stderr
    assert blocker.read_text() == "not a folder"


def test_verify_to_a_folder_fails_before_verifying(tmp_path: Path) -> None:
    result = invoke(
        *("generation", "verify", "--input", str(_claims(tmp_path / "in.jsonl"))),
        *("--output", str(tmp_path)),
    )
    assert result.exit_code == 2 and "is a folder" in result.stderr


def test_agent_check_refuses_outputs_of_unknown_cases(tmp_path: Path) -> None:
    cases = tmp_path / "agent.jsonl"
    cases.write_text(
        json.dumps(
            {"case_id": "ok", "messages": [{"role": "user", "content": "hi"}], "expect": "no_call"}
        )
        + "\n"
    )
    outputs = tmp_path / "outputs.jsonl"
    outputs.write_text('{"case_id": "ok", "content": "hello"}\n{"case_id": "ko", "content": "x"}\n')
    result = runner.invoke(
        app, ["agent", "check", "--cases", str(cases), "--outputs", str(outputs)]
    )
    assert result.exit_code == 2
    assert f"{outputs}:2" in result.stderr and "'ko' is not in the cases file" in result.stderr


def test_a_store_url_with_a_password_never_becomes_a_flow_parameter(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from evalstage.cli._common import flow_store
    from evalstage.evalcore.env import default_store_url
    from evalstage.evalcore.redact import redact_url

    monkeypatch.setenv("EVALSTAGE_STORE", "sqlite:///unused.db")  # restored after the test
    plain = "sqlite:////tmp/runs.db"
    assert flow_store(plain) == plain and flow_store(None) is None
    secret = "postgresql+psycopg://evalstage:pg-pass-123@127.0.0.1:5432/runs"
    assert flow_store(secret) is None
    assert default_store_url() == secret  # the flow reads it from the environment
    assert redact_url(secret) == "postgresql+psycopg://***@127.0.0.1:5432/runs"


def test_a_base_url_with_a_password_in_suite_yaml_fails_before_anything_runs(
    tiny_suite: Path, tmp_path: Path
) -> None:
    cases = tiny_suite / "agent.jsonl"
    case = {"case_id": "c", "messages": [{"role": "user", "content": "hi"}], "expect": "no_call",
            "note": "a greeting needs no tool", "category": "no_call"}  # fmt: skip
    cases.write_text(json.dumps(case) + "\n")
    target = {
        "name": "openai",
        "args": {"base_url": "http://u:hunter22@127.0.0.1:9/v1", "model": "m"},
    }
    with (tiny_suite / "suite.yaml").open("a") as handle:
        handle.write(f"  agent:\n    cases: agent.jsonl\n    target: {json.dumps(target)}\n")
    db = tmp_path / "runs.db"
    for command in ("run", "gate"):
        result = invoke(command, str(tiny_suite), "--store", sqlite_url(db), "--stage", "agent")
        assert result.exit_code == 2, result.output
        assert "suite.yaml" in result.stderr and "target.args.base_url" in result.stderr
        assert "user:pass@host" in result.stderr and "hunter22" not in result.output
    assert not db.exists()  # nothing ran, nothing was written


def test_an_unknown_override_target_fails_before_anything_runs(
    tiny_suite: Path, tmp_path: Path
) -> None:
    db = tmp_path / "runs.db"
    result = invoke(
        *("run", str(tiny_suite), "--store", sqlite_url(db), "--stage", "retrieval"),
        *("--target", "bm26"),
    )
    assert result.exit_code == 2 and "unknown retrieval target 'bm26'" in result.stderr
    assert not db.exists()
