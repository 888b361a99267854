"""Write the malformed-input corpus under ``tests/data/malformed/`` and its ``expected.yaml``.

Run ``python tests/_support/make_malformed_corpus.py`` after changing the list below; the files
are committed, so the corpus test reads them, not this script. Each entry is one malformed file
(with, for suites, the valid files around it), the loader or command that reads it, the exit
code the CLI gives (always 2: bad input) and a fragment of the message.
"""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2] / "tests" / "data" / "malformed"

# --- valid building blocks ------------------------------------------------------------------

DOCS = [
    {"doc_id": "d1", "title": "Aspirin", "text": "Aspirin reduces the risk of heart attack."},
    {"doc_id": "d2", "title": "Statins", "text": "Statins lower cholesterol."},
]
QUERY = {"query_id": "q1", "query": "aspirin heart attack", "relevant": {"d1": 1}}
RAG = {
    "case_id": "g1",
    "question": "What does aspirin reduce?",
    "answers": ["the risk of heart attack"],
    "gold_doc_ids": ["d1"],
}
ADD_TOOL = {
    "type": "function",
    "function": {
        "name": "add",
        "description": "Add two integers.",
        "parameters": {
            "type": "object",
            "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
            "required": ["a", "b"],
        },
    },
}
AGENT = {
    "case_id": "c1",
    "messages": [{"role": "user", "content": "2+3"}],
    "tools": [ADD_TOOL],
    "expected_calls": [{"name": "add", "arguments": {"a": [2], "b": [3]}}],
}
OUTPUT = {"case_id": "c1", "tool_calls": [{"name": "add", "arguments": {"a": 2, "b": 3}}]}
RECORDED = {"case_id": "g1", "answer": "The risk of heart attack [1]."}
PAIR = {
    "id": "p1",
    "context": "Aspirin reduces the risk of heart attack.",
    "claim": "Aspirin helps.",
}

SUITE = """name: tiny
version: '0.1'
stages:
  retrieval:
    cases: retrieval.jsonl
    target:
      name: bm25
    options:
      depth: 5
"""
GEN_SUITE = """name: tiny
version: '0.1'
stages:
  generation:
    cases: rag.jsonl
    target:
      name: extractive
"""
AGENT_SUITE = """name: tiny
version: '0.1'
stages:
  agent:
    cases: agent.jsonl
    target:
      name: baseline
"""
ALIAS_BOMB = "".join(
    [
        "name: bomb\nversion: '1'\nstages:\n  retrieval:\n    cases: retrieval.jsonl\n",
        "    target:\n      name: bm25\n      args:\n",
        '        a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n',
        *(
            f"        {n}: &{n} [{', '.join([f'*{p}'] * 10)}]\n"
            for p, n in zip("abcdefgh", "bcdefghi", strict=True)
        ),
    ]
)


def jl(*records: Any) -> bytes:
    """JSON Lines of ``records`` (strings are written as they are)."""
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records).encode()


def gz(data: bytes) -> bytes:
    """``data`` gzipped, reproducibly."""
    return gzip.compress(data, mtime=0)


def truncated_gz(data: bytes) -> bytes:
    """A gzip stream cut off before its end."""
    packed = gz(data * 50)
    return packed[: len(packed) // 2]


DEEP = "[" * 3000 + "]" * 3000
LATIN1 = '{"query_id": "q2", "query": "caf\xe9", "relevant": {"d1": 1}}\n'.encode("latin-1")
GOOD_QRELS = b"q1 0 d1 1\nq1 0 d2 0\n"
GOOD_RUN = b"q1 Q0 d1 1 2.5 run\nq1 Q0 d2 2 1.5 run\n"

# --- the corpus -------------------------------------------------------------------------------
# (file, run, fragment, line, {other files in the same folder}); ``run`` names a loader of
# tests/test_malformed_corpus.py, or ``cli`` with ``args`` ({file} = the malformed file, {good}
# = the _good folder, {out} = a path in the test's folder that must stay absent).

Entry = dict[str, Any]
ENTRIES: list[tuple[Entry, bytes, dict[str, bytes]]] = []


def add(
    file: str,
    data: bytes,
    run: str,
    fragment: str,
    *,
    line: int | None = None,
    field: str | None = None,
    args: list[str] | None = None,
    others: dict[str, bytes] | None = None,
    note: str = "",
) -> None:
    entry: Entry = {"file": file, "run": run, "exit": 2, "fragment": fragment}
    if line is not None:
        entry["line"] = line
    if field is not None:
        entry["field"] = field
    if args is not None:
        entry["args"] = args
    if note:
        entry["note"] = note
    ENTRIES.append((entry, data, others or {}))


RETRIEVAL_FILES = {"retrieval.jsonl": jl(QUERY), "corpus.jsonl": jl(*DOCS)}


def suite(name: str, text: str | bytes, fragment: str, **kw: Any) -> None:
    data = text.encode() if isinstance(text, str) else text
    others = kw.pop("others", RETRIEVAL_FILES)
    add(f"suites/{name}/suite.yaml", data, "suite", fragment, others=others, **kw)


def stage_file(
    name: str, file: str, data: bytes, fragment: str, suite_text: str, **kw: Any
) -> None:
    others = {"suite.yaml": suite_text.encode(), **kw.pop("others", {})}
    add(f"suites/{name}/{file}", data, "suite", fragment, others=others, **kw)


# suite.yaml
suite(
    "not_utf8",
    SUITE.replace("name: tiny", "name: tiny\ndescription: caf\xe9").encode("latin-1"),
    "not valid UTF-8",
    line=2,
)
suite("utf16", SUITE.encode("utf-16"), "not valid UTF-8", line=1)
suite("alias_bomb_in_target_args", ALIAS_BOMB, "expands (through its aliases)")
suite(
    "alias_refers_to_itself",
    SUITE.replace("      name: bm25", "      name: bm25\n      args: &a {x: *a}"),
    "refers to the node",
)
suite(
    "nested_3000_deep",
    SUITE.replace("      name: bm25", f"      name: bm25\n      args: {{x: {DEEP}}}"),
    "nested more than 100 levels",
)
suite(
    "too_many_aliases",
    SUITE.replace(
        "      depth: 5", "      depth: &d 5\n      x: [" + ", ".join(["*d"] * 1200) + "]"
    ),
    "more than 1000 aliases",
)
suite(
    "nan_threshold",
    SUITE + "gates:\n  thresholds:\n    retrieval:\n      ndcg@3: .nan\n",
    "not finite",
    line=13,
)
suite("inf_option", SUITE.replace("depth: 5", "depth: .inf"), "not finite", line=9)
suite(
    "nan_target_arg",
    SUITE.replace("      name: bm25", "      name: bm25\n      args: {k1: .NaN}"),
    "not finite",
    line=8,
)
suite(
    "negative_inf_max",
    SUITE + "gates:\n  thresholds:\n    retrieval:\n      mrr: {max: -.inf}\n",
    "not finite",
    line=13,
)
suite("tab_indented", SUITE.replace("    cases:", "\tcases:"), "not valid YAML")
suite("unclosed_quote", SUITE.replace("version: '0.1'", "version: '0.1"), "not valid YAML")
suite("top_level_list", "- name: tiny\n- version: 1\n", "expected a mapping at the top level")
suite("empty_file", b"", "expected a mapping at the top level")
suite("only_bom", b"\xef\xbb\xbf", "expected a mapping at the top level")
suite("unknown_stage", SUITE.replace("  retrieval:", "  retreival:"), "unknown stage", line=4)
suite("missing_name", SUITE.replace("name: tiny\n", ""), "name", field="name")
suite(
    "python_tag",
    SUITE.replace("depth: 5", "depth: !!python/object/apply:os.system [ls]"),
    "could not determine a constructor",
)
suite("huge_integer", SUITE.replace("depth: 5", "depth: 1" + "0" * 5000), "cannot read the value")
suite(
    "impossible_date",
    SUITE.replace("version: '0.1'", "version: 2024-13-45"),
    "cannot read the value",
    line=2,
)
suite("control_character", SUITE.replace("name: tiny", "name: ti\x07ny"), "is not allowed", line=1)
suite(
    "crlf_misspelt_key",
    SUITE.replace("version: '0.1'\n", "version: '0.1'\ndescriptoin: x\n").replace("\n", "\r\n"),
    "descriptoin",
    line=3,
    field="descriptoin",
)
suite("bom_misspelt_key", "\ufeff" + SUITE.replace("options:", "optoins:"), "optoins", line=8)
suite(
    "duplicate_anchor_undefined_alias", SUITE.replace("depth: 5", "depth: *nope"), "undefined alias"
)
suite(
    "cases_not_found",
    SUITE.replace("cases: retrieval.jsonl", "cases: nope.jsonl"),
    "file not found",
)

# the cases and corpus files a suite names
stage_file(
    "empty_retrieval_cases",
    "retrieval.jsonl",
    b"",
    "no cases",
    SUITE,
    others={"corpus.jsonl": jl(*DOCS)},
)
stage_file(
    "blank_retrieval_cases",
    "retrieval.jsonl",
    b"\r\n  \r\n\n",
    "no cases",
    SUITE,
    others={"corpus.jsonl": jl(*DOCS)},
)
stage_file(
    "empty_corpus",
    "corpus.jsonl",
    b"",
    "no documents",
    SUITE,
    others={"retrieval.jsonl": jl(QUERY)},
)
stage_file(
    "corrupt_corpus_gz",
    "corpus.jsonl.gz",
    b"\x1f\x8b\x08\x00garbage-not-deflate",
    "corrupt or truncated gzip",
    SUITE,
    others={"retrieval.jsonl": jl(QUERY)},
)
stage_file(
    "truncated_corpus_gz",
    "corpus.jsonl.gz",
    truncated_gz(jl(*DOCS)),
    "corrupt or truncated gzip",
    SUITE,
    others={"retrieval.jsonl": jl(QUERY)},
)
stage_file(
    "empty_rag_cases", "rag.jsonl", b"", "no cases", GEN_SUITE, others={"corpus.jsonl": jl(*DOCS)}
)
stage_file("empty_agent_cases", "agent.jsonl", b"\n", "no cases", AGENT_SUITE)
stage_file(
    "nan_in_agent_schema",
    "agent.jsonl",
    jl(json.dumps(AGENT).replace('"type": "integer"}', '"type": "integer", "default": NaN}', 1)),
    "not finite",
    AGENT_SUITE,
    line=1,
)

# retrieval.jsonl
R = "retrieval_cases"
add(
    "retrieval/bom_then_bad_json.jsonl",
    b"\xef\xbb\xbf" + jl(QUERY, '{"query_id": "q2",'),
    R,
    "not valid JSON",
    line=2,
)
add("retrieval/latin1.jsonl", jl(QUERY) + LATIN1, R, "not valid UTF-8", line=2)
add("retrieval/utf16.jsonl", jl(QUERY).decode().encode("utf-16"), R, "not valid UTF-8", line=1)
add(
    "retrieval/nan_grade.jsonl",
    jl('{"query_id": "q1", "query": "a", "relevant": {"d1": NaN}}'),
    R,
    "not finite",
    line=1,
)
add(
    "retrieval/huge_float.jsonl",
    jl('{"query_id": "q1", "query": "a", "relevant": {"d1": 1e999}}'),
    R,
    "not finite",
    line=1,
)
add(
    "retrieval/infinity.jsonl",
    jl('{"query_id": "q1", "query": "a", "tags": [-Infinity]}'),
    R,
    "not finite",
    line=1,
)
add(
    "retrieval/nested_3000.jsonl",
    jl(QUERY, '{"query_id": "q2", "query": "a", "x": ' + DEEP + "}"),
    R,
    "nested more than 100 levels",
    line=2,
)
add(
    "retrieval/huge_integer.jsonl",
    jl('{"query_id": "q1", "query": "a", "relevant": {"d1": ' + "9" * 5000 + "}}"),
    R,
    "not valid JSON",
    line=1,
)
add(
    "retrieval/lone_surrogate.jsonl",
    jl('{"query_id": "q1", "query": "\\ud800", "relevant": {}}'),
    R,
    "surrogate",
    line=1,
)
add("retrieval/top_level_array.jsonl", jl([QUERY]), R, "expected a JSON object", line=1)
add("retrieval/empty.jsonl", b"", R, "no cases")
add("retrieval/crlf_blank_only.jsonl", b"\r\n\r\n", R, "no cases")
add(
    "retrieval/crlf_duplicate_id.jsonl",
    jl(QUERY, QUERY).replace(b"\n", b"\r\n"),
    R,
    "duplicate id",
    line=2,
    field="query_id",
)
add(
    "retrieval/missing_query.jsonl",
    jl({"query_id": "q1", "relevant": {}}),
    R,
    "query",
    line=1,
    field="query",
)
add("retrieval/nul_bytes.jsonl", b"\x00\x00\x00\n", R, "not valid JSON", line=1)
add("retrieval/not_gzip.jsonl.gz", jl(QUERY), R, "not a gzip file")
add("retrieval/corrupt.jsonl.gz", gz(jl(QUERY))[:10] + b"\xff" * 20, R, "corrupt or truncated gzip")
add("retrieval/truncated.jsonl.gz", truncated_gz(jl(QUERY)), R, "corrupt or truncated gzip")
add("retrieval/gz_latin1_inside.jsonl.gz", gz(jl(QUERY) + LATIN1), R, "not valid UTF-8", line=2)

# rag.jsonl
G = "rag_cases"
add(
    "rag/latin1.jsonl",
    jl(RAG) + '{"case_id": "g2", "question": "\xbf"}\n'.encode("latin-1"),
    G,
    "not valid UTF-8",
    line=2,
)
add(
    "rag/missing_question.jsonl",
    jl({**RAG, "question": None}),
    G,
    "question",
    line=1,
    field="question",
)
add("rag/empty.jsonl", b"", G, "no cases")
add(
    "rag/nested_3000.jsonl",
    jl('{"case_id": "g1", "question": ' + DEEP + "}"),
    G,
    "nested more than 100 levels",
    line=1,
)
add("rag/truncated.jsonl.gz", truncated_gz(jl(RAG)), G, "corrupt or truncated gzip")

# agent.jsonl
A = "agent_cases"
add("agent/latin1.jsonl", jl(AGENT) + b'{"case_id": "\xe9"}\n', A, "not valid UTF-8", line=2)
add(
    "agent/nested_tool_schema.jsonl",
    jl(
        json.dumps(AGENT).replace(
            '{"type": "integer"}', '{"type": "integer", "x": ' + DEEP + "}", 1
        )
    ),
    A,
    "nested more than 100 levels",
    line=1,
)
add("agent/empty.jsonl", b"", A, "no cases")
add(
    "agent/infinity_in_arguments.jsonl",
    jl(json.dumps(AGENT).replace('"a": [2]', '"a": [Infinity]')),
    A,
    "not finite",
    line=1,
)
add(
    "agent/unknown_tool.jsonl",
    jl(
        json.dumps(AGENT).replace(
            '"expected_calls": [{"name": "add"', '"expected_calls": [{"name": "mul"'
        )
    ),
    A,
    "not among the case's tools",
    line=1,
)

CYCLE_TOOL = {
    "type": "function",
    "function": {
        "name": "add",
        "parameters": {
            "type": "object",
            "properties": {"a": {"$ref": "#/$defs/A"}},
            "$defs": {"A": {"allOf": [{"$ref": "#/$defs/B"}]}, "B": {"$ref": "#/$defs/A"}},
        },
    },
}
add(
    "agent/ref_cycle.jsonl",
    jl({**AGENT, "tools": [CYCLE_TOOL]}),
    A,
    "$ref cycle",
    line=1,
    field="tools.0.function.parameters",
)

# recorded agent outputs
AO = "agent_outputs"
add("outputs/empty.jsonl", b"", AO, "no recorded outputs")
add(
    "outputs/nan_argument.jsonl",
    jl('{"case_id": "c1", "tool_calls": [{"name": "add", "arguments": {"a": NaN, "b": 3}}]}'),
    AO,
    "not finite",
    line=1,
)
add("outputs/latin1.jsonl", jl(OUTPUT) + b'{"case_id": "c\xff"}\n', AO, "not valid UTF-8", line=2)
add("outputs/negative_turn.jsonl", jl({**OUTPUT, "turn": -1}), AO, "turn", line=1, field="turn")
add(
    "outputs/nested_arguments.jsonl",
    jl('{"case_id": "c1", "tool_calls": [{"name": "add", "arguments": ' + DEEP + "}]}"),
    AO,
    "nested more than 100 levels",
    line=1,
)
add("outputs/truncated.jsonl.gz", truncated_gz(jl(OUTPUT)), AO, "corrupt or truncated gzip")

# recorded generation outputs
W = "recorded_generation"
add(
    "recorded/latin1.jsonl", jl(RECORDED) + b'{"case_id": "g\xe92"}\n', W, "not valid UTF-8", line=2
)
add(
    "recorded/nan_latency.jsonl",
    jl('{"case_id": "g1", "answer": "x", "latency_ms": NaN}'),
    W,
    "not finite",
    line=1,
)
add(
    "recorded/unknown_field.jsonl",
    jl({**RECORDED, "anwser": "x"}),
    W,
    "anwser",
    line=1,
    field="anwser",
)
add(
    "recorded/bom_bad_json.jsonl",
    b"\xef\xbb\xbf" + jl(RECORDED) + b"{not json}\n",
    W,
    "not valid JSON",
    line=2,
)
add("recorded/corrupt.jsonl.gz", b"\x1f\x8b\x08\x00" + b"\x00" * 30, W, "corrupt or truncated gzip")

# generation verify input
V = "verify_input"
add(
    "verify/blank_claim.jsonl",
    jl(PAIR, {**PAIR, "id": "p2", "claim": "   "}),
    V,
    "claim is blank",
    line=2,
    field="claim",
)
add("verify/latin1.jsonl", jl(PAIR) + b'{"id": "p\xe9"}\n', V, "not valid UTF-8", line=2)
add("verify/empty.jsonl", b"", V, "no records")
add(
    "verify/nested_context.jsonl",
    jl('{"id": "p1", "claim": "x", "context": ' + DEEP + "}"),
    V,
    "nested more than 100 levels",
    line=1,
)
add(
    "verify/crlf_missing_context.jsonl",
    jl(PAIR, {"id": "p2", "claim": "x"}).replace(b"\n", b"\r\n"),
    V,
    "context",
    line=2,
    field="context",
)

# TREC qrels
Q = "qrels"
add("trec/latin1.qrels", GOOD_QRELS + b"q\xe92 0 d1 1\n", Q, "not valid UTF-8", line=3)
add(
    "trec/grade_not_integer.qrels",
    GOOD_QRELS + b"q2 0 d1 high\n",
    Q,
    "not an integer",
    line=3,
    field="grade",
)
add("trec/three_columns.qrels", b"q1 d1 1\n", Q, "expected 4 columns", line=1)
add("trec/empty.qrels", b"", Q, "no judgements")
add("trec/bom_only.qrels", b"\xef\xbb\xbf\r\n", Q, "no judgements")
add("trec/comments_only.qrels", b"# a comment\n#another\n", Q, "no judgements")
add(
    "trec/corrupt.qrels.gz",
    b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xff\xff\xff\xff",
    Q,
    "corrupt or truncated gzip",
)

# TREC runs
N = "run"
add(
    "trec/nan_score.run",
    GOOD_RUN + b"q1 Q0 d3 3 nan run\n",
    N,
    "not a finite number",
    line=3,
    field="score",
)
add("trec/inf_score.run", b"q1 Q0 d1 1 inf run\n", N, "not a finite number", line=1, field="score")
add(
    "trec/negative_infinity.run",
    b"q1 Q0 d1 1 -Infinity run\n",
    N,
    "not a finite number",
    line=1,
    field="score",
)
add(
    "trec/overflow_score.run",
    b"q1 Q0 d1 1 1e999 run\n",
    N,
    "not a finite number",
    line=1,
    field="score",
)
add(
    "trec/score_not_number.run",
    b"q1 Q0 d1 1 high run\n",
    N,
    "not a finite number",
    line=1,
    field="score",
)
add("trec/five_columns.run", b"q1 Q0 d1 1 2.5\n", N, "expected at least 6 columns", line=1)
add(
    "trec/duplicate_doc.run",
    GOOD_RUN + b"q1 Q0 d1 3 0.5 run\n",
    N,
    "appears twice",
    line=3,
    field="doc_id",
)
add("trec/latin1.run", b"q1 Q0 d\xe9 1 2.5 run\n", N, "not valid UTF-8", line=1)
add("trec/empty.run", b"", N, "no run lines")
add("trec/truncated.run.gz", truncated_gz(GOOD_RUN), N, "corrupt or truncated gzip")

# the CLI, end to end (CliRunner; "subprocess" runs the installed entry point)
add(
    "cli/score_latin1.qrels",
    b"q\xe91 0 d1 1\n",
    "cli",
    "not valid UTF-8",
    args=["retrieval", "score", "--qrels", "{file}", "--run", "{good}/good.run"],
)
add(
    "cli/score_nan.run",
    b"q1 Q0 d1 1 NaN run\n",
    "cli",
    "not a finite number",
    args=["retrieval", "score", "--qrels", "{good}/good.qrels", "--run", "{file}"],
)
add(
    "cli/score_max_docs.qrels",
    GOOD_QRELS,
    "cli",
    "-M",
    args=["retrieval", "score", "--qrels", "{file}", "--run", "{good}/good.run", "-M", "-1"],
    note="the file is valid: -M -1 is the bad input",
)
add(
    "cli/search_empty_corpus.jsonl",
    b"\n",
    "cli",
    "no documents",
    args=[
        "retrieval",
        "search",
        "--corpus",
        "{file}",
        "--queries",
        "{good}/queries.tsv",
        "--out",
        "{out}",
    ],
)
add(
    "cli/search_truncated_queries.jsonl.gz",
    truncated_gz(b'{"query_id": "1", "query": "x"}\n'),
    "cli",
    "corrupt or truncated gzip",
    args=[
        "retrieval",
        "search",
        "--corpus",
        "{good}/corpus.jsonl",
        "--queries",
        "{file}",
        "--out",
        "{out}",
    ],
)
add(
    "cli/check_nan_outputs.jsonl",
    jl('{"case_id": "c1", "tool_calls": [{"name": "add", "arguments": {"a": NaN}}]}'),
    "cli",
    "not finite",
    args=["agent", "check", "--cases", "{good}/agent.jsonl", "--outputs", "{file}"],
)
add(
    "cli/verify_latin1.jsonl",
    jl(PAIR) + b'{"id": "\xe9"}\n',
    "cli",
    "not valid UTF-8",
    args=["generation", "verify", "--input", "{file}", "--output", "{out}"],
)
add(
    "cli/subprocess_bom_bad_run.run",
    b"\xef\xbb\xbfq1 Q0 d1 1 inf run\n",
    "subprocess",
    "not a finite number",
    args=["retrieval", "score", "--qrels", "{good}/good.qrels", "--run", "{file}"],
)
add(
    "cli/subprocess_alias_bomb/suite.yaml",
    ALIAS_BOMB.encode(),
    "subprocess",
    "expands (through its aliases)",
    args=["run", "{dir}", "--store", "sqlite:///{out}"],
    others=RETRIEVAL_FILES,
)

GOOD = {
    "good.qrels": GOOD_QRELS,
    "good.run": GOOD_RUN,
    "queries.tsv": b"q1\taspirin heart attack\n",
    "corpus.jsonl": jl(*DOCS),
    "agent.jsonl": jl(AGENT),
}


def main() -> None:
    """Rewrite the corpus folder from the list above."""
    if ROOT.exists():
        shutil.rmtree(ROOT)
    (ROOT / "_good").mkdir(parents=True)
    for name, data in GOOD.items():
        (ROOT / "_good" / name).write_bytes(data)
    for entry, data, others in ENTRIES:
        path = ROOT / entry["file"]
        assert not path.exists(), entry["file"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        for name, content in others.items():
            (path.parent / name).write_bytes(content)
    header = (
        "# The malformed-input corpus: each file, the loader or command that reads it, the exit\n"
        "# code of the CLI (2: bad input) and a fragment of the message (with the line and field\n"
        "# where there is one). Written by tests/_support/make_malformed_corpus.py; read by\n"
        "# tests/evalcore/test_malformed_corpus.py.\n"
    )
    body = yaml.safe_dump([e for e, _, _ in ENTRIES], sort_keys=False, width=100)
    (ROOT / "expected.yaml").write_text(header + body)
    print(f"{len(ENTRIES)} malformed files under {ROOT}")


if __name__ == "__main__":
    main()
