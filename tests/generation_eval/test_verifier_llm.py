"""LLMScorer against a real HTTP server on 127.0.0.1 speaking chat-completions (a test double)."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from chat_server import FakeServer, Reply, completion

from evalstage.evalcore.errors import SuiteError
from evalstage.generation_eval.verifier._llm import (
    PROMPT_SHA256,
    PROMPT_VERSION,
    UNPARSED_ROW,
    LLMScorer,
    parse_verdict,
    verdict_row,
)
from evalstage.generation_eval.verifier._protocol import PairScorer

SECRET = "sk-test-0123456789-very-secret"
PREMISE = "[1] Aspirin reduces the risk of heart attack.\n[2] Statins lower cholesterol."
CLAIM = "Aspirin lowers heart attack risk."


def say(server: FakeServer, *contents: str | None) -> None:
    server.script(*(Reply(body=completion(content=c)) for c in contents))


def scorer(server: FakeServer, **overrides: Any) -> LLMScorer:
    args: dict[str, Any] = {
        "base_url": server.url,
        "model": "judge-model",
        "timeout_s": 5.0,
        "max_retries": 2,
        "backoff_s": 0.01,
    }
    args.update(overrides)
    return LLMScorer(**args)


def test_replies_are_read_into_rows(server: FakeServer) -> None:
    say(
        server,
        '{"label": "supported", "confidence": 0.9}',
        'Here is my verdict:\n```json\n{"label": "Contradicted", "confidence": 0.7}\n```\nDone.',
        "Unsupported.",
        "I cannot decide, the weather is nice today.",
        '{"label": "contradicted"}',
    )
    with scorer(server) as judge:
        assert isinstance(judge, PairScorer)
        assert judge.granularity == "passage"
        probs = judge.score_pairs([(PREMISE, CLAIM)] * 5)
    expected = np.array(
        [
            [0.9, 0.05, 0.05],
            [0.15, 0.7, 0.15],
            [0.0, 0.0, 1.0],
            UNPARSED_ROW,
            [0.0, 1.0, 0.0],
        ]
    )
    np.testing.assert_allclose(probs, expected, atol=1e-12)
    assert probs.dtype == np.float64 and np.isfinite(probs).all()
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    assert judge.parse_failures == 1
    assert judge.last_unparsed == ["I cannot decide, the weather is nice today."]
    assert judge.describe()["parse_failures"] == 1
    # unreadable is unsupported by argmax too, not a tie that argmax would give to "supported"
    assert int(np.argmax(probs[3])) == 2


def test_request_carries_prompt_numbered_passages_and_temperature_zero(
    server: FakeServer,
) -> None:
    say(server, '{"label": "supported", "confidence": 1}')
    with scorer(server) as judge:
        judge.score_pairs([(PREMISE, CLAIM)])
    request = server.requests[0]
    assert request["path"] == "/v1/chat/completions"
    body = request["body"]
    assert body["model"] == "judge-model"
    assert body["temperature"] == 0.0
    system, user = body["messages"]
    assert system["role"] == "system" and user["role"] == "user"
    assert PREMISE in user["content"] and f"Claim: {CLAIM}" in user["content"]
    assert '"label"' in user["content"] and '"confidence"' in user["content"]
    assert "Authorization" not in request["headers"]


def test_retry_after_500_then_success(server: FakeServer) -> None:
    server.script(Reply(500, {"error": "busy"}), Reply(body=completion("contradicted")))
    with scorer(server) as judge:
        probs = judge.score_pairs([(PREMISE, CLAIM)])
    np.testing.assert_allclose(probs, [[0.0, 1.0, 0.0]])
    assert len(server.requests) == 2
    assert judge.parse_failures == 0


def test_persistent_500_gives_a_nan_row_with_its_reason(server: FakeServer) -> None:
    server.script(*(Reply(500, {"error": "down"}) for _ in range(3)))
    with scorer(server, max_retries=2) as judge:
        probs = judge.score_pairs([(PREMISE, CLAIM)])  # one pair failing does not raise
    assert np.isnan(probs).all()
    assert "HTTP 500" in judge.last_failures[0] and "after 3 attempts" in judge.last_failures[0]
    assert judge.transport_failures == 1 and judge.describe()["transport_failures"] == 1
    assert len(server.requests) == 3


def test_api_key_sent_as_bearer_and_never_recorded(
    server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EVALSTAGE_TEST_JUDGE_KEY", SECRET)
    say(server, '{"label": "unsupported", "confidence": 0.6}')
    with scorer(server, api_key_env="EVALSTAGE_TEST_JUDGE_KEY") as judge:
        probs = judge.score_pairs([(PREMISE, CLAIM)])
        described = json.dumps(judge.describe())
        identity = judge.identity
    np.testing.assert_allclose(probs, [[0.2, 0.2, 0.6]])
    headers = {k.lower(): v for k, v in server.requests[0]["headers"].items()}
    assert headers["authorization"] == f"Bearer {SECRET}"
    assert SECRET not in described and SECRET not in identity
    assert "EVALSTAGE_TEST_JUDGE_KEY" in described


def test_identity_and_describe(server: FakeServer) -> None:
    judge = scorer(server)
    assert judge.identity == f"llm:judge-model@prompt-{PROMPT_VERSION}-{PROMPT_SHA256[:8]}"
    info = judge.describe()
    assert info["kind"] == "llm" and info["prompt_sha256"] == PROMPT_SHA256
    assert info["client"]["model"] == "judge-model"
    assert scorer(server, model="other").identity != judge.identity
    judge.close()


def test_empty_input_sends_nothing(server: FakeServer) -> None:
    with scorer(server) as judge:
        assert judge.score_pairs([]).shape == (0, 3)
    assert server.requests == []


def test_bad_args_raise_suite_error(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(SuiteError) as caught:
        LLMScorer(base_url="ftp://x", model="m")
    assert caught.value.field == "verifier.args.base_url"
    with pytest.raises(SuiteError, match="model"):
        LLMScorer(base_url="http://127.0.0.1:1/v1")
    with pytest.raises(SuiteError) as caught:
        LLMScorer(base_url="http://127.0.0.1:1/v1", model="m", temprature=0)
    assert caught.value.field == "verifier.args.temprature"
    with pytest.raises(SuiteError, match="prompt version"):
        LLMScorer(base_url="http://127.0.0.1:1/v1", model="m", prompt_version="0")
    monkeypatch.delenv("EVALSTAGE_TEST_UNSET_KEY", raising=False)
    with pytest.raises(SuiteError) as caught:
        LLMScorer(
            base_url="http://127.0.0.1:1/v1", model="m", api_key_env="EVALSTAGE_TEST_UNSET_KEY"
        )
    assert caught.value.field == "verifier.args.api_key_env"
    pinned = LLMScorer(base_url="http://127.0.0.1:1/v1", model="m", prompt_version=PROMPT_VERSION)
    pinned.close()


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ('{"label": "supported", "confidence": 0.8}', ("supported", 0.8)),
        (
            'noise {"a": 1} then {"Label": "REFUTED", "Confidence": "0.6"} end',
            ("contradicted", 0.6),
        ),
        ('{"verdict": {"label": "neutral", "confidence": 85}}', ("unsupported", 0.85)),
        ('{"label": "supported", "confidence": NaN}', ("supported", 1.0)),
        ('{"label": "supported", "confidence": -2}', ("supported", 1.0)),
        ('{"label": "supported", "confidence": true}', ("supported", 1.0)),
        ("**Contradicted** - passage [2] says otherwise.", ("contradicted", 1.0)),
        ("Label: not supported", ("unsupported", 1.0)),
        ("  supported", ("supported", 1.0)),
        ("Support for this is weak.", None),
        ("The claim is supported.", None),
        ('{"label": "maybe", "confidence": 0.5}', None),
        ('{"label": "supported" | "contradicted"}', None),
        ("", None),
        (None, None),
    ],
)
def test_parse_verdict(reply: str | None, expected: tuple[str, float] | None) -> None:
    assert parse_verdict(reply) == expected


def test_verdict_row_sums_to_one() -> None:
    for confidence in (0.0, 0.2, 1 / 3, 0.5, 1.0):
        row = verdict_row("contradicted", confidence)
        assert row.sum() == pytest.approx(1.0) and row[1] == confidence
        assert row[0] == row[2]
