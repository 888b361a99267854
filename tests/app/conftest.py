"""A small results store for the app tests, written directly with ResultStore (no scoring)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from evalstage.agent_eval import AGENT_METRICS
from evalstage.evalcore.records import CaseResult, MetricSummary, RunRecord, StageSummary
from evalstage.evalcore.report import stage_summary
from evalstage.evalcore.store import ResultStore, sqlite_url
from evalstage.evalcore.suite import TargetSpec
from evalstage.retrieval_eval import RETRIEVAL_METRICS

ROOT = Path(__file__).resolve().parents[2]
MAIN = str(ROOT / "app" / "main.py")
XSS = "<script>alert(1)</script>"
RUN_A = "aaaa1111run0000000000000000000000"
RUN_B = "bbbb2222run0000000000000000000000"
RUN_OTHER = "cccc3333run0000000000000000000000"
RUN_GEN_A = "dddd4444run0000000000000000000000"
RUN_GEN_B = "eeee5555run0000000000000000000000"
BOLD = "<b>Aspirin</b>"


def _metric(name: str, value: float, n: int = 4) -> MetricSummary:
    return MetricSummary(
        name=name,
        value=value,
        ci_low=max(0.0, value - 0.1),
        ci_high=min(1.0, value + 0.1),
        n=n,
        coverage=1.0,
    )


def _retrieval(
    outcomes: dict[str, bool], ndcg: dict[str, float], target: str
) -> tuple[StageSummary, list[CaseResult]]:
    results = []
    for qid, passed in outcomes.items():
        results.append(
            CaseResult(
                stage="retrieval",
                case_id=qid,
                outcome="pass" if passed else "fail",
                failure_category=None if passed else "retrieval_miss",
                reason="" if passed else "hit@10 = 0.0000 < 1.0",
                category="cardio" if qid in ("q1", "q2") else "other",
                scores={
                    "hit@10": float(passed),
                    "ndcg@10": ndcg[qid],
                    "recall@10": float(passed),
                    "recall@100": 1.0,
                },
                details={
                    "top10": ["d9", "d1", "d2"] if passed else ["d9", "d8"],
                    "relevant": {"d1": 1},
                    "latency_ms": 1.5,
                },
            )
        )
    n_pass = sum(outcomes.values())
    summary = StageSummary(
        stage="retrieval",
        declared=RETRIEVAL_METRICS,
        target={"name": target, "args": {}},
        config={
            "pass_measure": "hit@10",
            "pass_threshold": 1.0,
            "per_category": {"cardio": {"n": 2.0, "pass_rate": 0.5}},
        },
        metrics=[
            _metric("ndcg@10", sum(ndcg.values()) / len(ndcg)),
            _metric("recall@10", n_pass / len(outcomes)),
            _metric("recall@100", 1.0),
            _metric("pass_rate", n_pass / len(outcomes)),
        ],
        outcomes={"pass": n_pass, "fail": len(outcomes) - n_pass},
        failure_categories={"retrieval_miss": len(outcomes) - n_pass},
        n_cases=len(outcomes),
    )
    return summary, results


def _agent_result(case_id: str, passed: bool, detail: str) -> CaseResult:
    code = [] if passed else ["value_mismatch"]
    call = {
        "turn": 0,
        "expected_index": 0,
        "actual_index": 0,
        "name": "search",
        "passed": passed,
        "codes": code,
        "detail": detail,
        "schema_paths": [],
    }
    verdict = {
        "case_id": case_id,
        "mode": "strict",
        "passed": passed,
        "codes": code,
        "calls": [call],
        "turns": [],
        "n_expected": 1,
        "n_actual": 1,
        "n_matched": int(passed),
        "precision": float(passed),
        "recall": float(passed),
        "f1": float(passed),
    }
    return CaseResult(
        stage="agent",
        case_id=case_id,
        outcome="pass" if passed else "fail",
        failure_category=None if passed else "tool_misuse",
        reason=", ".join(code),
        category="lookup",
        scores={
            "pass": float(passed),
            "call_precision": float(passed),
            "call_recall": float(passed),
            "call_f1": float(passed),
        },
        details={
            "verdict": verdict,
            "actual_turns": [{"tool_calls": [{"name": "raw_tool_made", "arguments": "{}"}]}],
            "latency_ms": 12.0,
        },
    )


def _agent(passes: dict[str, bool]) -> tuple[StageSummary, list[CaseResult]]:
    results = [
        _agent_result(
            cid,
            ok,
            "matches" if ok else f"argument 'q' = '{XSS}' is not one of ['x']",
        )
        for cid, ok in passes.items()
    ]
    n_pass = sum(passes.values())
    n_fail = len(passes) - n_pass
    summary = StageSummary(
        stage="agent",
        declared=AGENT_METRICS,
        target={"name": "baseline", "args": {}},
        config={
            "mode": "strict",
            "per_category": {"lookup": {"n": 3.0, "pass_rate": n_pass / 3, "call_f1": 0.5}},
        },
        metrics=[_metric("pass_rate", n_pass / len(passes), 3), _metric("call_f1", 0.5, 3)],
        outcomes={"pass": n_pass, "fail": n_fail},
        failure_categories={"tool_misuse": n_fail},
        error_codes={"value_mismatch": n_fail},
        n_cases=len(passes),
    )
    return summary, results


def _run(run_id: str, suite: str, day: int, month: int, stages: list[Any]) -> RunRecord:
    return RunRecord(
        run_id=run_id,
        suite_name=suite,
        suite_version="1.0",
        suite_hash="f" * 64,
        started_at=datetime(2026, month, day, 12, 0, tzinfo=UTC),
        finished_at=datetime(2026, month, day, 12, 5, tzinfo=UTC),
        package_version="0.1.0",
        stages=[s for s, _ in stages],
    )


def _generation_variants() -> dict[str, Any]:
    from gen_fixtures import CASES, DOCUMENTS, fake_search

    from evalstage.generation_eval import ADVERSARIAL, build_variants

    variants, skipped = build_variants(
        CASES,
        DOCUMENTS,
        variants=ADVERSARIAL,
        search=fake_search,
        retrieved={"num": ["d5", "d4"], "ent": ["d2"]},
    )
    return {"variants": {v.key: v for v in variants}, "skipped": skipped}


def _cite(variant: Any, doc_id: str) -> int:
    return next(n for n, p in enumerate(variant.passages, 1) if p.doc_id == doc_id)


def _planted(variant: Any) -> int:
    from gen_fixtures import DOCUMENTS

    originals = {d.text for d in DOCUMENTS.values()}
    return next(n for n, p in enumerate(variant.passages, 1) if p.text not in originals)


def generation_answers(candidate: bool) -> tuple[dict[str, str], dict[str, str]]:
    """The answers (by result key) and target errors of generation run A (or B, ``candidate``).

    Run A, by design: original 3 pass + 1 over_refusal (yn); num#noisy_context answers with
    HTML/script markup and a wrong number (hallucination); num#contradictory_context adopts the
    planted value; yn#contradictory_context is a target error; yn#counterfactual_only and
    abs#retrieved have no output. Run B fixes num#noisy_context and breaks ent.
    """
    v = _generation_variants()["variants"]
    right = "Aspirin reduced stroke risk by 32% over five years [{n}]."
    cf = v["num#contradictory_context"]
    answers = {
        "num": right.format(n=_cite(v["num"], "d1")),
        "num#retrieved": "Statins did not reduce stroke risk in this review of 12 trials [2].",
        "num#missing_context": "Aspirin reduced stroke risk [1].",
        "num#noisy_context": (
            f"{BOLD} reduced stroke risk by 90% over five years [1]. {XSS}"
            if not candidate
            else right.format(n=_cite(v["num#noisy_context"], "d1"))
        ),
        "num#contradictory_context": (
            f"Aspirin reduced stroke risk by {cf.counterfactual} [{_planted(cf)}]."
        ),
        "num#counterfactual_only": (
            f"Aspirin reduced stroke risk by {cf.counterfactual} over five years [1]."
        ),
        "ent": (
            f"The BRCA1 gene was mutated in most tumours [{_cite(v['ent'], 'd2')}]."
            if not candidate
            else f"Expression of TP53 was normal [{_cite(v['ent'], 'd2')}]."
        ),
        "ent#retrieved": "I cannot tell from these passages.",
        "ent#missing_context": "I cannot answer this from the provided passages.",
        "ent#noisy_context": (
            f"The BRCA1 gene was mutated in most tumours [{_cite(v['ent#noisy_context'], 'd2')}]."
        ),
        "yn": "I don't know.",
        "yn#retrieved": "I don't know.",
        "yn#missing_context": "The passages do not say.",
        "yn#noisy_context": "I don't know.",
        "abs": "The passages do not mention the dose.",
    }
    return answers, {"yn#contradictory_context": "TargetError: HTTP 500"}


def _generation(candidate: bool) -> tuple[StageSummary, list[CaseResult]]:
    """A generation stage scored for real (lexical verifier), summarised like flows/evaluate."""
    from gen_fixtures import CASES, LexicalScorer

    from evalstage.generation_eval import (
        Generation,
        GenerationContext,
        GenerationOptions,
        score_generation,
    )
    from evalstage.generation_eval.verifier import Verifier

    made = _generation_variants()
    answers, errors = generation_answers(candidate)
    context = GenerationContext(
        cases=CASES,
        variants=list(made["variants"].values()),
        outputs={k: Generation(answer=a, latency_ms=20.0) for k, a in answers.items()},
        errors=errors,
        skipped=made["skipped"],
    )
    report = score_generation(context, Verifier(LexicalScorer()))
    inputs = SimpleNamespace(
        target=TargetSpec(name="recorded", args={}),
        options=GenerationOptions(),
        suite_root=Path("suites/gen"),  # no such folder: the case page offers none
    )
    return stage_summary("generation", inputs, report, 0.5), report.results


def build_store(path: Path) -> str:
    """Two runs of suite 'fx' (retrieval + agent), one run of suite 'other' (retrieval) and two
    runs of suite 'gen' (generation, scored with the lexical test verifier)."""
    url = sqlite_url(path)
    store = ResultStore(url)
    ndcg = {"q1": 0.9, "q2": 0.05, "q3": 0.6, "q4": 0.7}
    a = [
        _retrieval({"q1": True, "q2": False, "q3": True, "q4": True}, ndcg, "bm25"),
        _agent({"a1": True, "a2": False, "a3": False}),
    ]
    ndcg_b = {"q1": 0.0, "q2": 0.8, "q3": 0.6, "q4": 0.75}
    b = [
        _retrieval({"q1": False, "q2": True, "q3": True, "q4": True}, ndcg_b, "dense"),
        _agent({"a1": True, "a2": False, "a3": True}),
    ]
    other = [_retrieval({"q1": True, "q2": True, "q3": True, "q4": True}, ndcg, "bm25")]
    store.save_run(_run(RUN_A, "fx", 1, 1, a), [r for _, rs in a for r in rs])
    store.save_run(_run(RUN_B, "fx", 1, 2, b), [r for _, rs in b for r in rs])
    store.save_run(_run(RUN_OTHER, "other", 1, 3, other), [r for _, rs in other for r in rs])
    for run_id, day, candidate in ((RUN_GEN_A, 1, False), (RUN_GEN_B, 2, True)):
        gen = [_generation(candidate)]
        store.save_run(_run(run_id, "gen", day, 4, gen), [r for _, rs in gen for r in rs])
    store.engine.dispose()
    return url


def write_suite(folder: Path) -> Path:
    """The suite folder of 'fx': notes, a canary, a retired case, an XSS payload in a message."""
    folder.mkdir(parents=True, exist_ok=True)
    queries = [
        {
            "query_id": f"q{i}",
            "query": f"query {i}",
            "relevant": {"d1": 1},
            "category": "cardio" if i < 3 else "other",
            "note": f"guards query {i}",
        }
        for i in range(1, 5)
    ]
    queries[0]["canary"] = True
    queries.append(
        {"query_id": "q5", "query": "old", "relevant": {"d1": 1}, "note": "old",
         "category": "other", "retired_in": "1.0", "retired_reason": "saturated",
         "retired_on": "2026-01-01"}
    )  # fmt: skip
    (folder / "retrieval.jsonl").write_text("".join(json.dumps(q) + "\n" for q in queries))
    tool = {
        "type": "function",
        "function": {
            "name": "search",
            "parameters": {"type": "object", "properties": {"q": {"type": "string"}}},
        },
    }
    agents = [
        {
            "case_id": f"a{i}",
            "category": "lookup",
            "note": f"agent note {i}",
            "messages": [{"role": "user", "content": XSS if i == 2 else f"find {i}"}],
            "tools": [tool],
            "expected_calls": [{"name": "search", "arguments": {"q": ["x"]}}],
        }
        for i in range(1, 4)
    ]
    (folder / "agent.jsonl").write_text("".join(json.dumps(a) + "\n" for a in agents))
    (folder / "suite.yaml").write_text(
        "name: fx\nversion: '1.0'\nstages:\n"
        "  retrieval:\n    cases: retrieval.jsonl\n    target:\n      name: bm25\n"
        "  agent:\n    cases: agent.jsonl\n    target:\n      name: baseline\n"
    )
    return folder


@pytest.fixture(scope="session")
def app_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    return build_store(tmp_path_factory.mktemp("appstore") / "runs.db")


@pytest.fixture(scope="session")
def fx_suite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_suite(tmp_path_factory.mktemp("suite") / "fx")


@pytest.fixture(scope="session")
def fx(app_store: str, fx_suite: Path) -> dict[str, Any]:
    """Everything the app tests need to know about the fixture store."""
    return {
        "url": app_store,
        "suite": fx_suite,
        "main": MAIN,
        "root": ROOT,
        "xss": XSS,
        "run_a": RUN_A,
        "run_b": RUN_B,
        "run_other": RUN_OTHER,
        "run_gen_a": RUN_GEN_A,
        "run_gen_b": RUN_GEN_B,
        "bold": BOLD,
        "build_store": build_store,
    }
