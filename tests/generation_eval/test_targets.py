"""Generators: recorded, callable and openai (against a real HTTP server on 127.0.0.1)."""

import json
from pathlib import Path

import pytest
from chat_server import FakeServer, Reply, completion
from gen_fixtures import CASES, DOCUMENTS, fake_search

from evalstage.evalcore.errors import SuiteError
from evalstage.evalcore.suite import TargetSpec
from evalstage.generation_eval import (
    ADVERSARIAL,
    PROMPT_HASH,
    Generation,
    build_variants,
    load_recorded,
    run_generator,
)


def _variants():
    variants, _ = build_variants(CASES, DOCUMENTS, variants=ADVERSARIAL, search=fake_search)
    return variants


def echo_first(question, passages):
    if "gene" in question:
        raise RuntimeError("generator crashed")
    return {"answer": f"{passages[0]['text']} [1]", "citations": [[1]]}


def test_callable_gets_numbered_passages_and_its_crash_is_that_variants_error():
    variants = _variants()
    run = run_generator(
        TargetSpec(name="callable", args={"function": f"{__name__}:echo_first"}),
        variants,
        suite_root=None,
    )
    assert set(run.outputs) | set(run.errors) == {v.key for v in variants}
    assert all("generator crashed" in e for e in run.errors.values())
    assert {k.split("#")[0] for k in run.errors} == {"ent"}
    out = run.outputs["num"]
    assert out.citations == [[1]] and out.latency_ms is not None


def test_recorded_answers_replay_and_missing_ones_are_errors(tmp_path: Path):
    path = tmp_path / "answers.jsonl"
    path.write_text(
        json.dumps({"case_id": "num", "answer": "32% [1]", "latency_ms": 12.5})
        + "\n"
        + json.dumps({"case_id": "num", "variant": "missing_context", "answer": "No idea."})
        + "\n"
    )
    run = run_generator(
        TargetSpec(name="recorded", args={"path": "answers.jsonl", "partial": True}),
        _variants(),
        suite_root=tmp_path,
    )
    assert run.outputs["num"] == Generation(answer="32% [1]", latency_ms=12.5)
    assert run.outputs["num#missing_context"].answer == "No idea."
    assert "no recorded answer for 'ent'" in run.errors["ent"]


@pytest.mark.parametrize(
    ("lines", "line", "field"),
    [
        (['{"case_id": "a", "answer": "x"}', '{"case_id": "a", "answer": "y"}'], 2, "case_id"),
        (['{"case_id": "a", "answer": 3}'], 1, "answer"),
        (['{"case_id": "a", "answr": "x"}'], 1, "answr"),
        (['{"case_id": "a", "answer": "x", "latency_ms": -1}'], 1, "latency_ms"),
    ],
)
def test_bad_recorded_lines_name_line_and_field(tmp_path: Path, lines, line, field):
    path = tmp_path / "r.jsonl"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(SuiteError) as info:
        load_recorded(path)
    assert info.value.line == line and info.value.field == field


def test_a_recorded_line_without_answer_is_an_error_not_a_refusal(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text('{"case_id": "a", "answer": "x"}\n{"case_id": "b", "latency_ms": 3}\n')
    with pytest.raises(SuiteError) as info:
        load_recorded(path)
    assert (info.value.path, info.value.line, info.value.field) == (str(path), 2, "answer")
    assert "no 'answer'" in info.value.message
    path.write_text('{"case_id": "b", "answer": ""}\n')  # an empty answer is an answer
    assert load_recorded(path)["b"].answer == ""


def test_an_empty_recorded_generation_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text("\n\n")
    with pytest.raises(SuiteError) as info:
        load_recorded(path)
    assert info.value.path == str(path) and "no recorded answers" in info.value.message


def test_openai_generator_sends_the_versioned_prompt_and_records_usage(server: FakeServer):
    server.script(
        Reply(
            body=completion(
                content="Aspirin cut risk by 32% [1].",
                usage={"prompt_tokens": 120, "completion_tokens": 9},
            )
        ),
        Reply(500, {"error": "overloaded"}),
        Reply(body=completion(content="I cannot answer from the passages.")),
        *[Reply(500, {"error": "down"}) for _ in range(2)],
    )
    variants = [v for v in _variants() if v.variant == "original"][:3]
    spec = TargetSpec(
        name="openai",
        args={"base_url": server.url, "model": "m", "max_retries": 1, "backoff_s": 0.01},
    )
    run = run_generator(spec, variants, suite_root=None)
    first = run.outputs[variants[0].key]
    assert first.answer.startswith("Aspirin") and first.prompt_tokens == 120
    assert run.outputs[variants[1].key].answer.startswith("I cannot")  # 500 was retried
    assert "HTTP 500" in run.errors[variants[2].key]  # retries ran out: that variant's error
    assert run.target["prompt_hash"] == PROMPT_HASH
    body = server.requests[0]["body"]
    prompt = body["messages"][0]["content"]
    assert body["model"] == "m" and "[1] " in prompt and variants[0].question in prompt


def test_unknown_target_and_bad_args_are_suite_errors():
    with pytest.raises(SuiteError) as info:
        run_generator(TargetSpec(name="gpt"), _variants(), suite_root=None)
    assert info.value.field == "target.name"
    with pytest.raises(SuiteError) as info:
        run_generator(
            TargetSpec(name="extractive", args={"abstain_below": 3}), _variants(), suite_root=None
        )
    assert info.value.field == "target.args.abstain_below"
