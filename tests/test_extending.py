"""docs/extending.md holds: a toy target, variant and metric added through the registries alone."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from gen_fixtures import CASES, DOCUMENTS, fake_search
from pydantic import BaseModel, ConfigDict

from evalstage.cli.render import metrics_markdown
from evalstage.evalcore.cases import Document
from evalstage.evalcore.gates import evaluate_gates
from evalstage.evalcore.metrics import MetricCatalog, MetricDef
from evalstage.evalcore.outcomes import Outcome
from evalstage.evalcore.records import CaseResult, MetricSummary, RunRecord, StageSummary
from evalstage.evalcore.suite import GatesSpec, TargetSpec
from evalstage.evalcore.targets import TargetContext, TargetKind
from evalstage.flows.caching import TARGETS
from evalstage.generation_eval import ADVERSARIAL_VARIANTS, Made, Shown, VariantKind, build_variants
from evalstage.retrieval_eval import RETRIEVAL_TARGETS, TargetOutput, run_target

DOCS = Path(__file__).resolve().parents[1] / "docs"


class EchoArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    doc_id: str


class EchoRetriever:
    """Ranks one document first for every query."""

    def __init__(self, doc_id: str) -> None:
        self.doc_id = doc_id

    def retrieve(
        self, queries: Mapping[str, str], documents: Sequence[Document], k: int
    ) -> TargetOutput:
        return TargetOutput(ranking={q: {self.doc_id: 1.0} for q in queries})


def _echo(args: EchoArgs, _context: TargetContext) -> EchoRetriever:
    return EchoRetriever(args.doc_id)


def test_a_toy_target_through_the_registry_alone() -> None:
    registry = RETRIEVAL_TARGETS.with_kind(
        TargetKind(name="echo", args=EchoArgs, factory=_echo, deterministic=True, can_search=True)
    )
    spec = TargetSpec(name="echo", args={"doc_id": "d7"})
    out = run_target(spec, {"q1": "anything"}, [], 10, targets=registry)
    assert out.ranking == {"q1": {"d7": 1.0}}
    assert "echo" in registry.names and "echo" not in RETRIEVAL_TARGETS.names
    assert registry.deterministic("echo") and registry.can_search("echo")
    # what derives from the registries: caching and the retriever fallback
    assert TARGETS["retrieval"] is RETRIEVAL_TARGETS
    assert not RETRIEVAL_TARGETS.deterministic("callable") and RETRIEVAL_TARGETS.can_search("bm25")


def reversed_context(s: Shown) -> Made:
    """The gold passages in reverse order: the answer must not change."""
    if len(s.gold) < 1:
        return "no gold passage"
    return s.variant(
        "reversed_context", "answer", list(reversed(s.gold)), provenance={"how": "reversed"}
    )


def test_a_toy_variant_through_the_registry_alone() -> None:
    registry = ADVERSARIAL_VARIANTS.with_kind(
        VariantKind("reversed_context", reversed_context, "gold reversed: same answer")
    )
    variants, skipped = build_variants(
        CASES, DOCUMENTS, variants=["reversed_context"], search=fake_search, registry=registry
    )
    made = [v for v in variants if v.variant == "reversed_context"]
    answerable = [c for c in CASES if c.expect == "answer"]
    assert len(made) == len(answerable) and not skipped
    assert made[0].provenance == {"how": "reversed"} and made[0].expect == "answer"
    assert registry.labels["reversed_context"] == "gold reversed: same answer"
    assert "reversed_context" not in ADVERSARIAL_VARIANTS.names


def _run(values: list[float], run_id: str, catalog: MetricCatalog) -> tuple[RunRecord, list]:
    results = [
        CaseResult(
            stage="toy", case_id=f"c{i}", outcome=Outcome.PASS, scores={"latency_share": v}
        )
        for i, v in enumerate(values)
    ]
    mean = sum(values) / len(values)
    summary = StageSummary(
        stage="toy",
        target={"name": "x"},
        metrics=[
            MetricSummary(
                name="latency_share", value=mean, ci_low=mean, ci_high=mean, n=10, coverage=1.0
            )
        ],
        declared=catalog,
    )
    run = RunRecord(
        run_id=run_id,
        suite_name="s",
        suite_version="1",
        suite_hash="h",
        started_at=datetime(2026, 1, 1, tzinfo=UTC),
        stages=[summary],
    )
    return run, results


def test_a_toy_metric_declared_once_decides_its_gate_direction() -> None:
    lower = MetricCatalog(
        metrics=(MetricDef(name="latency_share", direction="lower", definition="toy"),)
    )
    base, base_results = _run([0.0] * 10, "a", lower)
    worse, worse_results = _run([1.0] * 10, "b", lower)
    report = evaluate_gates(GatesSpec(), worse, worse_results, base, base_results)
    gate = next(g for g in report.gates if g.metric == "latency_share")
    assert gate.status == "fail"  # a rise of a lower-is-better metric is a regression
    higher = MetricCatalog(
        metrics=(MetricDef(name="latency_share", direction="higher", definition="toy"),)
    )
    base, base_results = _run([0.0] * 10, "a", higher)
    better, better_results = _run([1.0] * 10, "b", higher)
    report = evaluate_gates(GatesSpec(), better, better_results, base, base_results)
    assert next(g for g in report.gates if g.metric == "latency_share").status == "pass"


def test_metrics_doc_is_generated_from_the_declarations() -> None:
    assert (DOCS / "metrics.md").read_text("utf-8") == metrics_markdown(), (
        "regenerate: evalstage metrics --markdown > docs/metrics.md"
    )


def test_extending_doc_names_a_place_per_kind_of_extension() -> None:
    text = (DOCS / "extending.md").read_text("utf-8")
    for kind in ("metric", "generation variant", "agent error code", "target adapter", "app page"):
        assert f"a **{kind}**" in text or f"an **{kind}**" in text, kind
    for place in (
        "RETRIEVAL_TARGETS",
        "GENERATION_TARGETS",
        "AGENT_TARGETS",
        "ADVERSARIAL_VARIANTS",
        "ERROR_CODES",
        "PAGES",
        "evalcore/adapters.py",
    ):
        assert place in text, place


def test_every_measure_family_has_one_kernel_and_one_declaration() -> None:
    from evalstage.retrieval_eval import RETRIEVAL_METRICS
    from evalstage.retrieval_eval._kernels import KERNELS
    from evalstage.retrieval_eval.measures import FAMILIES, family_name

    assert set(FAMILIES) == set(KERNELS)
    declared = set(RETRIEVAL_METRICS.names)
    for family, spec in FAMILIES.items():
        assert spec.count or family_name(family) in declared, family
