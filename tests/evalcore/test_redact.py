"""One redaction policy: header values, URL credentials, secret keys and key variables' values."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from evalstage.evalcore import ResultStore, sqlite_url
from evalstage.evalcore.outcomes import Outcome
from evalstage.evalcore.records import CaseResult, RunRecord, StageSummary
from evalstage.evalcore.redact import (
    MASK,
    env_secrets,
    is_secret_key,
    literal_secrets,
    redact_text,
    redact_url,
    redact_value,
    register_key_vars,
)
from evalstage.evalcore.targets import error_text

SECRET = "sk-test-0123456789abcdef"


@pytest.mark.parametrize(
    "key",
    ["api_key", "apiKey", "X-Api-Key", "access_token", "token", "password", "client_secret",
     "Authorization", "sig", "key", "private_key", "refresh-token", "cookie", "basic_auth"],
)  # fmt: skip
def test_secret_keys(key: str) -> None:
    assert is_secret_key(key)


@pytest.mark.parametrize(
    "key",
    [
        "max_tokens",
        "prompt_tokens",
        "api_key_env",
        "model",
        "base_url",
        "sort_key",
        "k1",
        "auth_mode",
        "author",
        "tokenizer",
    ],
)
def test_ordinary_keys(key: str) -> None:
    assert not is_secret_key(key)


def test_urls_lose_user_info_and_secret_query_parameters_only() -> None:
    url = "https://bob:hunter22@api.example.com:8443/v1?api-version=2024&key=abc123&sig=zz"
    redacted = redact_url(url)
    assert (
        redacted == f"https://{MASK}@api.example.com:8443/v1?api-version=2024&key={MASK}&sig={MASK}"
    )
    assert redact_url("http://127.0.0.1:8000/v1") == "http://127.0.0.1:8000/v1"


def test_values_keep_their_shape_and_references() -> None:
    config = {
        "base_url": "http://u:hunter22@h/v1?access_token=abcdef",
        "model": "m",
        "api_key_env": "MY_KEY",
        "max_tokens": 64,
        "headers": {"X-Org": "org-secret", "X-Key": {"env": "MY_HEADER"}},
        "extra_body": {"password": "pw-123456", "seed": 1, "nested": [{"token": "t-123456"}]},
    }
    redacted = redact_value(config)
    assert redacted["model"] == "m" and redacted["max_tokens"] == 64
    assert redacted["api_key_env"] == "MY_KEY"  # a variable's name is no secret
    assert redacted["headers"] == {"X-Org": MASK, "X-Key": {"env": "MY_HEADER"}}
    assert redacted["extra_body"] == {"password": MASK, "seed": 1, "nested": [{"token": MASK}]}
    text = json.dumps(redacted)
    for secret in ("hunter22", "abcdef", "org-secret", "pw-123456", "t-123456"):
        assert secret not in text
    assert config["headers"]["X-Org"] == "org-secret"  # the input is not changed


def test_text_loses_key_values_and_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    monkeypatch.setenv("SOME_ODD_NAME", "odd-value-987654")
    register_key_vars(["SOME_ODD_NAME"])  # e.g. named by a target's api_key_env
    body = (
        f'server said: {{"echo": "{SECRET}", "auth": "Bearer abcdefgh123", '
        '"url": "http://bob:pw@h/x?token=tok123&q=1", "x": "odd-value-987654"}'
        " authorization: Basic Ym9iOnB3MTIz"
    )
    redacted = redact_text(body)
    for secret in (SECRET, "abcdefgh123", "bob:pw", "tok123", "odd-value-987654", "Ym9iOnB3MTIz"):
        assert secret not in redacted
    assert "q=1" in redacted and "server said" in redacted
    assert redact_text("Basic understanding; the bearer of news") == (
        "Basic understanding; the bearer of news"
    )


def test_short_environment_values_are_not_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TINY_TOKEN", "abc")
    assert "abc" not in env_secrets() and redact_text("abc def") == "abc def"


def test_patterns_off_masks_only_known_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    answer = f"Use ?token=value and Bearer tokens; the key is {SECRET}"
    assert redact_text(answer, patterns=False) == (
        f"Use ?token=value and Bearer tokens; the key is {MASK}"
    )


def test_literal_secrets_name_where_and_accept_references() -> None:
    args = {
        "base_url": "http://h/v1?key=abc",
        "headers": {"A": "x", "B": {"env": "B_VAR"}},
        "api_key": "sk",
        "api_key_env": "MY_KEY",
        "nested": {"password": {"env": "PW"}, "items": ["http://u:p@h/"]},
        "max_tokens": 5,
    }
    assert literal_secrets(args) == ["base_url", "headers.A", "api_key", "nested.items[0]"]
    assert literal_secrets({"k1": 0.9, "b": 0.4, "base_url": "http://h/v1"}) == []


def test_case_error_text_is_redacted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    reason = error_text(RuntimeError(f"401 from http://a:b@h/ with key {SECRET}"))
    assert reason.startswith("RuntimeError: 401") and SECRET not in reason and "a:b" not in reason


def test_the_store_redacts_target_config_and_case_text(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    run = RunRecord(
        run_id="r1",
        suite_name="s",
        suite_version="1",
        suite_hash="h",
        started_at=datetime(2026, 1, 1, tzinfo=UTC),
        stages=[
            StageSummary(
                stage="generation",
                target={"name": "openai", "args": {"headers": {"X-Org": "org-secret"}}},
                config={"verifier": {"args": {"base_url": "http://u:hunter22@h/v1"}}},
            )
        ],
    )
    results = [
        CaseResult(
            stage="generation",
            case_id="g1",
            outcome=Outcome.ERROR,
            reason=f"HTTP 401: echoed Bearer {SECRET}",
            details={"answer": f"my key is {SECRET}", "password": "kept as data"},
        )
    ]
    db = tmp_path / "runs.db"
    store = ResultStore(sqlite_url(db))
    store.save_run(run, results)
    stored = store.get_run("r1").stages[0]
    assert stored.target["args"]["headers"] == {"X-Org": MASK}
    assert stored.config["verifier"]["args"]["base_url"] == f"http://{MASK}@h/v1"
    (case,) = store.case_results("r1")
    assert case.reason == f"HTTP 401: echoed Bearer {MASK}"
    assert case.details == {"answer": f"my key is {MASK}", "password": "kept as data"}
    store.engine.dispose()
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("runs.db"))
    for secret in (SECRET, "org-secret", "hunter22"):
        assert secret.encode() not in raw


def test_runs_stored_before_redaction_are_read_redacted(tmp_path) -> None:
    from sqlalchemy import update

    from evalstage.evalcore.store import stage_summaries

    run = RunRecord(
        run_id="old",
        suite_name="s",
        suite_version="1",
        suite_hash="h",
        started_at=datetime(2026, 1, 1, tzinfo=UTC),
        stages=[StageSummary(stage="agent", target={"name": "openai"})],
    )
    store = ResultStore(sqlite_url(tmp_path / "runs.db"))
    store.save_run(run, [])
    legacy = {"name": "openai", "args": {"headers": {"X-Org": "org-secret"}}}
    with store.engine.begin() as conn:  # what an older evalstage wrote
        old = StageSummary(stage="agent", target=legacy).model_dump(mode="json")
        conn.execute(update(stage_summaries).values(summary=old))
    assert store.get_run("old").stages[0].target["args"]["headers"] == {"X-Org": MASK}
