"""The ``evalstage`` command line."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from evalcore.env import apply_offline_defaults, default_store_url
from evalcore.errors import SuiteError
from evalcore.records import RunRecord
from flows.cli_app import app_command

app = typer.Typer(
    name="evalstage",
    help="Evaluate RAG systems and agents stage by stage: retrieval, generation, agent.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
retrieval_app = typer.Typer(help="Retrieval tools: trec_eval-compatible scoring and search.")
app.add_typer(retrieval_app, name="retrieval")
generation_app = typer.Typer(help="Generation tools: verify claims against contexts.")
app.add_typer(generation_app, name="generation")
agent_app = typer.Typer(help="Agent tools: check tool calls, import BFCL data.")
app.add_typer(agent_app, name="agent")
judge_app = typer.Typer(help="LLM judge: calibrate against human labels, compare two targets.")
app.add_typer(judge_app, name="judge")
app.command("app")(app_command)

out = Console()
err = Console(stderr=True, soft_wrap=True)

StoreOption = Annotated[
    str | None, typer.Option("--store", help="SQLAlchemy URL of the results store.")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
StageOption = Annotated[
    list[str] | None, typer.Option("--stage", help="Stage to run (repeatable); default all.")
]
TargetOption = Annotated[
    str | None,
    typer.Option("--target", help="Override the target of the stage given with --stage."),
]
TargetArgsOption = Annotated[
    str | None, typer.Option("--target-args", help="JSON args for --target.")
]


def _fail(exc: SuiteError) -> typer.Exit:
    err.print(f"[bold red]error:[/] {exc.render()}", highlight=False, markup=True)
    return typer.Exit(code=2)


def _store(url: str | None) -> Any:
    from evalcore.store import ResultStore

    return ResultStore(url or default_store_url())


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
                    for key in ("per_variant", "matrix", "per_category", "latency_ms", "tokens")
                    if key in s.config
                },
                "metrics": {
                    m.name: {
                        "value": m.value,
                        "ci_low": m.ci_low,
                        "ci_high": m.ci_high,
                        "n": m.n,
                        "coverage": m.coverage,
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
        table = Table(
            title=f"{stage.stage} · {stage.target.get('name')} · {stage.n_cases} cases · "
            f"{outcomes} · {stage.seconds:.1f}s",
            title_justify="left",
        )
        for column in ("metric", "value", "95% CI", "n", "coverage"):
            table.add_column(column, justify="left" if column == "metric" else "right")
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
        if per_variant:
            print_variants(per_variant, stage.config.get("matrix", {}))
        if stage.failure_categories:
            cats = ", ".join(f"{k} {v}" for k, v in sorted(stage.failure_categories.items()))
            out.print(f"failures by category: {cats}", soft_wrap=True)
        if stage.error_codes:
            codes = ", ".join(f"{k} {v}" for k, v in sorted(stage.error_codes.items()))
            out.print(f"error codes (cases): {codes}", soft_wrap=True)


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


@app.command()
def run(
    suite_dir: Annotated[Path, typer.Argument(help="Suite folder holding suite.yaml.")],
    stage: StageOption = None,
    store: StoreOption = None,
    as_json: JsonOption = False,
    target: TargetOption = None,
    target_args: TargetArgsOption = None,
    dask: Annotated[
        str | None,
        typer.Option(
            "--dask",
            help="Run stage batches on Dask: 'local' (a local cluster) or a scheduler address "
            "such as tcp://scheduler:8786.",
        ),
    ] = None,
) -> None:
    """Run a suite through Prefect, store the run and print its per-stage aggregates."""
    from flows.evaluate import evaluate_suite, validate_suite
    from flows.gate import target_overrides

    try:
        overrides = target_overrides(stage, target, target_args)
        validate_suite(str(suite_dir), stage)  # bad input fails fast, before Prefect starts
        with err.status(f"running suite {suite_dir} through Prefect…", spinner="dots"):
            run_id = evaluate_suite(
                str(suite_dir), stages=stage, store_url=store, targets=overrides, dask=dask
            )
    except SuiteError as exc:
        raise _fail(exc) from exc
    record = _store(store).get_run(run_id)
    if as_json:
        sys.stdout.write(json.dumps(run_summary(record), indent=2) + "\n")
    else:
        print_run(record)
        print_suite_judge(suite_dir, store)


@app.command()
def runs(
    store: StoreOption = None,
    suite: Annotated[str | None, typer.Option(help="Only runs of this suite.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many runs.")] = 50,
    as_json: JsonOption = False,
) -> None:
    """List stored runs, newest first."""
    records = _store(store).list_runs(suite=suite, limit=limit)
    if as_json:
        sys.stdout.write(json.dumps([run_summary(r) for r in records], indent=2) + "\n")
        return
    if not records:
        out.print("no runs yet — try: evalstage run suites/demo")
        return
    table = Table("run_id", "suite", "version", "status", "started", "headline")
    for r in records:
        headline = "; ".join(
            f"{s.stage} {s.metrics[0].name}={s.metrics[0].value:.4f}" for s in r.stages if s.metrics
        )
        table.add_row(
            r.run_id,
            r.suite_name,
            r.suite_version,
            r.status,
            f"{r.started_at:%Y-%m-%d %H:%M:%S}",
            headline,
        )
    out.print(table)


@app.command()
def show(
    run_id: Annotated[str, typer.Argument(help="Run id (or a unique prefix).")],
    store: StoreOption = None,
    as_json: JsonOption = False,
    cases: Annotated[bool, typer.Option("--cases", help="Also list failing cases.")] = False,
) -> None:
    """Print one run."""
    db = _store(store)
    try:
        record = db.get_run(run_id)
    except KeyError as exc:
        err.print(f"[bold red]error:[/] {exc.args[0]}; list runs with: evalstage runs")
        raise typer.Exit(code=2) from exc
    if as_json:
        sys.stdout.write(json.dumps(run_summary(record), indent=2) + "\n")
        return
    print_run(record)
    if cases:
        table = Table("stage", "case", "category", "outcome", "reason")
        for r in db.case_results(record.run_id):
            if r.outcome != "pass":
                table.add_row(r.stage, r.case_id, r.category, r.outcome.value, r.reason)
        out.print(table)


@app.command()
def compare(
    run_a: Annotated[str, typer.Argument(help="Baseline run id (or unique prefix).")],
    run_b: Annotated[str, typer.Argument(help="Candidate run id (or unique prefix).")],
    store: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Compare two runs stage by stage over the cases both hold (B against A)."""
    from evalcore.compare import compare_stage

    db = _store(store)
    try:
        a, b = db.get_run(run_a), db.get_run(run_b)
    except KeyError as exc:
        err.print(f"[bold red]error:[/] {exc.args[0]}; list runs with: evalstage runs")
        raise typer.Exit(code=2) from exc
    stages = [s.stage for s in a.stages if s.stage in {t.stage for t in b.stages}]
    comparisons = [
        compare_stage(stage, db.case_results(a.run_id, stage), db.case_results(b.run_id, stage))
        for stage in stages
    ]
    if as_json:
        payload = {
            "baseline": a.run_id,
            "candidate": b.run_id,
            "stages": {c.stage: c.model_dump(exclude={"stage"}) for c in comparisons},
        }
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
        return
    out.print(f"compare [bold]{b.run_id}[/] (B) against [bold]{a.run_id}[/] (A)")
    for c in comparisons:
        table = Table(title=f"{c.stage} · {c.shared_cases} shared cases", title_justify="left")
        for column in ("metric", "A", "B", "delta", "95% CI", "p"):
            table.add_column(column, justify="left" if column == "metric" else "right")
        for m in c.metrics:
            table.add_row(
                m.metric,
                f"{m.baseline:.4f}",
                f"{m.candidate:.4f}",
                f"{m.delta:+.4f}",
                f"[{m.ci_low:+.4f}, {m.ci_high:+.4f}]",
                f"{m.p_value:.4f}",
            )
        out.print(table)
        for cat in c.failure_categories:
            out.print(f"  {cat.category}: {cat.baseline} -> {cat.candidate} ({cat.change:+d})")
        out.print(f"  newly failing: {', '.join(c.newly_failing) or 'none'}", soft_wrap=True)
        out.print(f"  newly fixed: {', '.join(c.newly_fixed) or 'none'}", soft_wrap=True)


@app.command()
def gate(
    suite_dir: Annotated[Path, typer.Argument(help="Suite folder holding suite.yaml.")],
    baseline: Annotated[
        str,
        typer.Option(
            "--baseline", help="latest (newest earlier completed run), none, or a run id."
        ),
    ] = "latest",
    stage: StageOption = None,
    store: StoreOption = None,
    target: TargetOption = None,
    target_args: TargetArgsOption = None,
    junit: Annotated[
        Path | None, typer.Option("--junit", help="Write a JUnit XML report here.")
    ] = None,
    markdown: Annotated[
        Path | None, typer.Option("--markdown", help="Write a PR-comment markdown summary here.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Run a suite and check the gates of its suite.yaml: exit 0 if all hold, 1 if any fails."""
    from evalcore.files import write_text_atomic
    from flows.gate import (
        gate_suite,
        gate_table,
        junit_xml,
        markdown_summary,
        target_overrides,
        verdict,
    )

    try:
        overrides = target_overrides(stage, target, target_args)
        with err.status(f"running suite {suite_dir} through Prefect…", spinner="dots"):
            report, results = gate_suite(
                str(suite_dir), stages=stage, store_url=store, targets=overrides, baseline=baseline
            )
    except SuiteError as exc:
        raise _fail(exc) from exc
    if junit is not None:
        write_text_atomic(junit, junit_xml(report, results))
    if markdown is not None:
        write_text_atomic(markdown, markdown_summary(report))
    if as_json:
        sys.stdout.write(json.dumps(report.model_dump(mode="json"), indent=2) + "\n")
    else:
        out.print(gate_table(report))
        colour = "green" if report.passed else "bold red"
        out.print(f"[{colour}]{verdict(report)}[/]", highlight=False)
    if not report.passed:
        raise typer.Exit(code=1)


@retrieval_app.command("score")
def retrieval_score(
    qrels: Annotated[Path, typer.Option("--qrels", help="TREC qrels file.")],
    run_file: Annotated[Path, typer.Option("--run", help="TREC run file.")],
    measure: Annotated[
        list[str] | None,
        typer.Option("-m", "--measure", help="Measure (repeatable): P_5, ndcg_cut.10,20, ndcg@10…"),
    ] = None,
    per_query: Annotated[bool, typer.Option("-q", help="Print per-query values too.")] = False,
    complete: Annotated[
        bool, typer.Option("-c", help="Average over all qrels queries; missing ones score 0.")
    ] = False,
    level: Annotated[int, typer.Option("-l", help="Relevance level (minimum grade).")] = 1,
    max_docs: Annotated[
        int | None, typer.Option("-M", min=1, help="Only the first N docs of each query.")
    ] = None,
) -> None:
    """Score a run against qrels and print trec_eval's output format."""
    from retrieval_eval import EvalOptions, evaluate, parse_measures, read_qrels, read_run
    from retrieval_eval.cli_format import DEFAULT_MEASURES, format_trec_eval

    try:
        specs = [m for text in (measure or DEFAULT_MEASURES) for m in parse_measures(text)]
        judgments = read_qrels(qrels)
        ranking, run_id = read_run(run_file)
    except SuiteError as exc:
        raise _fail(exc) from exc
    options = EvalOptions(
        relevance_level=level, missing_queries="zero" if complete else "skip", max_docs=max_docs
    )
    result = evaluate(judgments, ranking, specs, options)
    sys.stdout.write(format_trec_eval(result, specs, run_id=run_id, per_query=per_query))


@retrieval_app.command("search")
def retrieval_search(
    corpus: Annotated[
        Path, typer.Option("--corpus", help="JSONL corpus (doc_id/_id, title, text).")
    ],
    queries: Annotated[
        Path, typer.Option("--queries", help="Queries: JSONL (query_id/_id + query/text) or TSV.")
    ],
    retriever: Annotated[str, typer.Option("--retriever", help="bm25, dense or hybrid.")] = "bm25",
    k: Annotated[int, typer.Option("-k", help="Documents per query.")] = 100,
    out_path: Annotated[Path, typer.Option("--out", help="TREC run file to write.")] = Path(
        "run.trec"
    ),
    args: Annotated[
        str | None, typer.Option("--args", help="JSON options of the retriever.")
    ] = None,
) -> None:
    """Search a corpus with a built-in retriever and write a TREC run file."""
    from evalcore.suite import TargetSpec
    from retrieval_eval import build_retriever, write_run
    from retrieval_eval.cli_format import read_corpus, read_queries

    try:
        spec = TargetSpec(name=retriever, args=json.loads(args or "{}"))
        documents = read_corpus(corpus)
        topics = read_queries(queries)
        engine = build_retriever(spec)
    except SuiteError as exc:
        raise _fail(exc) from exc
    except ValueError as exc:
        err.print(f"[bold red]error:[/] --args: {exc}")
        raise typer.Exit(code=2) from exc
    with err.status(f"indexing {len(documents)} documents with {retriever}…"):
        engine.index(documents)
    with err.status(f"searching {len(topics)} queries…"):
        ranking = engine.search(topics, k)
    write_run(out_path, ranking, f"evalstage-{retriever}")
    err.print(f"wrote {sum(len(v) for v in ranking.values())} lines to {out_path}")


@agent_app.command("check")
def agent_check(
    cases: Annotated[Path, typer.Option("--cases", help="agent.jsonl cases file.")],
    outputs: Annotated[Path, typer.Option("--outputs", help="Recorded outputs (JSONL).")],
    mode: Annotated[str, typer.Option("--mode", help="strict or bfcl.")] = "strict",
    as_json: JsonOption = False,
) -> None:
    """Check recorded tool calls against the cases; print per-case verdicts and the aggregate."""
    from agent_eval import AgentContext, load_agent_cases, load_outputs, score_agent

    if mode not in ("strict", "bfcl"):
        err.print(f"[bold red]error:[/] --mode must be strict or bfcl, not {mode!r}")
        raise typer.Exit(code=2)
    try:
        loaded = load_agent_cases(cases)
        turns = load_outputs(outputs)
    except SuiteError as exc:
        raise _fail(exc) from exc
    report = score_agent(AgentContext(cases=loaded, turns=turns, errors={}, mode=mode))
    if as_json:
        payload = {
            "mode": mode,
            "metrics": {m.name: m.model_dump(exclude={"name"}) for m in report.metrics},
            "outcomes": report.outcomes,
            "error_codes": report.error_codes,
            "cases": [
                {
                    "case_id": r.case_id,
                    "outcome": r.outcome.value,
                    "codes": r.reason.split(", ") if r.reason else [],
                    "scores": r.scores,
                }
                for r in report.results
            ],
        }
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
        return
    table = Table("case", "category", "outcome", "call F1", "codes")
    for r in report.results:
        colour = "green" if r.outcome == "pass" else "red"
        table.add_row(
            r.case_id,
            r.category,
            f"[{colour}]{r.outcome.value}[/]",
            f"{r.scores.get('call_f1', 0.0):.2f}",
            r.reason,
        )
    out.print(table)
    for m in report.metrics:
        out.print(f"{m.name}: {m.value:.4f} [{m.ci_low:.4f}, {m.ci_high:.4f}] (n={m.n})")
    if report.error_codes:
        out.print(
            "error codes (cases): "
            + ", ".join(f"{k} {v}" for k, v in sorted(report.error_codes.items()))
        )


@agent_app.command("import-bfcl")
def agent_import_bfcl(
    questions: Annotated[Path, typer.Argument(help="BFCL question file (JSON lines).")],
    possible_answers: Annotated[
        Path | None, typer.Argument(help="BFCL possible_answer file; omit for irrelevance.")
    ] = None,
    out_path: Annotated[Path, typer.Option("--out", help="agent.jsonl to write.")] = Path(
        "agent.jsonl"
    ),
) -> None:
    """Convert BFCL questions (and possible answers) into evalstage agent cases."""
    from agent_eval import import_bfcl, write_cases_jsonl

    try:
        imported = import_bfcl(questions, possible_answers)
    except SuiteError as exc:
        raise _fail(exc) from exc
    write_cases_jsonl(imported, out_path)
    kinds = sum(1 for c in imported if c.expect == "no_call")
    err.print(f"wrote {len(imported)} cases ({kinds} no_call) to {out_path}")


@generation_app.command("verify")
def generation_verify(
    input_path: Annotated[
        Path, typer.Option("--input", help='JSONL of {"id", "context": str or [str], "claim"}.')
    ],
    output_path: Annotated[
        Path, typer.Option("--output", help='JSONL of {"id", "support", "label"} to write.')
    ],
    verifier: Annotated[
        str, typer.Option("--verifier", help="Verifier backend: offline, nli or llm.")
    ] = "offline",
    verifier_args: Annotated[
        str | None, typer.Option("--verifier-args", help='JSON args, e.g. {"model": "..."}.')
    ] = None,
) -> None:
    """Score claims against their contexts with the faithfulness verifier, in one batch."""
    from generation_eval.verifier import VerifierSpec, build_verifier, verify_file

    try:
        spec = VerifierSpec.model_validate(
            {"name": verifier, "args": json.loads(verifier_args or "{}")}
        )
    except ValueError as exc:
        err.print(f"[bold red]error:[/] --verifier/--verifier-args: {exc}")
        raise typer.Exit(code=2) from exc
    try:
        count = verify_file(input_path, output_path, build_verifier(spec))
    except SuiteError as exc:
        raise _fail(exc) from exc
    err.print(f"wrote {count} verdicts to {output_path}")


def print_suite_judge(suite_dir: Path, store: str | None) -> None:
    """After a run: the suite's judge (if it declares one) and the state of its calibration."""
    from evalcore.suite import load_suite
    from flows.judge import judge_check, judge_status_line

    check = judge_check(load_suite(suite_dir), _store(store))
    if check is not None:
        out.print(judge_status_line(check), soft_wrap=True, highlight=False)


JudgeOption = Annotated[
    Path | None, typer.Option("--judge", help="Judge spec YAML (mode, prompt, backend).")
]


@judge_app.command("calibrate")
def judge_calibrate(
    labels: Annotated[
        Path | None, typer.Option("--labels", help="Human-labelled validation set (JSONL).")
    ] = None,
    judge: JudgeOption = None,
    suite: Annotated[
        Path | None, typer.Option("--suite", help="Take --judge/--labels from this suite.")
    ] = None,
    record: Annotated[
        Path | None, typer.Option("--record", help="Also write the judge's replies here.")
    ] = None,
    store: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Measure a judge against human labels (accuracy, kappa, bias, with CIs) and store it."""
    from flows.judge import calibrate_judge, calibration_lines, figures_table, resolve_inputs

    try:
        spec_path, labels_path = resolve_inputs(
            str(suite) if suite else None,
            str(judge) if judge else None,
            str(labels) if labels else None,
        )
        result = calibrate_judge(spec_path, labels_path, store, record)
    except SuiteError as exc:
        raise _fail(exc) from exc
    if as_json:
        sys.stdout.write(result.model_dump_json(indent=2) + "\n")
        return
    lines = calibration_lines(result)
    out.print(lines[0], soft_wrap=True, highlight=False)
    out.print(figures_table("calibration against human labels", result.metrics))
    for line in lines[1:]:
        out.print(line, soft_wrap=True, highlight=False)


@judge_app.command("compare")
def judge_compare(
    target_a: Annotated[Path, typer.Option("--a", help="Target A's answers (JSONL).")],
    target_b: Annotated[Path, typer.Option("--b", help="Target B's answers (JSONL).")],
    judge: JudgeOption = None,
    model_a: Annotated[str | None, typer.Option("--model-a", help="Model behind A.")] = None,
    model_b: Annotated[str | None, typer.Option("--model-b", help="Model behind B.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Judge target B against A: win rate, length-controlled win rate, position consistency."""
    from flows.judge import compare_targets, comparison_tables

    if judge is None:
        err.print("[bold red]error:[/] --judge JUDGE.yaml is required")
        raise typer.Exit(code=2)
    try:
        result = compare_targets(judge, target_a, target_b, model_a=model_a, model_b=model_b)
    except SuiteError as exc:
        raise _fail(exc) from exc
    if as_json:
        sys.stdout.write(result.model_dump_json(indent=2, exclude={"judgements"}) + "\n")
        return
    for table in comparison_tables(result):
        out.print(table)
    counts = ", ".join(f"{k} {v}" for k, v in result.counts.items())
    out.print(f"counts: {counts}", soft_wrap=True, highlight=False)
    if result.length_slope is not None:
        out.print(f"length slope (log-odds per doubling of B's length): {result.length_slope:+.3f}")
    for warning in result.warnings:
        out.print(f"[yellow]warning:[/] {warning}", soft_wrap=True, highlight=False)


@judge_app.command("calibrations")
def judge_calibrations(store: StoreOption = None, as_json: JsonOption = False) -> None:
    """List stored judge calibrations, newest first."""
    records = _store(store).list_calibrations()
    if as_json:
        sys.stdout.write(json.dumps([r.model_dump(mode="json") for r in records], indent=2) + "\n")
        return
    table = Table(title="judge calibrations", title_justify="left")
    for column in ("id", "created", "prompt", "model", "labels", "n", "accuracy", "kappa"):
        table.add_column(column)
    for r in records:
        figures = {m.name: f"{m.value:.3f}" for m in r.metrics}
        table.add_row(
            r.calibration_id,
            f"{r.created_at:%Y-%m-%d %H:%M}",
            f"{r.prompt_name}@{r.prompt_sha256[:12]}",
            r.model,
            r.labels_name,
            f"{r.n_measured}/{r.n_items}",
            figures.get("accuracy", ""),
            figures.get("kappa", ""),
        )
    out.print(table)


def main() -> None:
    """Entry point: offline defaults first, then the typer app."""
    apply_offline_defaults()
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    app()
