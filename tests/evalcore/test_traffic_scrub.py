"""Scrubbing: the committed PII corpus must not survive; ordinary numbers must."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalstage.evalcore.errors import SuiteError
from evalstage.evalcore.traffic import Scrubber

CORPUS = Path(__file__).resolve().parents[1] / "data" / "traffic" / "pii_corpus.jsonl"
ROWS = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("row", [r for r in ROWS if r["kind"] != "none"], ids=lambda r: r["text"])
def test_planted_pii_is_replaced_by_a_placeholder_of_its_kind(row: dict) -> None:
    scrubbed = Scrubber().text(row["text"])
    assert row["value"] not in scrubbed
    assert f"<{row['kind'].upper()}_1>" in scrubbed


@pytest.mark.parametrize("row", [r for r in ROWS if r["kind"] == "none"], ids=lambda r: r["text"])
def test_ordinary_numbers_and_failed_checksums_survive(row: dict) -> None:
    assert Scrubber().text(row["text"]) == row["text"]


def test_the_same_value_gets_the_same_placeholder_and_the_report_holds_no_value() -> None:
    scrubber = Scrubber()
    a = scrubber.text("mail jane.doe@example.com or bob@example.org")
    b = scrubber.text("again: jane.doe@example.com, phone +1 415 555 2671 / +14155552671")
    assert a == "mail <EMAIL_1> or <EMAIL_2>"
    assert b == "again: <EMAIL_1>, phone <PHONE_1> / <PHONE_1>"
    report = scrubber.report()
    assert report == {
        "email": {"replaced": 3, "distinct": 2},
        "phone": {"replaced": 2, "distinct": 1},
    }
    assert "example" not in json.dumps(report)


def test_json_values_under_secret_keys_and_custom_patterns() -> None:
    scrubber = Scrubber({"customer_id": r"CUST-\d{6}"})
    value = scrubber.value(
        {"api_key": "abc", "args": {"customer": "CUST-004211", "note": "ok"}, "n": 3}
    )
    assert value == {"api_key": "<SECRET_1>", "args": {"customer": "<CUSTOMER_ID_1>", "note": "ok"},
                     "n": 3}  # fmt: skip


def test_keyed_secrets_are_scrubbed_before_phones_and_only_the_value_is_replaced() -> None:
    scrubber = Scrubber()
    assert scrubber.text("x-api-key: 0123456789abcdef0123") == "x-api-key: <SECRET_1>"
    pat = "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWX0123"
    assert scrubber.text(f"use {pat} now") == "use <SECRET_2> now"
    assert scrubber.text('{"api_key": "abcd1234efgh5678"}') == '{"api_key": "<SECRET_3>"}'
    assert "phone" not in scrubber.report()


def test_only_keys_that_name_a_secret_hide_their_whole_value() -> None:
    args = {"key": "order_status", "token_count": 12, "tokens": 5, "max_tokens": 64,
            "secret_name": "db", "api_key_env": "OPENAI_API_KEY"}  # fmt: skip
    assert Scrubber().value(args) == args
    keys = ["api_key", "access_token", "client_secret", "password", "Authorization", "x-api-key",
            "token", "aws_secret_access_key"]  # fmt: skip
    scrubbed = Scrubber().value({k: f"value of {k}" for k in keys})
    assert all(v.startswith("<SECRET_") for v in scrubbed.values()), scrubbed


@pytest.mark.parametrize(
    ("patterns", "region", "field"),
    [
        ({"bad name": "x"}, ["US"], "pattern"),
        ({"ok": "("}, ["US"], "pattern"),
        ({}, ["US", "XX"], "phone_region"),
    ],
)
def test_bad_settings_are_user_errors(patterns: dict, region: list, field: str) -> None:
    with pytest.raises(SuiteError) as info:
        Scrubber(patterns, region)
    assert info.value.field == field and info.value.hint
