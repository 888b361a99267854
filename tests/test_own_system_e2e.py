"""Issue 18's whole-suite test: a team's own system, end to end, against two local servers.

A custom JSON RAG service (question in; answer and retrieved passages out) and an
OpenAI-compatible chat server, both on 127.0.0.1, both answering after a delay, refusing a
first attempt with 429 and sending malformed replies for one case. The whole suite runs
through the end-to-end ``system`` target (retrieval and generation scored from the same single
call per case), the agent stage through the chat server, with concurrency, ``--repeats 2`` and
prices; then the generation stage runs with the team's own prompt file through the chat server.
Export -> recorded round trips: tests/cli/test_export_inputs.py (generation) and
tests/agent_eval/test_http_agent_and_export.py (agent).
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from chat_server import FakeServer, Reply, completion, serve_chat
from suite_fixtures import (
    TINY_DOCS,
    TINY_RAG,
    reviewed,
    string_tool,
    write_rag_questions_as_retrieval,
    write_tiny_rag_suite,
)
from typer.testing import CliRunner

from evalstage.cli import app
from evalstage.evalcore import ResultStore, sqlite_url

runner = CliRunner()
DOCS = {d: {"doc_id": d, "title": t, "text": x} for d, t, x in TINY_DOCS}
DELAY_S = 0.02


@contextmanager
def _server() -> Iterator[FakeServer]:
    served = serve_chat()
    try:
        yield next(served)
    finally:
        served.close()


class RagService:
    """The team's RAG service: retrieves by word overlap, answers with the first passage."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.seen: Counter[str] = Counter()
        self.answered_alone: Counter[str] = Counter()

    def __call__(self, body: dict[str, Any]) -> Reply:
        question, given = body["query"], body["context"]
        key = json.dumps(body, sort_keys=True)
        with self.lock:
            self.seen[key] += 1
            first = self.seen[key] == 1
        if first:  # every request is refused once: retried after Retry-After
            return Reply(429, {"error": "rate limited"}, headers={"Retry-After": "0"})
        if "coffee" in question.lower() and given is None:  # its own pipeline breaks here
            return Reply(200, {"result": "upstream timeout"}, delay_s=DELAY_S)
        if given is None:
            words = set(question.lower().replace("?", "").split())
            ranked = sorted(DOCS, key=lambda d: -len(words & set(DOCS[d]["text"].lower().split())))
            passages = [DOCS[d] for d in ranked[:2]]
            with self.lock:
                self.answered_alone[question] += 1
        else:
            passages = given
        answer = f"{passages[0]['text']} [1]" if passages else "I cannot answer."
        reply = {
            "data": {"answer": answer},
            "sources": [{"id": p["doc_id"], "body": p["text"]} for p in passages],
            "usage": {"in": 120, "out": 15},
        }
        return Reply(200, reply, delay_s=DELAY_S)


class ChatModel:
    """The OpenAI-compatible server: calls tools for the agent, quotes a source otherwise."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.seen: Counter[str] = Counter()
        self.prompts: list[str] = []

    def __call__(self, body: dict[str, Any]) -> Reply:
        messages = body["messages"]
        key = json.dumps(messages, sort_keys=True)
        with self.lock:
            self.seen[key] += 1
            first = self.seen[key] == 1
        if first:
            return Reply(429, {"error": {"message": "slow down"}}, headers={"Retry-After": "0"})
        usage = {"prompt_tokens": 400, "completion_tokens": 30, "total_tokens": 430}
        last = messages[-1]
        if body.get("tools"):
            if "Zed" in str(last.get("content")):
                return Reply(200, {"choices": "not a list"}, delay_s=DELAY_S)  # malformed
            if last["role"] == "tool":
                user = json.loads(last["content"])["user_id"]
                calls = [{"name": "cancel", "arguments": json.dumps({"x": user})}]
            else:
                name = "Ann" if "Ann" in last["content"] else "Bob"
                calls = [{"name": "find_user", "arguments": json.dumps({"x": name})}]
            return Reply(200, completion(tool_calls=calls, usage=usage), delay_s=DELAY_S)
        prompt = last["content"]
        with self.lock:
            self.prompts.append(prompt)
        source = next((line for line in prompt.splitlines() if line.startswith("[1]")), None)
        text = f"{source.split(': ', 1)[-1]} [1]" if source else "I cannot answer from the sources."
        return Reply(200, completion(content=text, usage=usage), delay_s=DELAY_S)


AGENT_CASES = [
    {
        "case_id": "find_ann",
        "messages": [{"role": "user", "content": "Find the user Ann"}],
        "tools": [string_tool("find_user")],
        "expected_calls": [{"name": "find_user", "arguments": {"x": ["Ann"]}}],
    },
    {
        "case_id": "cancel_bob",
        "messages": [{"role": "user", "content": "Cancel Bob's last order"}],
        "tools": [string_tool("find_user"), string_tool("cancel")],
        "turns": [
            {
                "calls": [{"name": "find_user", "arguments": {"x": ["Bob"]}}],
                "tool_results": [{"user_id": "u7"}],
            },
            {"calls": [{"name": "cancel", "arguments": {"x": ["u7"]}}]},
        ],
    },
    {
        "case_id": "find_zed",
        "messages": [{"role": "user", "content": "Find the user Zed"}],
        "tools": [string_tool("find_user")],
        "expected_calls": [{"name": "find_user", "arguments": {"x": ["Zed"]}}],
    },
]

PROMPT = """You are the support assistant of Example Corp. Answer from the sources only and cite
them as [n]. If they do not say, reply "I cannot answer from the sources."

Sources ($n_passages):
$passages

Question: $question
"""


def _suite(tmp_path: Path, rag_url: str, chat_url: str) -> Path:
    folder = write_tiny_rag_suite(tmp_path / "team", target="system")
    write_rag_questions_as_retrieval(folder)  # the same questions, with qrels
    (folder / "agent.jsonl").write_text(
        "".join(json.dumps(c) + "\n" for c in reviewed(AGENT_CASES))
    )
    (folder / "prompts").mkdir()
    (folder / "prompts" / "answer.txt").write_text(PROMPT)
    manifest = (
        (folder / "suite.yaml").read_text().replace("      name: bm25\n", "      name: system\n")
    )
    manifest += f"""  agent:
    cases: agent.jsonl
    target:
      name: openai
      args: {{base_url: "{chat_url}", model: team-model, concurrency: 3, backoff_s: 0.01}}
system:
  name: http
  args:
    url: {rag_url}/rag
    body: {{query: $question, context: $passages_json}}
    answer: data.answer
    doc_ids: sources[*].id
    texts: sources[*].body
    prompt_tokens: usage.in
    completion_tokens: usage.out
    concurrency: 4
    backoff_s: 0.01
prices:
  team-model: {{input_per_million: 0.15, output_per_million: 0.60}}
  default: {{input_per_million: 1.0, output_per_million: 2.0}}
"""
    (folder / "suite.yaml").write_text(manifest)
    return folder


def test_a_teams_whole_system_end_to_end(tmp_path: Path):
    service, model = RagService(), ChatModel()
    with _server() as rag, _server() as chat:
        rag.check, chat.check = service, model
        suite = _suite(tmp_path, rag.url, chat.url)
        db = sqlite_url(tmp_path / "runs.db")
        result = runner.invoke(app, ["run", str(suite), "--store", db, "--repeats", "2"])
        assert result.exit_code in (0, 1), result.output
        store = ResultStore(db)
        record = store.list_runs()[0]
        results = store.case_results(record.run_id)

        # one end-to-end call per case and repeat, however many stages read it
        questions = {c["question"] for c in TINY_RAG if "coffee" not in c["question"].lower()}
        assert dict(service.answered_alone) == dict.fromkeys(questions, 2)

        retrieval = {r.case_id: r for r in results if r.stage == "retrieval"}
        assert retrieval["g1"].outcome.value == "pass"
        assert retrieval["g4"].outcome.value == "error"  # the malformed reply, named
        assert "malformed reply" in (retrieval["g4"].reason or "")
        assert record.stage("retrieval").metric("ndcg@3").coverage == 0.75

        generation = [r for r in results if r.stage == "generation"]
        e2e = {r.case_id: r for r in generation if r.variant == "retrieved"}
        assert e2e["g4"].outcome.value == "error"
        assert e2e["g1"].details["provenance"]["doc_ids"][0] == "d1"  # its own retrieval
        assert record.stage("generation").config["end_to_end"]["n"] == 4
        oracle = [r for r in generation if r.variant == "original"]
        assert all(r.outcome.value != "error" for r in oracle)  # given passages: answered
        assert "pass@2" in {m.name for m in record.stage("generation").metrics}

        agent = {r.case_id: r for r in results if r.stage == "agent"}
        assert agent["find_ann"].outcome.value == "pass"
        assert agent["cancel_bob"].outcome.value == "pass"
        assert agent["find_zed"].outcome.value == "error"

        priced = [r for r in generation if "cost_usd" in r.details]
        assert priced and all(abs(r.details["cost_usd"] - 0.00015) < 1e-12 for r in priced)
        agent_cost = record.stage("agent").config["cost"]
        assert agent_cost["model"] == "team-model" and agent_cost["usd"] > 0
        shown = " ".join(result.stdout.split())
        assert "cost of the run: $" in shown and "end to end (4 retrieved answers)" in shown

        # the team's own prompt, through the OpenAI-compatible server, concurrently
        args = {"base_url": chat.url, "model": "team-model", "prompt_file": "prompts/answer.txt",
                "concurrency": 3, "backoff_s": 0.01}  # fmt: skip
        own = runner.invoke(
            app,
            ["run", str(suite), "--store", db, "--stage", "generation", "--target", "openai",
             "--target-args", json.dumps(args), "--json"],
        )  # fmt: skip
        assert own.exit_code in (0, 1), own.output
        stage = json.loads(own.stdout)["stages"]["generation"]
        assert stage["target"]["described"]["prompt"] == "file:prompts/answer.txt"
        assert model.prompts and all("Example Corp" in p for p in model.prompts)
        assert stage["outcomes"].get("error", 0) == 0
        assert stage["cost"]["model"] == "team-model"
