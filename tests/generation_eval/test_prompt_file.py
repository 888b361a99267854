"""The openai generation target with the team's own prompt file (against a 127.0.0.1 server)."""

import hashlib
import json
from pathlib import Path

import pytest
from chat_server import FakeServer, Reply, completion

from evalstage.evalcore.errors import SuiteError
from evalstage.evalcore.suite import TargetSpec
from evalstage.evalcore.targets import TargetContext
from evalstage.generation_eval import GENERATION_TARGETS, PROMPT_HASH, Passage, run_generator
from evalstage.generation_eval._prompt import render_prompt
from evalstage.generation_eval._variants import CaseVariant

PASSAGES = [
    Passage(doc_id="d1", title="Aspirin", text="Aspirin cut risk by 32%."),
    Passage(doc_id="d2", title="", text="Costs $5."),
]
VARIANT = CaseVariant(
    case_id="c1",
    variant="original",
    question="By how much did aspirin cut risk?",
    passages=PASSAGES,
    expect="answer",
)
TEMPLATE = "Sources ($n_passages):\n$passages\n\nJSON: $passages_json\nQ: ${question} (cost $$)\n"


def _spec(server: FakeServer, **args) -> TargetSpec:
    return TargetSpec(name="openai", args={"base_url": server.url, "model": "m", **args})


def test_the_prompt_file_is_sent_exactly_and_its_hash_recorded(tmp_path: Path, server):
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "answer.txt").write_text(TEMPLATE)
    (tmp_path / "prompts" / "system.txt").write_text("You answer about $n_passages passages.")
    server.script(Reply(body=completion(content="By 32% [1].")))
    spec = _spec(server, prompt_file="prompts/answer.txt", system_prompt_file="prompts/system.txt")
    run = run_generator(spec, [VARIANT], suite_root=tmp_path)
    assert run.outputs["c1"].answer == "By 32% [1]."
    rows = [
        {"n": 1, "doc_id": "d1", "title": "Aspirin", "text": "Aspirin cut risk by 32%."},
        {"n": 2, "doc_id": "d2", "title": "", "text": "Costs $5."},
    ]
    expected = (
        "Sources (2):\n[1] Aspirin: Aspirin cut risk by 32%.\n[2] Costs $5.\n\n"
        f"JSON: {json.dumps(rows)}\nQ: By how much did aspirin cut risk? (cost $)\n"
    )
    assert server.requests[0]["body"]["messages"] == [
        {"role": "system", "content": "You answer about 2 passages."},
        {"role": "user", "content": expected},
    ]
    digest = hashlib.sha256(TEMPLATE.encode()).hexdigest()[:12]
    assert run.target["prompt"] == "file:prompts/answer.txt"
    assert run.target["prompt_hash"] == digest != PROMPT_HASH
    assert run.target["system_prompt"] == "file:prompts/system.txt"


def test_without_a_prompt_file_the_bundled_prompt_is_sent(server):
    server.script(Reply(body=completion(content="By 32% [1].")))
    run = run_generator(_spec(server), [VARIANT], suite_root=None)
    assert server.requests[0]["body"]["messages"] == [
        {"role": "user", "content": render_prompt(VARIANT.question, PASSAGES)}
    ]
    assert (run.target["prompt"], run.target["prompt_hash"]) == ("rag-answer-v1", PROMPT_HASH)


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("Q: $question\n$passages\nContext: $context\n", 3, "unknown placeholder '$context'"),
        ("Q: $question\n\n${docs}\n", 3, "unknown placeholder '$docs'"),
        ("Q: $question\n$passages costs $ 5\n", 2, "starts no placeholder"),
        ("Q: {question}\n{passages}\n", None, "never shows $question"),
        ("Q: $question\n", None, "never shows $passages"),
    ],
)
def test_a_bad_prompt_file_fails_at_load_with_file_line_and_field(
    tmp_path: Path, text, line, words
):
    path = tmp_path / "answer.txt"
    path.write_text(text)
    spec = TargetSpec(
        name="openai",
        args={"base_url": "http://127.0.0.1:9/v1", "model": "m", "prompt_file": "answer.txt"},
    )
    with pytest.raises(SuiteError) as info:
        GENERATION_TARGETS.build(spec, TargetContext(tmp_path))
    assert words in info.value.message
    assert (info.value.path, info.value.line) == (str(path), line)
    assert info.value.field == "target.args.prompt_file"
    if "{question}" in text:
        assert "$question" in (info.value.hint or "")


def test_a_missing_prompt_file_names_the_manifest_and_field(tmp_path: Path):
    spec = TargetSpec(
        name="openai",
        args={"base_url": "http://127.0.0.1:9/v1", "model": "m", "system_prompt_file": "no.txt"},
    )
    with pytest.raises(SuiteError) as info:
        GENERATION_TARGETS.build(spec, TargetContext(tmp_path))
    assert info.value.path == str(tmp_path / "suite.yaml")
    assert info.value.field == "target.args.system_prompt_file"
    assert "does not exist" in info.value.message


def test_a_run_records_the_prompt_hash_and_a_bad_prompt_stops_it_first(tmp_path: Path, server):
    from suite_fixtures import write_tiny_rag_suite
    from typer.testing import CliRunner

    from evalstage.cli import app

    args = f"      args:\n        base_url: {server.url}\n        model: m\n"
    args += "        prompt_file: answer.txt\n        concurrency: 4\n"
    suite = write_tiny_rag_suite(tmp_path / "suite", target="openai", target_args=args)
    (suite / "answer.txt").write_text("Q: $question\n$passages\nSay $answer\n")
    command = ["run", str(suite), "--stage", "generation", "--quiet", "--json"]
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 2 and not server.requests
    assert f"{suite / 'answer.txt'}:3" in result.output and "'$answer'" in result.output
    assert "target.args.prompt_file" in result.output

    (suite / "answer.txt").write_text(TEMPLATE)
    server.check = lambda body: Reply(body=completion(content="I cannot answer from these."))
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 0, result.output
    described = json.loads(result.stdout)["stages"]["generation"]["target"]["described"]
    assert described["prompt"] == "file:answer.txt"
    assert described["prompt_hash"] == hashlib.sha256(TEMPLATE.encode()).hexdigest()[:12]
    assert described["concurrency"] == 4 and "Q: " in server.requests[0]["body"]["messages"][0][
        "content"
    ]
