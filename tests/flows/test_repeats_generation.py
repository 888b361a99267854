"""``--repeats`` over the generation stage: every variant's repeats, an http target."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from chat_server import FakeServer, Reply
from suite_fixtures import write_tiny_rag_suite
from typer.testing import CliRunner

from evalstage.cli import app


def test_generation_variants_are_repeated_and_flips_counted(tmp_path: Path, server: FakeServer):
    seen: dict[str, int] = {}
    lock = threading.Lock()

    def answer(body):
        key = json.dumps(body, sort_keys=True)
        with lock:
            seen[key] = seen.get(key, 0) + 1
            turn = seen[key]
        if turn % 2 == 0 or not body["passages"]:  # every second time: abstain
            return Reply(body={"answer": "I cannot answer from these sources."})
        return Reply(body={"answer": f"{body['passages'][0]['text']} [1]"})

    server.check = answer
    args = f"      args:\n        url: {server.url}/answer\n        concurrency: 2\n"
    suite = write_tiny_rag_suite(tmp_path / "rag", target="http", target_args=args)
    command = ["run", str(suite), "--stage", "generation", "--json", "--repeats", "2"]
    result = CliRunner().invoke(app, command)
    assert result.exit_code in (0, 1), result.output
    stage = json.loads(result.stdout)["stages"]["generation"]
    assert stage["repeats"] == 2
    metrics = stage["metrics"]
    assert {"pass@2", "pass_all@2", "flip_rate"} <= set(metrics)
    assert metrics["flip_rate"]["value"] > 0
    assert metrics["pass_all@2"]["value"] <= metrics["pass@2"]["value"]
    assert len(server.requests) == 2 * stage["n_cases"]  # every variant asked twice
