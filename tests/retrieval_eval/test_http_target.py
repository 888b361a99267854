"""The retrieval ``http`` target against a JSON search service on 127.0.0.1."""

import json

import pytest
from chat_server import FakeServer, Reply

from evalstage.evalcore.errors import SuiteError
from evalstage.evalcore.suite import TargetSpec
from evalstage.retrieval_eval import run_target
from evalstage.retrieval_eval._targets import RETRIEVAL_TARGETS


def _spec(server: FakeServer, **args) -> TargetSpec:
    base = {"url": f"{server.url}/search", "doc_ids": "hits[*].id", "backoff_s": 0.01}
    return TargetSpec(name="http", args={**base, **args})


def test_ranked_ids_and_scores_come_from_the_reply_paths(server: FakeServer):
    server.script(Reply(body={"hits": [{"id": "d2", "s": 0.9}, {"id": "d1", "s": 0.4}]}))
    spec = _spec(server, body={"q": {"text": "$query", "top": "$k"}}, scores="hits[*].s")
    out = run_target(spec, {"q1": 'aspirin "dose"'}, [], 10)
    assert out.ranking == {"q1": {"d2": 0.9, "d1": 0.4}} and not out.errors
    assert server.requests[0]["body"] == {"q": {"text": 'aspirin "dose"', "top": 10}}


def test_rank_order_without_scores_and_top_k_is_kept(server: FakeServer):
    server.script(Reply(body={"hits": [{"id": "a"}, {"id": "b"}, {"id": "c"}]}))
    out = run_target(_spec(server), {"q1": "x"}, [], 2)
    assert list(out.ranking["q1"]) == ["a", "b"]
    assert server.requests[0]["body"] == {"query": "x", "k": 2}  # the default body


def test_429_then_success_and_a_malformed_reply_are_per_query(server: FakeServer, monkeypatch):
    monkeypatch.setenv("SEARCH_KEY", "k-9f8e7d6c5b")
    server.script(
        Reply(429, {"error": "slow"}, headers={"Retry-After": "0"}),
        Reply(body={"hits": [{"id": "d1"}]}),
        Reply(body={"results": []}),
    )
    spec = _spec(server, headers={"X-Key": {"env": "SEARCH_KEY"}})
    out = run_target(spec, {"q1": "a", "q2": "b"}, [], 5)
    assert out.ranking == {"q1": {"d1": 1.0}}
    assert "malformed reply: the reply has no key 'hits'" in out.errors["q2"]
    assert server.requests[0]["headers"]["X-Key"] == "k-9f8e7d6c5b"
    target = RETRIEVAL_TARGETS.build(spec)
    assert "k-9f8e7d6c5b" not in json.dumps(target.describe())
    assert RETRIEVAL_TARGETS.can_search("http")


def test_unknown_placeholder_is_refused_at_load(server: FakeServer):
    with pytest.raises(SuiteError, match=r"unknown placeholder \$question") as caught:
        RETRIEVAL_TARGETS.check(_spec(server, body={"q": "$question"}))
    assert caught.value.field == "target.args.body"
