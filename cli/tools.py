"""The stage tools: ``evalstage retrieval|generation|agent ...`` (no suite, no store)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from evalstage.cli._common import JsonOption, err, fail, json_flag, out
from evalstage.evalcore.errors import SuiteError
from evalstage.evalcore.redact import redact_text

retrieval_app = typer.Typer(help="Retrieval tools: trec_eval-compatible scoring and search.")
generation_app = typer.Typer(help="Generation tools: verify claims against contexts.")
agent_app = typer.Typer(help="Agent tools: check tool calls, import BFCL data.")


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
    from evalstage.retrieval_eval import EvalOptions, evaluate, parse_measures, read_qrels, read_run
    from evalstage.retrieval_eval.cli_format import DEFAULT_MEASURES, format_trec_eval

    try:
        specs = [m for text in (measure or DEFAULT_MEASURES) for m in parse_measures(text)]
        judgments = read_qrels(qrels)
        ranking, run_id = read_run(run_file)
    except SuiteError as exc:
        raise fail(exc) from exc
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
    from evalstage.evalcore.suite import TargetSpec
    from evalstage.retrieval_eval import build_retriever, write_run
    from evalstage.retrieval_eval.cli_format import read_corpus, read_queries

    try:
        spec = TargetSpec(name=retriever, args=json_flag(args, "--args"))
        documents = read_corpus(corpus)
        topics = read_queries(queries)
        engine = build_retriever(spec)
    except SuiteError as exc:
        raise fail(exc) from exc
    except ValueError as exc:
        err.print(f"[bold red]error:[/] --args: {escape(redact_text(str(exc)))}")
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
    from evalstage.agent_eval import AgentContext, load_agent_cases, load_outputs, score_agent

    if mode not in ("strict", "bfcl"):
        err.print(f"[bold red]error:[/] --mode must be strict or bfcl, not {mode!r}")
        raise typer.Exit(code=2)
    try:
        loaded = load_agent_cases(cases)
        turns = load_outputs(outputs, known={c.case_id for c in loaded})
    except SuiteError as exc:
        raise fail(exc) from exc
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
                    "codes": r.details.get("verdict", {}).get("codes", []),
                    **(
                        {"turn_errors": r.details["turn_errors"]}
                        if "turn_errors" in r.details
                        else {}
                    ),
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
    from evalstage.agent_eval import import_bfcl, write_cases_jsonl

    try:
        imported = import_bfcl(questions, possible_answers)
    except SuiteError as exc:
        raise fail(exc) from exc
    write_cases_jsonl(imported, out_path)
    kinds = sum(1 for c in imported if c.expect == "no_call")
    err.print(f"wrote {len(imported)} cases ({kinds} no_call) to {out_path}")


VerifierOption = Annotated[
    str, typer.Option("--verifier", help="Verifier backend: offline, nli or llm.")
]
VerifierArgsOption = Annotated[
    str | None, typer.Option("--verifier-args", help='JSON args, e.g. {"model": "..."}.')
]


def _verifier_spec(verifier: str, verifier_args: str | None) -> Any:
    """The ``VerifierSpec`` of ``--verifier``/``--verifier-args``; exit 2 on a bad one."""
    from evalstage.generation_eval.verifier import VerifierSpec

    try:
        args = json_flag(verifier_args, "--verifier-args", '{"model": "m"}')
        return VerifierSpec.model_validate({"name": verifier, "args": args})
    except SuiteError as exc:
        raise fail(exc) from exc
    except ValueError as exc:
        err.print(
            f"[bold red]error:[/] --verifier/--verifier-args: {escape(redact_text(str(exc)))}"
        )
        raise typer.Exit(code=2) from exc


@generation_app.command("verify")
def generation_verify(
    input_path: Annotated[
        Path,
        typer.Option(
            "--input", help='JSONL of {"id", "context": str or [str], "claim", "question"?}.'
        ),
    ],
    output_path: Annotated[
        Path, typer.Option("--output", help='JSONL of {"id", "support", "label"} to write.')
    ],
    verifier: VerifierOption = "offline",
    verifier_args: VerifierArgsOption = None,
) -> None:
    """Score claims against their contexts with the faithfulness verifier, in one batch."""
    from evalstage.generation_eval.verifier import build_verifier, verify_file

    spec = _verifier_spec(verifier, verifier_args)
    from evalstage.evalcore.files import check_writable

    try:
        check_writable(output_path, field="--output")  # before the (slow) verifier loads
        built = build_verifier(spec)
        count = verify_file(input_path, output_path, built)
    except SuiteError as exc:
        raise fail(exc) from exc
    err.print(f"wrote {count} verdicts to {output_path}")
    parse_failures = getattr(built.scorer, "parse_failures", 0)
    if parse_failures:
        err.print(f"[yellow]warning:[/] {parse_failures} unreadable verifier replies (unsupported)")
    if built.failures:
        first = next(iter(built.failures.values()))
        err.print(
            f"[yellow]warning:[/] {len(built.failures)} pairs not judged (label 'error'): "
            + escape(first),
            soft_wrap=True,
            highlight=False,
        )
        if len(built.failures) >= count > 0 and built.scored_pairs == len(built.failures):
            raise typer.Exit(code=1)  # nothing was judged


@generation_app.command("calibrate")
def generation_calibrate(
    input_path: Annotated[
        Path,
        typer.Option(
            "--input",
            help='JSONL of {"id", "context", "claim", "question"?, "label"}: your own claims '
            "with their true label (supported, unsupported or contradicted).",
        ),
    ],
    verifier: VerifierOption = "offline",
    verifier_args: VerifierArgsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Choose the verifier's support threshold on your own labelled claims.

    Verifies every line and reports the balanced accuracy (supported vs not) of the label as it
    is and at the threshold that is best on these claims, with the threshold's bootstrap
    interval, and the suite.yaml lines that set it.
    """
    from evalstage.generation_eval.verifier import build_verifier
    from evalstage.generation_eval.verifier._calibrate import calibrate

    spec = _verifier_spec(verifier, verifier_args)
    try:
        if not input_path.is_file():
            raise SuiteError("no such file", path=input_path, hint="pass a JSONL file to --input")
        result = calibrate(input_path, build_verifier(spec))
    except SuiteError as exc:
        raise fail(exc) from exc
    if as_json:
        out.print_json(json.dumps(result))
        return
    err.print(
        f"{result['n']} claims: {result['supported']} supported, {result['not_supported']} "
        f"not" + (f", {result['not_judged']} not judged" if result["not_judged"] else "")
    )
    if "threshold" not in result:
        err.print(f"[yellow]no threshold:[/] {result['why']}")
        raise typer.Exit(code=1)
    low, high = result["threshold_ci95"]
    out.print(
        f"label now ({result['label_rule']}): balanced accuracy "
        f"{result['balanced_accuracy_now']:.3f}, {result['supported_now']:.0%} called supported "
        f"(truly supported: {result['true_supported']:.0%}); support AUROC {result['auroc']:.3f}\n"
        f"at support >= {result['threshold']:.4g} (95 % interval {low:.3g}-{high:.3g}): "
        f"balanced accuracy {result['balanced_accuracy_at_threshold']:.3f}, "
        f"{result['supported_at_threshold']:.0%} called supported",
        highlight=False,
    )
    if not result["reliable"]:
        err.print(f"[yellow]warning:[/] {result['why']}: the threshold is not reliable")
    # The backend's args are not repeated here: they may name a URL with credentials.
    shown = {"name": verifier, "thresholds": {"support": round(result["threshold"], 4)}}
    out.print(
        "in suite.yaml (with your verifier args, if any):\ngeneration:\n  options:\n"
        f"    verifier: {json.dumps(shown)}",
        highlight=False,
        markup=False,
    )
