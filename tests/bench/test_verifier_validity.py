"""bench/verifier_validity.py measures another backend (`--verifier llm`) on the same items.

The endpoint is the chat-completions test double on 127.0.0.1; the script runs as a user runs
it, in its own process, with the real HTTP client.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from chat_server import FakeServer, Reply, completion

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "bench" / "verifier_validity.py"
ITEMS = [
    ("Paris is the capital of France.", "supported"),
    ("Lyon is the capital of France.", "unsupported"),
    ("Paris lies on the Seine.", "supported"),
    ("Marseille is the capital of France.", "unsupported"),
    ("FAIL the capital is Nice.", "unsupported"),
]


def _write_set(folder: Path) -> None:
    folder.mkdir()
    context = "Paris, on the Seine, is the capital of France."
    lines = [
        json.dumps({"id": str(k), "context": [context], "claim": claim, "label": label})
        for k, (claim, label) in enumerate(ITEMS)
    ]
    (folder / "hagrid.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _judge(body: dict[str, Any]) -> Reply:
    """Supported when the claim names Paris; a server error for the claim that says FAIL."""
    prompt = " ".join(str(m.get("content", "")) for m in body["messages"])
    claim = prompt.rsplit("Claim", 1)[-1]
    if "FAIL" in claim:
        return Reply(500, {"error": "down"})
    label = "supported" if "Paris" in claim else "unsupported"
    confidence = 0.9 if label == "supported" else 0.8
    return Reply(body=completion(json.dumps({"label": label, "confidence": confidence})))


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        capture_output=True, text=True, check=False, env=env, timeout=600,
    )  # fmt: skip


def test_an_llm_backend_is_measured_and_its_unjudged_items_left_out(
    server: FakeServer, tmp_path: Path
) -> None:
    server.check = _judge
    _write_set(tmp_path / "sets")
    out = tmp_path / "llm.json"
    backend = {"base_url": server.url, "model": "judge-model", "max_retries": 0, "backoff_s": 0}
    done = _run(
        "--heldout", str(tmp_path / "sets"), "--sets", "hagrid", "--skip-baselines",
        "--verifier", "llm", "--verifier-args", json.dumps(backend), "--out", str(out),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(out.read_text(encoding="utf-8"))
    hagrid = result["sets"]["hagrid"]
    assert hagrid["n"] == 4 and hagrid["not_judged"] == 1
    assert hagrid["labels"] == {"supported": 2, "unsupported": 2}
    assert hagrid["verifier"]["auroc"] == 1.0
    assert hagrid["verifier"]["balanced_accuracy"] == 1.0
    assert result["verifier"]["scorer"]["kind"] == "llm"
    assert "1 items not judged" in done.stderr
    assert len(server.requests) == len(ITEMS)


def test_bad_backend_args_exit_2_without_a_traceback_and_write_nothing(
    tmp_path: Path,
) -> None:
    _write_set(tmp_path / "sets")
    out = tmp_path / "never.json"
    for args in (
        ["--verifier", "llm", "--verifier-args", '{"base_url": "ftp://x", "model": "m"}'],
        ["--verifier", "llm", "--verifier-args", "[1, 2]"],
        ["--verifier", "nli", "--weights", "w.safetensors"],
    ):
        done = _run("--heldout", str(tmp_path / "sets"), "--sets", "hagrid", "--skip-baselines",
                    "--out", str(out), *args)  # fmt: skip
        assert done.returncode == 2, (args, done.stderr)
        assert "Traceback" not in done.stderr and "error:" in done.stderr
        assert not out.exists()
