"""``evalstage suite import``: committed traces and logs with planted PII -> a draft suite.

The written suite holds no planted PII, only drafts until reviewed, and runs once reviewed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evalstage.cli import app
from evalstage.evalcore.store import ResultStore

runner = CliRunner()
DATA = Path(__file__).resolve().parents[1] / "data" / "traffic"

PLANTED = [  # every personal value or secret written into otlp_export.json and app_log.jsonl
    "jane.doe@example.com", "+1 415 555 2671", "4111 1111 1111 1111",
    "sk-live-9f8e7d6c5b4a39281706f5e4",
    "DE89 3704 0044 0532 0130 00", "203.0.113.45", "fraud@bank.example", "020 7946 0958",
    "tom.baker@contoso.com", "+44 20 7946 0123", "555-867-5309", "bob@example.org",
    "alice.smith@example.net", "FR14 2004 1010 0505 0001 3M02 606", "5555 5555 5555 4444",
    "+1 (212) 555-0147", "ghp_R2d2C3poBB8aLukeLeia0123456789abcd", "CUST-004211",
]  # fmt: skip


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isalnum()).lower()


def _import(tmp_path: Path, *args: str) -> Path:
    out = tmp_path / "imported"
    result = runner.invoke(app, ["suite", "import", *args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def _assert_no_planted_pii(folder: Path) -> None:
    text = "\n".join(p.read_text() for p in folder.iterdir())
    squeezed = _digits(text)
    for value in PLANTED:
        assert value not in text, value
        assert _digits(value) not in squeezed, value  # not even with its spaces removed


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def _review(folder: Path) -> None:
    """What a person does: write expectations, a note and a category; drop the draft flag."""
    for name in ("retrieval.jsonl", "rag.jsonl", "agent.jsonl"):
        rows = _rows(folder / name)
        for row in rows:
            retrieved = row["source"].get("retrieved") or []
            if name == "retrieval.jsonl":
                row["relevant"] = {retrieved[0]["doc_id"]: 1}
            elif name == "rag.jsonl":
                if not retrieved or not row["source"].get("answer_given"):
                    continue  # stays a draft: nothing to answer from yet
                row["answers"] = [row["source"]["answer_given"][:40]]
                row["gold_doc_ids"] = [retrieved[0]["doc_id"]]
            else:
                calls = row["source"]["calls_made"]
                row["expected_calls"] = [
                    {"name": c["name"], "arguments": {k: [v] for k, v in c["arguments"].items()}}
                    for c in calls
                ]
            row.pop("draft")
            row |= {"note": f"imported from {row['source']['origin']}", "category": "imported"}
        (folder / name).write_text("".join(json.dumps(r) + "\n" for r in rows))


@pytest.mark.parametrize(
    "args",
    [
        [str(DATA / "otlp_export.json")],
        [str(DATA / "app_log.jsonl"), "--map", str(DATA / "app_log_map.yaml"),
         "--pattern", r"customer_id=CUST-\d{6}"],
    ],
    ids=["otlp", "jsonl"],
)  # fmt: skip
def test_import_scrubs_writes_drafts_and_runs_once_reviewed(tmp_path: Path, args: list) -> None:
    folder = _import(tmp_path, *args)
    _assert_no_planted_pii(folder)
    report = json.loads((folder / "import_report.json").read_text())
    assert report["requests_read"] == 4 + (args[0].endswith(".json"))
    assert {"email", "phone", "card", "iban", "secret"} <= set(report["scrubbed"])
    cases = [r for n in ("retrieval.jsonl", "rag.jsonl", "agent.jsonl") for r in _rows(folder / n)]
    assert cases and all(r["draft"] is True for r in cases)
    assert _rows(folder / "agent.jsonl"), "the tool calls made become agent drafts"
    lint = runner.invoke(app, ["suite", "lint", str(folder), "--json"])
    assert lint.exit_code == 0, lint.output
    assert "drafts waiting for review" in json.loads(lint.stdout)["summary"]
    not_yet = runner.invoke(app, ["run", str(folder), "--store", f"sqlite:///{tmp_path}/a.db"])
    assert not_yet.exit_code == 2 and "no active cases" in not_yet.stderr

    _review(folder)
    store = f"sqlite:///{tmp_path / 'runs.db'}"
    result = runner.invoke(app, ["run", str(folder), "--store", store, "--json"])
    assert result.exit_code == 0, result.output
    db = ResultStore(store)
    (record,) = db.list_runs()
    stages = {r.stage for r in db.case_results(record.run_id)}
    assert stages == {"retrieval", "generation", "agent"}


def test_an_existing_folder_or_a_bad_mapping_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "taken"
    out.mkdir()
    (out / "keep.txt").write_text("x")
    export = str(DATA / "otlp_export.json")
    result = runner.invoke(app, ["suite", "import", export, "--out", str(out)])
    assert result.exit_code == 2 and "not empty" in result.stderr
    fresh = tmp_path / "fresh"
    bad = runner.invoke(app, ["suite", "import", str(DATA / "app_log.jsonl"), "--out", str(fresh),
                              "--field", "question=request..query"])  # fmt: skip
    assert bad.exit_code == 2 and "--field question" in bad.stderr
    assert not fresh.exists() and list(tmp_path.iterdir()) == [out]
    unknown = runner.invoke(app, ["suite", "import", str(DATA / "app_log.jsonl"), "--out",
                                  str(fresh), "--field", "questoin=request.query"])  # fmt: skip
    assert unknown.exit_code == 2 and "questoin" in unknown.stderr
    assert "Traceback" not in bad.output + unknown.output


@pytest.mark.parametrize("where", ["file/x", "file/deeper/x", "file"])
def test_an_out_path_under_a_file_is_a_user_error_and_nothing_is_read(
    tmp_path: Path, where: str
) -> None:
    (tmp_path / "file").write_text("not a folder")
    missing = tmp_path / "no-such-log.jsonl"  # never read: --out is checked first
    result = runner.invoke(app, ["suite", "import", str(missing), "--out", str(tmp_path / where)])
    assert result.exit_code == 2, result.output
    assert "--out" in result.stderr and "how to fix" in result.stderr
    assert "Traceback" not in result.output and "no-such-log" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]
    assert (tmp_path / "file").read_text() == "not a folder"


def test_a_one_of_five_rating_is_negative_feedback(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    rows = [{"question": f"question number {i}?", "answer": "a", "feedback": r}
            for i, r in enumerate([5, 1, 4, 2, 3])]  # fmt: skip
    log.write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = runner.invoke(app, ["suite", "import", str(log), "--out", str(tmp_path / "s"),
                                 "--field", "feedback=feedback", "--json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["selection"]["with_signals"] == 2  # ratings 1 and 2
    bad = runner.invoke(app, ["suite", "import", str(log), "--out", str(tmp_path / "t"),
                              "--feedback-scale", "ten"])  # fmt: skip
    assert bad.exit_code == 2 and "--feedback-scale" in bad.stderr
