"""The generation ``http`` target against a JSON service on 127.0.0.1."""

import json

import pytest
from chat_server import FakeServer, Reply
from gen_fixtures import CASES, DOCUMENTS, fake_search

from evalstage.evalcore.errors import SuiteError
from evalstage.evalcore.suite import TargetSpec
from evalstage.generation_eval import ADVERSARIAL, build_variants, run_generator
from evalstage.generation_eval._targets import GENERATION_TARGETS


def _variants(n: int = 2):
    variants, _ = build_variants(CASES, DOCUMENTS, variants=ADVERSARIAL, search=fake_search)
    return variants[:n]


def _spec(server: FakeServer, **args) -> TargetSpec:
    base = {"url": f"{server.url}/answer", "max_retries": 2, "backoff_s": 0.01}
    return TargetSpec(name="http", args={**base, **args})


def test_body_template_is_filled_structurally_and_answer_read_from_its_path(server: FakeServer):
    server.script(*[Reply(body={"data": {"text": "It is [1].", "refs": [[1]]}})] * 2)
    spec = _spec(
        server,
        body={"input": {"q": "$question", "docs": "$passages_json", "n": "$n_passages"}},
        answer="data.text",
        citations="data.refs",
    )
    variants = _variants()
    run = run_generator(spec, variants, suite_root=None)
    assert not run.errors
    first = run.outputs[variants[0].key]
    assert first.answer == "It is [1]." and first.citations == [[1]]
    sent = server.requests[0]
    assert sent["path"] == "/v1/answer"
    assert sent["body"]["input"]["q"] == variants[0].question
    assert sent["body"]["input"]["n"] == len(variants[0].passages)
    assert [d["doc_id"] for d in sent["body"]["input"]["docs"]] == [
        p.doc_id for p in variants[0].passages
    ]
    assert run.target["kind"] == "http" and run.target["paths"]["answer"] == "data.text"


def test_a_429_is_retried_then_the_answer_is_kept(server: FakeServer):
    server.script(
        Reply(429, {"error": "slow down"}, headers={"Retry-After": "0"}),
        Reply(body={"answer": "Fine."}),
    )
    variants = _variants(1)
    run = run_generator(_spec(server), variants, suite_root=None)
    assert run.outputs[variants[0].key].answer == "Fine."
    assert len(server.requests) == 2
    assert server.requests[0]["body"] == server.requests[1]["body"]
    assert set(server.requests[0]["body"]) == {"question", "passages"}  # the default body


def test_a_reply_without_the_path_is_that_variants_readable_error(server: FakeServer):
    server.script(Reply(body={"result": "x"}), Reply(body={"answer": ["not", "text"]}))
    variants = _variants()
    run = run_generator(_spec(server), variants, suite_root=None)
    assert not run.outputs
    assert (
        "malformed reply: the reply has no key 'answer' (keys: result"
        in run.errors[variants[0].key]
    )
    assert "answer is not a string but list" in run.errors[variants[1].key]


def test_4xx_is_not_retried_and_exhausted_5xx_is_an_error(server: FakeServer):
    server.script(Reply(400, {"error": "bad"}), *[Reply(503, {"error": "down"})] * 3)
    variants = _variants()
    run = run_generator(_spec(server), variants, suite_root=None)
    assert "HTTP 400" in run.errors[variants[0].key]
    assert "failed after 3 attempts: HTTP 503" in run.errors[variants[1].key]
    assert len(server.requests) == 4


def test_a_header_from_env_is_sent_but_never_recorded(server: FakeServer, monkeypatch):
    monkeypatch.setenv("MY_SERVICE_TOKEN", "tok-s3cret-value")
    # the service echoes the token back: it must not reach the stored answer
    server.script(Reply(body={"answer": "token was tok-s3cret-value"}))
    spec = _spec(server, headers={"X-Token": {"env": "MY_SERVICE_TOKEN"}, "X-Team": "rag"})
    variants = _variants(1)
    run = run_generator(spec, variants, suite_root=None)
    assert server.requests[0]["headers"]["X-Token"] == "tok-s3cret-value"
    assert "tok-s3cret-value" not in run.outputs[variants[0].key].answer
    stored = json.dumps(run.target)
    assert "tok-s3cret-value" not in stored and "X-Token" in stored


def test_an_unset_header_variable_stops_the_build(server: FakeServer, monkeypatch):
    monkeypatch.delenv("MY_SERVICE_TOKEN", raising=False)
    spec = _spec(server, headers={"X-Token": {"env": "MY_SERVICE_TOKEN"}})
    with pytest.raises(SuiteError, match="MY_SERVICE_TOKEN"):
        GENERATION_TARGETS.check(spec)


@pytest.mark.parametrize(
    ("args", "field", "reason"),
    [
        ({"body": {"q": "$query"}}, "target.args.body", r"unknown placeholder \$query"),
        ({"answer": "data..text"}, "target.args.answer", "between two keys"),
        ({"url": "ftp://x"}, "target.args.url", "http://"),
    ],
)
def test_bad_args_are_refused_at_load(server: FakeServer, args, field, reason):
    with pytest.raises(SuiteError, match=reason) as caught:
        GENERATION_TARGETS.check(_spec(server, **args))
    assert caught.value.field == field


def test_a_secret_looking_body_field_is_sent_but_masked_in_the_record(server: FakeServer):
    server.script(Reply(body={"answer": "ok"}))
    spec = _spec(server, body={"api_key": "lit-0a9b8c7d", "q": "$question"})
    run = run_generator(spec, _variants(1), suite_root=None)
    assert server.requests[0]["body"]["api_key"] == "lit-0a9b8c7d"
    assert "lit-0a9b8c7d" not in json.dumps(run.target)
    assert run.target["body"]["q"] == "$question"
