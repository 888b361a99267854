"""The live judge backend against a real HTTP server on 127.0.0.1 with scripted replies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from chat_server import FakeServer, Reply, completion

from evalstage.evalcore.errors import SuiteError
from evalstage.generation_eval.judge import (
    POSITION_INCONSISTENT,
    SELF_JUDGED,
    GradeItem,
    PairItem,
    RecordedBackend,
    load_judge,
    recorded_rows,
    write_recording,
)

PAIR = PairItem(id="p1", question="What is 2+2?", answer_a="4", answer_b="It is four, i.e. 4.")


def spec(tmp_path: Path, server: FakeServer, **extra: Any) -> Path:
    body: dict[str, Any] = {
        "mode": "pairwise",
        "prompt": "pairwise-v1",
        "backend": {
            "name": "openai",
            "args": {
                "base_url": server.url,
                "model": "judge-model",
                "timeout_s": 0.5,
                "max_retries": 2,
                "backoff_s": 0.01,
            },
        },
        **extra,
    }
    path = tmp_path / "judge.yaml"
    path.write_text(json.dumps(body))
    return path


def say(server: FakeServer, *contents: str | None) -> None:
    server.script(*(Reply(body=completion(content=c)) for c in contents))


def test_both_orders_agree(tmp_path: Path, server: FakeServer) -> None:
    say(server, "A is right.\nVerdict: A", "Verdict: B")  # AB: first (=A); BA: second (=A)
    with load_judge(spec(tmp_path, server)) as judge:
        result = judge.judge_pair(PAIR)
    assert (result.status, result.verdict, result.flags) == ("measured", "A", [])
    shown = [r["body"]["messages"][-1]["content"] for r in server.requests]
    assert shown[0].index("# Answer A\n4") < shown[0].index("It is four")  # A shown first
    assert shown[1].index("It is four") < shown[1].index("# Answer B\n4")  # then B first
    assert all(r["body"]["model"] == "judge-model" for r in server.requests)


def test_order_dependent_verdicts_are_a_flagged_tie(tmp_path: Path, server: FakeServer) -> None:
    say(server, "Verdict: A", "Verdict: A")  # always the first shown: position bias
    with load_judge(spec(tmp_path, server)) as judge:
        result = judge.judge_pair(PAIR)
    assert (result.status, result.verdict) == ("measured", "tie")
    assert POSITION_INCONSISTENT in result.flags
    assert [c.verdict for c in result.calls] == ["A", "B"]


def test_garbage_is_unmeasured_with_raw_text(tmp_path: Path, server: FakeServer) -> None:
    say(server, "The weather is nice.", "Verdict: B")
    with load_judge(spec(tmp_path, server)) as judge:
        result = judge.judge_pair(PAIR)
    assert result.status == "unmeasured" and result.verdict is None
    assert result.calls[0].raw == "The weather is nice." and "unparseable" in result.reason
    assert len(server.requests) == 2  # a bad reply is not retried


def test_retries_500s_and_timeouts_then_succeeds(tmp_path: Path, server: FakeServer) -> None:
    server.script(
        Reply(500, {"error": "boom"}),
        Reply(body=completion(content="Verdict: B"), delay_s=1.5),  # times out
        Reply(body=completion(content="Verdict: B")),
        Reply(body=completion(content="Verdict: A")),
    )
    with load_judge(spec(tmp_path, server)) as judge:
        result = judge.judge_pair(PAIR)
    assert (result.status, result.verdict) == ("measured", "B")
    assert result.calls[0].attempts == 3


def test_transport_failure_is_unmeasured_not_a_crash(tmp_path: Path, server: FakeServer) -> None:
    server.script(*(Reply(503, {"error": "down"}) for _ in range(3)))
    say(server, "Verdict: B")
    with load_judge(spec(tmp_path, server)) as judge:
        result = judge.judge_pair(PAIR)
    assert result.status == "unmeasured" and "transport error" in result.reason
    assert result.calls[0].error is not None and result.calls[1].verdict == "A"


def test_client_errors_are_not_retried(tmp_path: Path, server: FakeServer) -> None:
    server.script(Reply(400, {"error": "bad"}))
    say(server, "Verdict: tie")
    with load_judge(spec(tmp_path, server)) as judge:
        result = judge.judge_pair(PAIR)
    assert result.status == "unmeasured" and len(server.requests) == 2


def test_self_judging_is_flagged(tmp_path: Path, server: FakeServer) -> None:
    say(server, "Verdict: A", "Verdict: B")
    pair = PAIR.model_copy(update={"model_a": "judge-model"})
    with load_judge(spec(tmp_path, server)) as judge:
        assert SELF_JUDGED in judge.judge_pair(pair).flags


def test_live_replies_can_be_recorded_and_replayed(tmp_path: Path, server: FakeServer) -> None:
    say(server, "[[A]]", "[[B]]")
    with load_judge(spec(tmp_path, server)) as judge:
        live = judge.judge_pair(PAIR)
        identity = judge.identity
        write_recording(tmp_path / "rec.jsonl", identity, recorded_rows([live]))
    replay_spec = tmp_path / "replay.yaml"
    replay_spec.write_text(
        json.dumps(
            {
                "mode": "pairwise",
                "prompt": "pairwise-v1",
                "backend": {"name": "recorded", "args": {"path": "rec.jsonl"}},
            }
        )
    )
    with load_judge(replay_spec) as replay:
        again = replay.judge_pair(PAIR)
        assert replay.identity.key == identity.key  # the same judge
        other = replay.judge_pair(PAIR.model_copy(update={"answer_b": "5"}))
    assert again.verdict == live.verdict == "A"
    assert other.status == "unmeasured" and "other content" in other.reason
    assert isinstance(replay.backend, RecordedBackend)


def test_recording_for_another_prompt_is_refused(tmp_path: Path) -> None:
    demo = Path(__file__).resolve().parents[2] / "suites/demo/judge"
    (tmp_path / "rec.jsonl").write_text((demo / "gpt4_recording.jsonl").read_text())
    path = tmp_path / "j.yaml"
    path.write_text(
        json.dumps(
            {
                "mode": "pairwise",
                "prompt": "pairwise-v1",
                "backend": {"name": "recorded", "args": {"path": "rec.jsonl"}},
            }
        )
    )
    with pytest.raises(SuiteError, match="recording was made with prompt"):
        load_judge(path)


def test_missing_model_is_bad_input(tmp_path: Path) -> None:
    path = tmp_path / "j.yaml"
    path.write_text(
        json.dumps(
            {
                "mode": "pairwise",
                "prompt": "pairwise-v1",
                "backend": {"name": "openai", "args": {"base_url": "http://127.0.0.1:9/v1"}},
            }
        )
    )
    with pytest.raises(SuiteError, match="model"):
        load_judge(path)


def test_rubric_grading(tmp_path: Path, server: FakeServer) -> None:
    say(server, "Fine answer.\nLevel: helpful", "Level: superb")
    path = spec(tmp_path, server, mode="rubric", prompt="rubric-v1", rubric="helpfulness-v1")
    item = GradeItem(id="g1", question="2+2?", answer="4")
    with load_judge(path) as judge:
        good = judge.grade(item)
        bad = judge.grade(item)
    assert (good.status, good.level, good.score) == ("measured", "helpful", pytest.approx(2 / 3))
    assert bad.status == "unmeasured" and bad.calls[0].raw == "Level: superb"
    assert "- excellent (3):" in server.requests[0]["body"]["messages"][-1]["content"]
