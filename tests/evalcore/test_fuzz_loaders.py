"""Fuzzing every loader: any bytes give a valid result or a clear SuiteError, never another error.

Inputs are valid files mutated (bytes flipped, inserted, cut; BOM, CRLF, gzip, NaN, deep nesting,
YAML anchors spliced in) and arbitrary bytes. Example counts are modest so the suite stays fast.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evalstage.agent_eval import load_agent_cases, load_agent_inputs, load_outputs
from evalstage.evalcore import SuiteError, load_jsonl, load_suite
from evalstage.evalcore.cases import Document
from evalstage.evalcore.files import iter_lines
from evalstage.evalcore.loaders import parse_json, safe_load_yaml
from evalstage.generation_eval import RagCase
from evalstage.generation_eval._suite import load_generation_inputs
from evalstage.generation_eval._targets import load_recorded
from evalstage.generation_eval.verifier._files import PairRecord
from evalstage.retrieval_eval import RetrievalCase, read_qrels, read_run
from evalstage.retrieval_eval._stage import load_retrieval_inputs
from evalstage.retrieval_eval.cli_format import read_corpus, read_queries

FUZZ = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

REVIEWED = {"note": "fuzz seed", "category": "fuzz"}
QUERY = {"query_id": "q1", "query": "aspirin", "relevant": {"d1": 1}, "tags": ["a"], **REVIEWED}
RAG = {"case_id": "g1", "question": "What?", "answers": ["x"], "gold_doc_ids": ["d1"], **REVIEWED}
TOOL = {
    "type": "function",
    "function": {
        "name": "add",
        "parameters": {"type": "object", "properties": {"a": {"type": "integer"}}},
    },
}
AGENT = {
    "case_id": "c1",
    "messages": [{"role": "user", "content": "2+3"}],
    "tools": [TOOL],
    "expected_calls": [{"name": "add", "arguments": {"a": [2]}}],
    **REVIEWED,
}
OUTPUT = {"case_id": "c1", "tool_calls": [{"name": "add", "arguments": {"a": 2}}]}
RECORDED = {"case_id": "g1", "answer": "x [1].", "latency_ms": 3.5}
PAIR = {"id": "p1", "context": ["a b", "c"], "claim": "a"}
DOC = {"doc_id": "d1", "title": "T", "text": "aspirin"}


def _jsonl(*records: dict[str, Any]) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in records).encode()


SPLICES = [
    b"\xef\xbb\xbf",
    b"\r\n",
    b"\r",
    b"\n",
    b"\x00",
    b"\xff",
    b"\xe9",
    b"\xed\xa0\x80",
    b"NaN",
    b"Infinity",
    b"-1e999",
    b"\\ud800",
    b"[" * 150,
    b"{",
    b"}",
    b'"',
    b"9" * 5000,
    b": ",
    b"- ",
    b"\t",
    b"&a ",
    b"*a",
    b"!!python/name:os.system ",
    b".nan",
    b"# ",
    b" ",
]


@st.composite
def mutated(draw: st.DrawFn, base: bytes) -> bytes:
    """``base`` with a few bytes cut, replaced or spliced in, maybe gzipped or truncated."""
    data = bytearray(base)
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["splice", "cut", "flip", "dup"]))
        at = draw(st.integers(0, len(data)))
        if kind == "splice":
            data[at:at] = draw(st.sampled_from(SPLICES) | st.binary(max_size=8))
        elif kind == "cut":
            del data[at : at + draw(st.integers(1, 20))]
        elif kind == "flip" and at < len(data):
            data[at] = draw(st.integers(0, 255))
        elif kind == "dup":
            data[at:at] = data[max(0, at - 40) : at]
    return bytes(data)


def inputs(base: bytes) -> st.SearchStrategy[bytes]:
    return st.one_of(mutated(base), st.binary(max_size=200))


def gz_inputs(base: bytes) -> st.SearchStrategy[bytes]:
    """Gzipped (maybe mutated) content, or a mutated gzip stream."""
    packed = st.builds(lambda b: gzip.compress(b, mtime=0), mutated(base))
    return st.one_of(packed, packed.flatmap(mutated), st.binary(max_size=60))


def _check(loader: Callable[[Path], object], name: str, data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        try:
            loader(path)
        except SuiteError as exc:
            text = exc.render()
            assert exc.path is not None and exc.message and "Traceback" not in text


JSONL_LOADERS: dict[str, tuple[Callable[[Path], object], bytes]] = {
    "retrieval": (lambda p: load_jsonl(p, RetrievalCase, id_field="query_id"), _jsonl(QUERY)),
    "corpus": (lambda p: load_jsonl(p, Document, id_field="doc_id"), _jsonl(DOC)),
    "cli_corpus": (read_corpus, _jsonl(DOC)),
    "cli_queries": (read_queries, _jsonl({"query_id": "1", "query": "x"})),
    "rag": (lambda p: load_jsonl(p, RagCase, id_field="case_id"), _jsonl(RAG)),
    "agent": (load_agent_cases, _jsonl(AGENT)),
    "agent_outputs": (load_outputs, _jsonl(OUTPUT, {**OUTPUT, "turn": 1})),
    "recorded_generation": (load_recorded, _jsonl(RECORDED)),
    "verify_input": (lambda p: load_jsonl(p, PairRecord, id_field="id"), _jsonl(PAIR)),
}


@pytest.mark.parametrize("kind", sorted(JSONL_LOADERS))
def test_jsonl_loaders_never_crash(kind: str) -> None:
    loader, base = JSONL_LOADERS[kind]

    @FUZZ
    @given(data=inputs(base))
    def plain(data: bytes) -> None:
        _check(loader, "in.jsonl", data)

    @settings(FUZZ, max_examples=20)
    @given(data=gz_inputs(base))
    def gzipped(data: bytes) -> None:
        _check(loader, "in.jsonl.gz", data)

    plain()
    gzipped()


TREC: dict[str, tuple[Callable[[Path], object], bytes]] = {
    "qrels": (read_qrels, b"q1 0 d1 1\nq1 0 d2 0\n# note\nq2 0 d1 2\n"),
    "run": (read_run, b"q1 Q0 d1 1 2.5 run\nq1 Q0 d2 2 -1e3 run\nq2 Q0 d1 1 0 run\n"),
    "queries_tsv": (read_queries, b"q1\taspirin\nq2\tstatins\n"),
}


@pytest.mark.parametrize("kind", sorted(TREC))
def test_trec_readers_never_crash(kind: str) -> None:
    loader, base = TREC[kind]
    suffix = ".tsv" if kind == "queries_tsv" else f".{kind}"

    @FUZZ
    @given(data=inputs(base))
    def plain(data: bytes) -> None:
        _check(loader, f"in{suffix}", data)

    @settings(FUZZ, max_examples=20)
    @given(data=gz_inputs(base))
    def gzipped(data: bytes) -> None:
        _check(loader, f"in{suffix}.gz", data)

    plain()
    gzipped()


@FUZZ
@given(data=inputs(b"q1 Q0 d1 1 2.5 run\n"))
def test_run_scores_are_finite(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "in.run"
        path.write_bytes(data)
        try:
            ranking, _ = read_run(path)
        except SuiteError:
            return
        assert all(abs(s) < float("inf") for scores in ranking.values() for s in scores.values())


SUITE = b"""name: tiny
version: '0.1'
description: fuzzed
stages:
  retrieval:
    cases: retrieval.jsonl
    target:
      name: bm25
      args: &args {k1: 1.2, b: 0.75}
    options:
      depth: 5
      measures: [ndcg@3, mrr]
  generation:
    cases: rag.jsonl
    target: {name: extractive, args: {}}
    options: {top_k: 2, distractors: 1}
  agent:
    cases: agent.jsonl
    target:
      name: baseline
gates:
  thresholds:
    retrieval: {ndcg@3: 0.1, mrr: {max: 1.0}}
  regression: {alpha: 0.05}
"""
STAGE_LOADERS = {
    "retrieval": load_retrieval_inputs,
    "generation": load_generation_inputs,
    "agent": load_agent_inputs,
}


def _load_suite_and_stages(path: Path) -> object:
    suite = load_suite(path.parent)
    return [STAGE_LOADERS[stage](suite) for stage in suite.manifest.stages]


def _write_suite_files(folder: Path) -> None:
    (folder / "retrieval.jsonl").write_bytes(_jsonl(QUERY))
    (folder / "corpus.jsonl").write_bytes(_jsonl(DOC, {**DOC, "doc_id": "d2"}))
    (folder / "rag.jsonl").write_bytes(_jsonl(RAG))
    (folder / "agent.jsonl").write_bytes(_jsonl(AGENT))


def test_the_unfuzzed_suite_loads(tmp_path: Path) -> None:
    _write_suite_files(tmp_path)
    (tmp_path / "suite.yaml").write_bytes(SUITE)
    assert len(_load_suite_and_stages(tmp_path / "suite.yaml")) == 3  # type: ignore[arg-type]


@FUZZ
@given(data=inputs(SUITE))
def test_suite_yaml_never_crashes(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        _write_suite_files(root)
        (root / "suite.yaml").write_bytes(data)
        try:
            _load_suite_and_stages(root / "suite.yaml")
        except SuiteError as exc:
            assert exc.path is not None and "Traceback" not in exc.render()


@st.composite
def yaml_documents(draw: st.DrawFn) -> str:
    """Small YAML texts built from anchors, aliases, nesting, flow and block collections."""
    parts = st.sampled_from(
        [
            "&a ",
            "*a",
            "&b [",
            "*b",
            "[",
            "]",
            "{",
            "}",
            ", ",
            ": ",
            "\n- ",
            "\n  ",
            "x",
            "1",
            ".inf",
            "-.nan",
            "1e400",
            "'q'",
            "? ",
            "!!str ",
            "<<: ",
            "\ufeff",
            "|\n  t",
        ]
    )
    return "".join(draw(st.lists(parts, max_size=40)))


@FUZZ
@given(text=yaml_documents())
def test_safe_load_yaml_never_crashes(text: str) -> None:
    with contextlib.suppress(SuiteError):
        safe_load_yaml(text)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=3), children, max_size=3)
    ),
    max_leaves=20,
)


@FUZZ
@given(value=JSON_VALUES, depth=st.integers(0, 300))
def test_parse_json_accepts_finite_shallow_values_only(value: Any, depth: int) -> None:
    text = "[" * depth + json.dumps(value) + "]" * depth
    try:
        parsed = parse_json(text)
    except SuiteError as exc:
        assert "not finite" in exc.message or "nested more than" in exc.message
        return
    assert depth <= 100
    assert parsed == json.loads(text)


@FUZZ
@given(data=st.binary(max_size=300), name=st.sampled_from(["x.txt", "x.gz"]))
def test_iter_lines_never_crashes(data: bytes, name: str) -> None:
    _check(lambda p: list(iter_lines(p)), name, data)
