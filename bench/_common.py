"""Shared helpers for the benchmark scripts (SciFact demo suite loading, result output)."""

from __future__ import annotations

import gzip
import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from evalstage.evalcore.cases import Document

ROOT = Path(__file__).resolve().parents[1]
SUITE = ROOT / "suites" / "demo"
RESULTS = Path(__file__).resolve().parent / "results"

T = TypeVar("T")


def load_corpus(limit: int | None = None) -> list[Document]:
    docs: list[Document] = []
    with gzip.open(SUITE / "corpus.jsonl.gz", "rt", encoding="utf-8") as handle:
        for line in handle:
            if limit is not None and len(docs) >= limit:
                break
            docs.append(Document.model_validate(json.loads(line)))
    return docs


def load_queries() -> tuple[dict[str, str], dict[str, dict[str, int]]]:
    queries: dict[str, str] = {}
    qrels: dict[str, dict[str, int]] = {}
    with open(SUITE / "retrieval.jsonl", encoding="utf-8") as handle:
        for line in handle:
            obj = json.loads(line)
            queries[obj["query_id"]] = obj["query"]
            qrels[obj["query_id"]] = {d: int(g) for d, g in obj["relevant"].items()}
    return queries, qrels


def timed(fn: Callable[[], T], repeats: int = 1) -> tuple[float, T]:
    """Run ``fn`` ``repeats`` times; return the fastest wall time and the last result."""
    best = float("inf")
    result: Any = None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
    }


def write_results(name: str, payload: dict[str, Any], path: Path | None = None) -> Path:
    """Write ``payload`` to ``bench/results/NAME.json``, or to ``path``."""
    if path is None:
        RESULTS.mkdir(parents=True, exist_ok=True)
        path = RESULTS / f"{name}.json"
    payload = {"benchmark": name, "machine": machine(), **payload}
    path.write_text(json.dumps(payload, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    return path


def markdown_table(header: list[str], rows: list[list[Any]]) -> str:
    def cell(value: Any) -> str:
        if isinstance(value, float):
            return f"{value:.4g}"
        return str(value)

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def median(values: list[float]) -> float:
    return statistics.median(values)
