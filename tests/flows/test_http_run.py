"""A whole run against an ``http`` retrieval target: nothing secret reaches the store."""

from __future__ import annotations

from pathlib import Path

from chat_server import FakeServer, Reply
from typer.testing import CliRunner

from evalstage.cli import app
from evalstage.evalcore import ResultStore, sqlite_url

runner = CliRunner()


def test_http_target_run_stores_rankings_but_no_header_value(
    tiny_suite: Path, tmp_path: Path, server: FakeServer, monkeypatch
):
    monkeypatch.setenv("SEARCH_TOKEN", "tok-7a6b5c4d3e")
    right = {"aspirin": "d1", "statins": "d2", "vitamin": "d3", "sleep": "d4"}

    def answer(body):
        doc = next(d for word, d in right.items() if word in body["q"])
        return Reply(body={"hits": [{"id": doc, "echo": "tok-7a6b5c4d3e"}]})

    server.check = answer
    manifest = (tiny_suite / "suite.yaml").read_text()
    (tiny_suite / "suite.yaml").write_text(
        manifest.replace(
            "      name: bm25\n",
            "      name: http\n"
            "      args:\n"
            f"        url: {server.url}/search\n"
            "        headers: {Authorization: {env: SEARCH_TOKEN}, X-Api-Key: lit-1f2e3d4c5b}\n"
            "        body: {q: $query, n: $k, api_key: body-9z8y7x6w}\n"
            "        doc_ids: hits[*].id\n",
        )
    )
    db = tmp_path / "runs.db"
    result = runner.invoke(app, ["run", str(tiny_suite), "--store", sqlite_url(db), "--json"])
    assert result.exit_code == 0, result.output
    store = ResultStore(sqlite_url(db))
    record = store.list_runs()[0]
    assert record.stage("retrieval").metric("pass_rate").value == 1.0
    assert server.requests[0]["headers"]["Authorization"] == "tok-7a6b5c4d3e"
    assert server.requests[0]["body"]["q"] == "does aspirin prevent heart attack"
    assert server.requests[0]["body"]["n"] == 5
    stored = db.read_bytes()
    assert b"tok-7a6b5c4d3e" not in stored and b"lit-1f2e3d4c5b" not in stored
    assert b"body-9z8y7x6w" not in stored  # a secret-looking body field is masked too
    assert "tok-7a6b5c4d3e" not in result.output and "lit-1f2e3d4c5b" not in result.output
    described = record.stage("retrieval").target["described"]
    assert described["kind"] == "http" and described["paths"]["doc_ids"] == "hits[*].id"
    assert described["headers"] == ["Authorization", "X-Api-Key"]
