"""Renderers of stored runs: the JSON summary and the rich tables ``run``/``show`` print."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from evalstage.cli._common import out
from evalstage.evalcore.metrics import MetricCatalog
from evalstage.evalcore.records import RunRecord


def stage_metrics() -> dict[str, MetricCatalog]:
    """Each stage's metric declaration, for ``evalstage metrics`` and the docs.

    Imported when asked for: the stage packages are not needed to print a stored run.
    """
    from evalstage.agent_eval import AGENT_METRICS
    from evalstage.generation_eval import GENERATION_METRICS
    from evalstage.retrieval_eval import RETRIEVAL_METRICS

    return {
        "retrieval": RETRIEVAL_METRICS,
        "generation": GENERATION_METRICS,
        "agent": AGENT_METRICS,
    }


def __getattr__(name: str) -> Any:
    if name == "STAGE_METRICS":
        return stage_metrics()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def metrics_markdown() -> str:
    """``docs/metrics.md``: every metric every stage declares (``evalstage metrics --markdown``)."""
    lines = [
        "# Metrics",
        "",
        "Generated from the stages' declarations by `evalstage metrics --markdown`; "
        "`tests/test_extending.py` checks that it is current. A per-variant name "
        "(`name:variant`) and a cutoff name (`ndcg@10` for `ndcg@k`) take the direction of their "
        "base; `none` marks a behaviour flag, right or wrong only against the expectation.",
    ]
    for stage, catalog in stage_metrics().items():
        lines += ["", f"## {stage}", "", "| metric | better | definition |", "| --- | --- | --- |"]
        lines += [f"| `{m.name}` | {m.direction} | {m.definition} |" for m in catalog.metrics]
    return "\n".join(lines) + "\n"


def run_summary(run: RunRecord) -> dict[str, Any]:
    """The machine-readable summary of a run: id, suite, status, every aggregate with its CI."""
    return {
        "run_id": run.run_id,
        "suite": run.suite_name,
        "suite_version": run.suite_version,
        "suite_hash": run.suite_hash,
        "status": run.status,
        "started_at": run.started_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "git_commit": run.git_commit,
        "flow_run_id": run.flow_run_id,
        "stages": {
            s.stage: {
                "target": s.target,
                "n_cases": s.n_cases,
                "outcomes": s.outcomes,
                "failure_categories": s.failure_categories,
                "error_codes": s.error_codes,
                "seconds": round(s.seconds, 3),
                **{
                    key: s.config[key]
                    for key in (
                        "per_variant",
                        "matrix",
                        "per_category",
                        "latency_ms",
                        "tokens",
                        "cost",
                        "end_to_end",
                        "repeats",
                    )
                    if key in s.config
                },
                "metrics": {
                    m.name: {
                        "value": m.value,
                        "ci_low": m.ci_low,
                        "ci_high": m.ci_high,
                        "n": m.n,
                        "coverage": m.coverage,
                        "direction": m.direction,
                    }
                    for m in s.metrics
                },
            }
            for s in run.stages
        },
    }


def print_run(run: RunRecord) -> None:
    """Print a run's id, status and per-stage aggregates as tables."""
    colour = {"completed": "green", "invalid": "red"}.get(run.status, "yellow")
    out.print(
        f"run [bold]{run.run_id}[/]  suite [bold]{run.suite_name}[/] v{run.suite_version}  "
        f"status [{colour}]{run.status}[/]  started {run.started_at:%Y-%m-%d %H:%M:%S}",
        soft_wrap=True,
    )
    for stage in run.stages:
        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(stage.outcomes.items()))
        repeats = stage.config.get("repeats", 1)
        outcomes += f" (first of {repeats} repeats)" if repeats > 1 else ""
        table = Table(
            title=f"{stage.stage} · {stage.target.get('name')} · {stage.n_cases} cases · "
            f"{outcomes} · {stage.seconds:.1f}s",
            title_justify="left",
        )
        table.add_column("metric", overflow="fold")  # a long name wraps, never cut short
        for column in ("value", "95% CI", "n", "coverage"):
            table.add_column(column, justify="right")
        per_variant = stage.config.get("per_variant")
        for m in stage.metrics:
            if per_variant and ":" in m.name and not m.name.startswith("rate:"):
                continue  # per-variant values are in the variant table below
            table.add_row(
                m.name,
                f"{m.value:.4f}",
                f"[{m.ci_low:.4f}, {m.ci_high:.4f}]",
                str(m.n),
                f"{m.coverage:.0%}",
            )
        out.print(table)
        usage = usage_line(stage.config)
        if usage:
            out.print(usage, soft_wrap=True, highlight=False)
        if per_variant:
            print_variants(per_variant, stage.config.get("matrix", {}))
        attributed = end_to_end_line(stage.config.get("end_to_end"))
        if attributed:
            out.print(attributed, soft_wrap=True, highlight=False)
        if stage.failure_categories:
            cats = ", ".join(f"{k} {v}" for k, v in sorted(stage.failure_categories.items()))
            out.print(f"failures by category: {cats}", soft_wrap=True)
        if stage.error_codes:
            codes = ", ".join(f"{k} {v}" for k, v in sorted(stage.error_codes.items()))
            out.print(f"error codes (cases): {codes}", soft_wrap=True)
    total = run_cost(run)
    if total is not None:
        out.print(total, soft_wrap=True, highlight=False)


def run_cost(run: RunRecord) -> str | None:
    """``cost of the run: $… (stages …)`` summed over the stages that were priced."""
    priced = {
        s.stage: s.config["cost"] for s in run.stages if isinstance(s.config.get("cost"), dict)
    }
    if not priced:
        return None
    unpriced = [s.stage for s in run.stages if s.stage not in priced]
    total = sum(float(c["usd"]) for c in priced.values())
    text = f"cost of the run: ${total:,.4f} ({', '.join(priced)} priced"
    return text + (f"; not measured: {', '.join(unpriced)})" if unpriced else ")")


def end_to_end_line(counts: Any) -> str | None:
    """Where the end-to-end (``retrieved``) answers broke: retrieval or generation."""
    if not isinstance(counts, dict) or not counts.get("n"):
        return None
    parts = [f"pass {counts.get('pass', 0)}"]
    for key, label in (
        ("failed_at_retrieval", "failed at retrieval (no gold document retrieved)"),
        ("failed_at_generation", "failed at generation (over what was retrieved)"),
        ("error", "error"),
        ("unmeasured", "unmeasured"),
    ):
        if counts.get(key):
            parts.append(f"{label} {counts[key]}")
    return f"end to end ({counts['n']} retrieved answers): " + ", ".join(parts)


def usage_line(config: dict[str, Any]) -> str | None:
    """``latency p50 … ms, p95 … ms · tokens prompt …, completion … · cost $…`` when stored."""
    parts = []
    latency = config.get("latency_ms")
    if isinstance(latency, dict) and "p50" in latency:
        parts.append(f"latency p50 {latency['p50']:,.0f} ms, p95 {latency.get('p95', 0):,.0f} ms")
    tokens = config.get("tokens")
    if isinstance(tokens, dict):
        text = (
            f"tokens prompt {tokens.get('prompt', 0):,}, completion {tokens.get('completion', 0):,}"
        )
        if tokens.get("flagged_cases"):
            text += f" ({tokens['flagged_cases']} cases reported implausible counts: not included)"
        parts.append(text)
    cost = config.get("cost")
    if isinstance(cost, dict) and "usd" in cost:
        parts.append(
            f"cost ${cost['usd']:,.4f} ({cost.get('cases_priced', 0)} of {cost.get('cases', 0)} "
            f"results priced, {cost.get('model', '?')})"
        )
    return " · ".join(parts) or None


def print_variants(per_variant: dict[str, Any], matrix: dict[str, dict[str, int]]) -> None:
    """Print the generation stage's per-variant aggregates and its adversarial matrix."""
    names = {
        "pass_rate": "pass",
        "faithfulness": "faithful",
        "citation_recall": "cite R",
        "citation_precision": "cite P",
        "answer_match": "answer",
    }
    table = Table(title="per variant", title_justify="left")
    table.add_column("variant")
    for column in ("n", *names.values()):
        table.add_column(column, justify="right")
    for variant, values in per_variant.items():
        cells = [f"{values[n]:.3f}" if n in values else "—" for n in names]
        table.add_row(variant, str(int(values.get("n", 0))), *cells)
    out.print(table)
    out.print("adversarial matrix (variant: outcome or failure category, count)")
    for variant, counts in matrix.items():
        row = ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]))
        out.print(f"  {variant}: {row}", soft_wrap=True, highlight=False)
