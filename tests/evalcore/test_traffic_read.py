"""Reading traffic: OTLP JSON (GenAI and OpenInference attributes) and mapped JSONL logs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalstage.evalcore.errors import SuiteError
from evalstage.evalcore.traffic import FieldMap, read_jsonl_log, read_otlp

DATA = Path(__file__).resolve().parents[1] / "data" / "traffic"


def _by_question(path: Path) -> dict[str, object]:
    return {e.question.split("?")[0]: e for e in read_otlp(path)}


def test_openinference_retriever_llm_and_feedback() -> None:
    e = _by_question(DATA / "otlp_export.json")["How do I reset my password"]
    assert [(c.doc_id, c.score) for c in e.contexts] == [("kb-12", 0.82), ("kb-40", 0.41)]
    assert e.answer.startswith("Open Settings")
    assert e.feedback == "thumbs_down"
    assert [m["role"] for m in e.messages] == ["system", "user"]
    assert e.latency_ms == pytest.approx(2400.0)


def test_openinference_tool_calls_and_tool_definitions() -> None:
    found = _by_question(DATA / "otlp_export.json")
    e = found["Refund order 88123 to card 4111 1111 1111 1111 please"]
    assert [(c.name, c.arguments["order_id"]) for c in e.tool_calls] == [("refund_order", "88123")]
    assert e.tools[0]["function"]["name"] == "refund_order"


def test_genai_messages_parts_retrieval_tools_and_errors() -> None:
    found = _by_question(DATA / "otlp_export.json")
    bank = found["Why was the transfer to DE89 3704 0044 0532 0130 00 blocked"]
    assert [c.doc_id for c in bank.contexts] == ["kb-7", "kb-9"]
    assert bank.answer == "Transfers from new devices are held for 24 hours for review."
    meeting = next(e for q, e in found.items() if q.startswith("Book a call"))
    assert meeting.tool_calls[0].name == "book_meeting"
    assert meeting.tool_calls[0].arguments == {"attendee": "tom.baker@contoso.com", "time": "10:00"}
    assert meeting.tools[0]["function"]["name"] == "book_meeting"  # Responses-style definition
    assert meeting.error == "calendar API returned 503"
    events = found["What is the refund window"]
    assert events.answer == "Refunds are possible within 30 days."


def test_a_file_that_is_not_otlp_says_so(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text('{"spans": []}\n')
    with pytest.raises(SuiteError) as info:
        read_otlp(path)
    assert "resourceSpans" in info.value.message and info.value.line == 1


def test_a_mapped_jsonl_log() -> None:
    mapping = FieldMap(
        id="request.id", question="request.query", answer="response.answer",
        contexts="retrieval.hits", tool_calls="tool_calls", feedback="feedback.thumbs",
        error="response.error", latency_ms="response.latency_ms",
    )  # fmt: skip
    exchanges, skipped = read_jsonl_log(DATA / "app_log.jsonl", mapping)
    assert skipped == 1  # the health-check line has no question
    assert [e.record_id for e in exchanges] == ["r-1", "r-2", "r-3", "r-4"]
    assert exchanges[1].feedback == "down" and exchanges[1].contexts[0].score == 0.22
    assert exchanges[2].error == "upstream timeout" and exchanges[2].answer is None
    assert exchanges[2].tool_calls[0].arguments["card_last4"] == "4444"  # JSON-string arguments
    assert exchanges[0].origin == "app_log.jsonl:1"


def test_a_bad_path_or_no_question_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="must sit between two keys"):
        FieldMap(question="request..query")
    with pytest.raises(SuiteError) as info:
        read_jsonl_log(DATA / "app_log.jsonl", FieldMap(question="request.text"))
    assert info.value.field == "question" and "5 lines read" in info.value.message


def test_json_lines_of_exports_are_one_export(tmp_path: Path) -> None:
    """The Collector's file exporter writes one ExportTraceServiceRequest per line."""
    whole = json.loads((DATA / "otlp_export.json").read_text())
    lines = tmp_path / "traces.jsonl"
    lines.write_text(
        "".join(json.dumps({"resourceSpans": [r]}) + "\n" for r in whole["resourceSpans"])
    )
    assert sorted(e.record_id for e in read_otlp(lines)) == sorted(
        e.record_id for e in read_otlp(DATA / "otlp_export.json")
    )
    assert len(read_otlp(lines)) == 5


def _otlp(tmp_path: Path, spans: list, resource_spans: object = None) -> Path:
    document = {"resourceSpans": resource_spans if resource_spans is not None
                else [{"scopeSpans": [{"spans": spans}]}]}  # fmt: skip
    path = tmp_path / "traces.json"
    path.write_text(json.dumps(document))
    return path


def _span(**extra: object) -> dict:
    attrs = [{"key": "openinference.span.kind", "value": {"stringValue": "CHAIN"}},
             {"key": "input.value", "value": {"stringValue": "Where is my parcel?"}}]  # fmt: skip
    return {"traceId": "t1", "spanId": "s1", "name": "chain", "attributes": attrs} | extra


@pytest.mark.parametrize(
    ("spans", "resource_spans", "field"),
    [
        ([_span(attributes=[{"key": "n", "value": {"intValue": "abc"}}])], None,
         "resourceSpans[0].scopeSpans[0].spans[0].attributes[\"n\"]"),
        ([], ["x"], "resourceSpans"),
        ([_span(startTimeUnixNano="soon")], None,
         "resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano"),
        (["x"], None, "resourceSpans[0].scopeSpans[0].spans"),
        ([_span(attributes={"k": "v"})], None,
         "resourceSpans[0].scopeSpans[0].spans[0].attributes"),
        ([_span(events=[{"name": "e", "attributes": [{"key": "a", "value": {"arrayValue": 3}}]}])],
         None, "resourceSpans[0].scopeSpans[0].spans[0].events[0].attributes[\"a\"]"),
    ],
)  # fmt: skip
def test_malformed_otlp_is_a_user_error_naming_line_and_field(
    tmp_path: Path, spans: list, resource_spans: object, field: str
) -> None:
    path = _otlp(tmp_path, spans, resource_spans)
    with pytest.raises(SuiteError) as info:
        read_otlp(path)
    assert info.value.path == str(path) and info.value.line == 1
    assert info.value.field == field and info.value.hint


def test_latency_only_from_spans_carrying_both_times(tmp_path: Path) -> None:
    nano = 1_700_000_000_000_000_000
    timed = _span(startTimeUnixNano=str(nano), endTimeUnixNano=str(nano + 250_000_000))
    child = {"traceId": "t1", "spanId": "s2", "parentSpanId": "s1", "name": "x",
             "endTimeUnixNano": str(nano + 300_000_000)}  # no start: not timed  # fmt: skip
    (e,) = read_otlp(_otlp(tmp_path, [timed, child]))
    assert e.latency_ms == pytest.approx(250.0)
    (untimed,) = read_otlp(_otlp(tmp_path, [_span(endTimeUnixNano=str(nano))]))
    assert untimed.latency_ms is None
