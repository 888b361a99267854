"""``evalstage suite import``: traffic (OTLP traces or JSONL logs) -> a scrubbed draft suite."""

from __future__ import annotations

import datetime
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal, cast

import typer
from pydantic import ValidationError
from rich.markup import escape

from evalstage.cli._common import JsonOption, err, fail, out
from evalstage.evalcore.cases import CaseBase
from evalstage.evalcore.errors import SuiteError
from evalstage.evalcore.files import read_text
from evalstage.evalcore.loaders import safe_load_yaml, validate_yaml_section
from evalstage.evalcore.traffic import (
    DEFAULT_PHONE_REGIONS,
    Exchange,
    FeedbackScale,
    FieldMap,
    Picked,
    Scrubber,
    build_draft_suite,
    failure_signals,
    read_jsonl_log,
    read_otlp,
    select_exchanges,
)

Format = Literal["auto", "otlp", "jsonl"]


def _pairs(items: list[str] | None, flag: str, example: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value:
            raise SuiteError(
                f"{flag} {item!r} is not NAME=VALUE", field=flag, hint=f"e.g. {flag} {example}"
            )
        found[key.strip()] = value
    return found


def field_map(map_file: Path | None, fields: list[str] | None) -> FieldMap:
    """The JSONL field mapping: a YAML file's, then ``--field name=path`` flags over it."""
    data: dict[str, Any] = {}
    if map_file is not None:
        loaded = safe_load_yaml(read_text(map_file), map_file)
        if not isinstance(loaded, dict):
            raise SuiteError(
                "expected a mapping such as 'question: request.query'", path=map_file, line=1
            )
        data = loaded
        validate_yaml_section(FieldMap, data, map_file, ())
    data = data | _pairs(fields, "--field", "question=request.query")
    try:
        return FieldMap.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        cause = first.get("ctx", {}).get("error")
        hint = cause.hint if isinstance(cause, SuiteError) else None
        raise SuiteError(
            cause.message if isinstance(cause, SuiteError) else str(first["msg"]),
            field=f"--field {where}" if where else "--field",
            hint=hint or f"known fields: {', '.join(FieldMap.model_fields)}",
        ) from None


def stage_model(stage: str) -> tuple[type[CaseBase], str]:
    """A stage's case model and the name of its id field."""
    if stage == "retrieval":
        from evalstage.retrieval_eval import RetrievalCase

        return RetrievalCase, "query_id"
    if stage == "agent":
        from evalstage.agent_eval import AgentCase

        return AgentCase, "case_id"
    from evalstage.generation_eval import RagCase

    return RagCase, "case_id"


def detect_format(path: Path) -> Literal["otlp", "jsonl"]:
    """``otlp`` when the file holds ``resourceSpans``, else ``jsonl``."""
    head = read_text(path)[:65536]
    return "otlp" if '"resourceSpans"' in head else "jsonl"


def _picks(
    exchanges: list[Exchange], max_cases: int, feedback: FeedbackScale = "auto"
) -> tuple[list[int], list[Picked], dict[str, Any]]:
    if max_cases and len(exchanges) > max_cases:
        selection = select_exchanges(exchanges, max_cases, feedback=feedback)
        summary = selection.model_dump(exclude={"picked"})
        return [p.index for p in selection.picked], selection.picked, summary
    signals = failure_signals(exchanges, feedback)
    picks = [
        Picked(index=i, cluster=i, cluster_size=1, near_duplicates=0, signals=s)
        for i, s in enumerate(signals)
    ]
    picks.sort(key=lambda p: (-len(p.signals), p.index))
    summary = {"total": len(exchanges), "after_dedup": len(exchanges), "clusters": 0,
               "with_signals": sum(bool(s) for s in signals)}  # fmt: skip
    return [p.index for p in picks], picks, summary


def import_traffic(
    source: Path,
    out_dir: Path,
    *,
    fmt: Format = "auto",
    mapping: FieldMap | None = None,
    name: str | None = None,
    max_cases: int = 100,
    patterns: dict[str, str] | None = None,
    phone_regions: tuple[str, ...] = DEFAULT_PHONE_REGIONS,
    feedback: FeedbackScale = "auto",
) -> dict[str, Any]:
    """Read, select, scrub and write a draft suite into ``out_dir``; return the import report.

    Everything is checked and built in memory first: bad input raises :class:`SuiteError` and
    nothing is written. The folder is written whole (a temporary sibling renamed into place).
    """
    check_out_dir(out_dir)
    scrubber = Scrubber(patterns, phone_regions)
    kind = detect_format(source) if fmt == "auto" else fmt
    skipped = 0
    if kind == "otlp":
        exchanges = read_otlp(source)
        if not exchanges:
            raise SuiteError(
                "no trace in the export has a question (no user message, retrieval query or "
                "input.value)",
                path=source,
                hint="export with message content captured (OTEL_INSTRUMENTATION_GENAI_CAPTURE_"
                "MESSAGE_CONTENT=true, or OpenInference's defaults)",
            )
    else:
        exchanges, skipped = read_jsonl_log(source, mapping or FieldMap())
    order, picks, summary = _picks(exchanges, max_cases, feedback)
    chosen = [
        Exchange.model_validate(scrubber.value(exchanges[i].model_dump(mode="json"))) for i in order
    ]
    suite_name = name or out_dir.name
    today = datetime.date.today().isoformat()
    draft = build_draft_suite(
        suite_name,
        chosen,
        picks,
        f"Imported from {source.name} on {today}: {len(chosen)} of {len(exchanges)} requests.",
    )
    report = {
        "source": source.name,
        "format": kind,
        "requests_read": len(exchanges),
        "lines_without_question": skipped,
        "selection": summary | {"written": len(chosen)},
        "scrubbed": scrubber.report(),
        "draft_cases": draft.cases,
    }
    files = draft.files | {"import_report.json": json.dumps(report, indent=2) + "\n"}
    _check_written(files)
    _write_folder(out_dir, files)
    return report


def check_out_dir(out_dir: Path) -> None:
    """``out_dir`` must be a new (or empty) folder that can be created: SuiteError otherwise."""
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise SuiteError(
            "the output folder exists and is not empty"
            if out_dir.is_dir()
            else "the output path exists and is a file",
            path=out_dir,
            field="--out",
            hint="name a new folder with --out (an import never overwrites a suite)",
        )
    parent = out_dir.absolute().parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise SuiteError(
            f"cannot create the output folder: {parent} is a file, not a folder",
            path=out_dir,
            field="--out",
            hint="name a folder whose parents are folders (or do not exist yet)",
        )
    if not os.access(parent, os.W_OK | os.X_OK):
        raise SuiteError(
            f"cannot create the output folder: {parent} is not writable",
            path=out_dir,
            field="--out",
            hint="name a folder under one you can write to",
        )


def _check_written(files: dict[str, str]) -> None:
    """Every case row must validate as its stage's case (an internal error otherwise)."""
    for stage, file in (
        ("retrieval", "retrieval.jsonl"),
        ("generation", "rag.jsonl"),
        ("agent", "agent.jsonl"),
    ):
        model, _ = stage_model(stage)
        for line in files.get(file, "").splitlines():
            model.model_validate_json(line)


def _write_folder(out_dir: Path, files: dict[str, str]) -> None:
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    try:
        for relative, text in files.items():
            (staging / relative).write_text(text, encoding="utf-8")
        if out_dir.exists():
            out_dir.rmdir()  # empty (checked above)
        staging.rename(out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def import_command(
    source: Annotated[Path, typer.Argument(help="OTLP JSON trace export or JSONL log.")],
    out_dir: Annotated[Path, typer.Option("--out", help="New suite folder to write.")],
    fmt: Annotated[str, typer.Option("--format", help="auto, otlp or jsonl.")] = "auto",
    map_file: Annotated[
        Path | None, typer.Option("--map", help="YAML field mapping of a JSONL log.")
    ] = None,
    fields: Annotated[
        list[str] | None,
        typer.Option("--field", help="name=json.path for a JSONL log (repeatable)."),
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="Suite name.")] = None,
    max_cases: Annotated[
        int, typer.Option("--max-cases", min=0, help="Select at most this many (0: all).")
    ] = 100,
    pattern: Annotated[
        list[str] | None, typer.Option("--pattern", help="Scrub NAME=REGEX as well (repeatable).")
    ] = None,
    phone_regions: Annotated[
        str,
        typer.Option(
            "--phone-regions", help="Regions of numbers written without + (comma-separated)."
        ),
    ] = ",".join(DEFAULT_PHONE_REGIONS),
    feedback_scale: Annotated[
        str,
        typer.Option(
            "--feedback-scale",
            help="Numeric feedback: auto (1-5 when any value is above 1), unit (0-1) or five.",
        ),
    ] = "auto",
    as_json: JsonOption = False,
) -> None:
    """Import production traffic as draft cases, scrubbed of personal data and secrets.

    Reads OpenTelemetry traces (OTLP JSON; GenAI or OpenInference attributes) or a JSONL log
    (with --map/--field), keeps a diverse, failure-heavy selection (--max-cases), replaces
    emails, phone numbers, card numbers, IBANs, IPs, keys and --pattern matches by placeholders
    and writes a suite folder of drafts to review. Exit 2 on bad input, nothing written.
    """
    try:
        check_out_dir(out_dir)  # before anything is read
        if fmt not in ("auto", "otlp", "jsonl"):
            raise SuiteError(
                f"unknown format {fmt!r}", field="--format", hint="use auto, otlp or jsonl"
            )
        if feedback_scale not in ("auto", "unit", "five"):
            raise SuiteError(
                f"unknown feedback scale {feedback_scale!r}",
                field="--feedback-scale",
                hint="use auto, unit (a 0-1 score) or five (a 1-5 rating)",
            )
        mapping = field_map(map_file, fields)
        report = import_traffic(
            source,
            out_dir,
            fmt=cast(Format, fmt),
            mapping=mapping,
            name=name,
            max_cases=max_cases,
            patterns=_pairs(pattern, "--pattern", "customer_id=CUST-\\d{6}"),
            phone_regions=tuple(phone_regions.split(",")),
            feedback=cast(FeedbackScale, feedback_scale),
        )
    except SuiteError as exc:
        raise fail(exc) from exc
    if as_json:
        sys.stdout.write(json.dumps(report, indent=2) + "\n")
        return
    cases = ", ".join(f"{k} {v}" for k, v in report["draft_cases"].items() if v)
    scrubbed = ", ".join(f"{k} {v['replaced']}" for k, v in report["scrubbed"].items()) or "nothing"
    out.print(
        f"wrote {escape(str(out_dir))}: {report['selection']['written']} of "
        f"{report['requests_read']} requests as draft cases ({cases})",
        soft_wrap=True,
        highlight=False,
    )
    out.print(f"scrubbed: {escape(scrubbed)}", soft_wrap=True, highlight=False)
    err.print(
        f"next: review the drafts, then `evalstage suite lint {escape(str(out_dir))}`",
        highlight=False,
    )
