"""The end-to-end system (evalcore/system.py): replies, adapters, one call per question."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from chat_server import FakeServer, Reply

from evalstage.evalcore.errors import SuiteError
from evalstage.evalcore.llm_config import TargetError
from evalstage.evalcore.suite import TargetSpec, load_suite
from evalstage.evalcore.system import (
    SYSTEM_TARGETS,
    StageSystem,
    SystemRequest,
    SystemTargetArgs,
    ask_questions,
    coerce_reply,
    open_stage_system,
    open_system,
    read_replies,
)
from evalstage.evalcore.targets import TargetContext


def test_a_document_returned_twice_keeps_its_best_position_or_score():
    chunks = coerce_reply({"answer": "x", "doc_ids": ["A", "B", "A"]})  # two chunks of A
    assert chunks.ranking() == {"A": 3.0, "B": 2.0}  # A first, as the system ranked it
    scored = coerce_reply({"answer": "x", "doc_ids": ["A", "B", "A"], "scores": [0.9, 0.8, 0.1]})
    assert scored.ranking() == {"A": 0.9, "B": 0.8}


def test_a_reply_is_read_from_passages_or_from_doc_ids_and_scores():
    reply = coerce_reply(
        {"answer": "A [1].", "passages": [{"doc_id": "d2", "text": "T", "score": 0.5}, "d1"]}
    )
    assert reply.answer == "A [1]." and reply.doc_ids == ["d2", "d1"]
    assert reply.passages[0].text == "T"
    assert reply.ranking() == {"d2": 2.0, "d1": 1.0}  # not every passage scored: rank order
    scored = coerce_reply({"answer": "x", "doc_ids": ["a", "b"], "scores": [0.1, 0.9]})
    assert scored.ranking() == {"a": 0.1, "b": 0.9}
    assert coerce_reply("just text").answer == "just text"
    with pytest.raises(TypeError, match="not as long"):
        coerce_reply({"answer": "x", "doc_ids": ["a"], "scores": [1, 2]})
    with pytest.raises(TypeError, match="string or a dict"):
        coerce_reply(42)


class Counting:
    def __init__(self) -> None:
        from evalstage.evalcore.concurrency import Pool

        self.pool = Pool(concurrency=3)
        self.asked: list[SystemRequest] = []

    def ask(self, request: SystemRequest):
        self.asked.append(request)
        if "broken" in request.question:
            raise RuntimeError("the service fell over")
        return coerce_reply({"answer": request.question.upper(), "doc_ids": ["d1"]})


def test_each_question_is_asked_once_and_replayed_after(tmp_path: Path):
    system = Counting()
    questions = [("q1", "alpha"), ("g1", "alpha"), ("g2", "beta"), ("g3", "broken one")]
    replies = ask_questions(system, questions, [tmp_path / "r.jsonl"])[0]
    assert sorted(r.question for r in system.asked) == ["alpha", "beta", "broken one"]
    assert "RuntimeError: the service fell over" in str(replies["broken one"])
    again = read_replies(tmp_path / "r.jsonl")
    assert again["alpha"].answer == "ALPHA"  # type: ignore[union-attr]
    stage = StageSystem(system, again)
    before = len(system.asked)
    assert stage.ask(SystemRequest(case_id="x", question="beta")).answer == "BETA"
    with pytest.raises(TargetError, match="fell over"):
        stage.ask(SystemRequest(case_id="x", question="broken one"))
    assert len(system.asked) == before  # replayed, not asked again
    given = SystemRequest(case_id="x", question="beta", passages=[{"doc_id": "d1", "text": "t"}])
    stage.ask(given)  # with given passages it is a new call
    assert len(system.asked) == before + 1


def _suite(tmp_path: Path, system: str) -> Path:
    folder = tmp_path / "s"
    folder.mkdir(parents=True)
    (folder / "suite.yaml").write_text(
        "name: s\nversion: '1'\nstages:\n  retrieval:\n    cases: r.jsonl\n"
        f"    target: {{name: system}}\n{system}"
    )
    return folder


def test_a_stage_selecting_the_system_needs_a_system_block(tmp_path: Path):
    folder = _suite(tmp_path, "")
    with pytest.raises(SuiteError) as caught:
        load_suite(folder)
    assert caught.value.field == "stages.retrieval.target" and caught.value.line == 6
    assert "system:" in (caught.value.hint or "")


def test_a_bad_system_block_names_its_field(tmp_path: Path):
    folder = _suite(tmp_path, "system: {name: http, args: {url: 'ftp://x', answer: 'a..b'}}\n")
    with pytest.raises(SuiteError) as caught:
        open_system(TargetContext(folder))
    assert (caught.value.field or "").startswith("system.args.")
    folder2 = _suite(tmp_path / "b", "system: {name: nope}\n")
    with pytest.raises(SuiteError) as unknown:
        open_system(TargetContext(folder2))
    assert unknown.value.field == "system.name" and "callable" in (unknown.value.hint or "")


def test_the_recorded_system_replays_by_case_and_variant(tmp_path: Path):
    folder = _suite(tmp_path, "system: {name: recorded, args: {path: replies.jsonl}}\n")
    lines = [
        {"case_id": "g1", "answer": "own [1]", "passages": [{"doc_id": "d1", "text": "x"}]},
        {"case_id": "g1", "variant": "original", "answer": "given [1]"},
    ]
    (folder / "replies.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))
    stage = open_stage_system(SystemTargetArgs(), TargetContext(folder))
    assert stage.ask(SystemRequest(case_id="g1", question="q")).doc_ids == ["d1"]
    given = SystemRequest(case_id="g1", question="q", passages=[], variant="original")
    assert stage.ask(given).answer == "given [1]"
    with pytest.raises(TargetError, match="no recorded reply for 'g2'"):
        stage.ask(SystemRequest(case_id="g2", question="q"))
    assert SYSTEM_TARGETS.deterministic("recorded")
    (folder / "replies.jsonl").write_text(json.dumps(lines[0]) + "\n" + json.dumps(lines[0]))
    with pytest.raises(SuiteError) as twice:
        open_stage_system(SystemTargetArgs(), TargetContext(folder))
    assert twice.value.line == 2


def test_the_http_system_reads_answer_and_retrieval_from_its_paths(
    server: FakeServer, tmp_path: Path
):
    args = (
        f"system:\n  name: http\n  args:\n    url: {server.url}/rag\n"
        "    body: {q: $question, given: $passages_json, n: $n_passages}\n"
        "    answer: out.text\n    doc_ids: out.sources[*].id\n"
        "    texts: out.sources[*].body\n    scores: out.sources[*].score\n"
        "    prompt_tokens: usage.in\n    completion_tokens: usage.out\n"
        "    backoff_s: 0.01\n"
    )
    folder = _suite(tmp_path, args)
    good = {
        "out": {"text": "It is [1].", "sources": [{"id": "d9", "body": "B", "score": 2.5}]},
        "usage": {"in": 30, "out": 4},
    }
    server.script(
        Reply(429, {"error": "slow"}, headers={"Retry-After": "0"}),
        Reply(body=good),
        Reply(body={"out": {"text": 3}}),
    )
    system = open_system(TargetContext(folder))
    reply = system.ask(SystemRequest(case_id="g1", question="Why?"))
    assert reply.answer == "It is [1]." and reply.passages[0].text == "B"
    assert reply.ranking() == {"d9": 2.5} and reply.prompt_tokens == 30
    assert server.requests[-1]["body"] == {"q": "Why?", "given": None, "n": 0}
    with pytest.raises(TargetError, match=r"malformed reply: out\.text is not a string"):
        system.ask(SystemRequest(case_id="g1", question="Why?"))
    assert TargetSpec(name="system").args == {}


def test_the_http_system_answers_an_agent_turn_with_tool_calls(server: FakeServer, tmp_path: Path):
    args = (
        f"system:\n  name: http\n  args:\n    url: {server.url}/rag\n"
        "    body: {q: $question, conv: $messages, fns: $tools}\n"
        "    answer: text\n    tool_calls: calls\n    backoff_s: 0.01\n"
    )
    folder = _suite(tmp_path, args)
    server.script(
        Reply(body={"calls": [{"name": "find_user", "arguments": {"x": "Ann"}}]}),
        Reply(body={"text": "no tools needed", "calls": None}),
        Reply(body={"text": "forgot the calls"}),
    )
    system = open_stage_system(SystemTargetArgs(), TargetContext(folder))
    messages = [{"role": "user", "content": "Find Ann"}]
    tools = [{"type": "function", "function": {"name": "find_user"}}]
    turn = SystemRequest(case_id="", question="Find Ann", messages=messages, tools=tools)
    reply = system.ask(turn)
    assert reply.tool_calls == [{"name": "find_user", "arguments": {"x": "Ann"}}]
    assert reply.answer is None
    assert server.requests[0]["body"] == {"q": "Find Ann", "conv": messages, "fns": tools}
    assert system.ask(turn).answer == "no tools needed"
    with pytest.raises(TargetError, match="malformed reply"):
        system.ask(turn)  # the tool_calls path is missing: not read as "no call"
