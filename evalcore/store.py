"""The results store: runs, stage summaries and per-case results behind a SQLAlchemy URL.

SQLite (WAL mode) is the default; a ``postgresql+psycopg://`` URL selects PostgreSQL. A run is
written in one transaction, so a failed write leaves nothing behind.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    select,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

from evalstage.evalcore.calibration import CalibrationRecord
from evalstage.evalcore.outcomes import Outcome
from evalstage.evalcore.records import CaseResult, RunRecord, StageSummary
from evalstage.evalcore.redact import env_snapshot, redact_text, redact_value
from evalstage.evalcore.suite import STAGES

metadata = MetaData()


class CaseRow(BaseModel):
    """One stored result without its details: what tables of many results show."""

    case_id: str
    variant: str
    outcome: str
    failure_category: str | None
    reason: str
    category: str
    canary: bool
    scores: dict[str, float]


class HistoryRow(BaseModel):
    """One case's result in one run: when, which run, stage and variant, outcome."""

    started_at: datetime
    run_id: str
    stage: str
    variant: str
    outcome: str
    reason: str
    primary_score: float | None


runs = Table(
    "runs",
    metadata,
    Column("run_id", String(64), primary_key=True),
    Column("suite_name", String(200), nullable=False, index=True),
    Column("suite_version", String(100), nullable=False),
    Column("suite_hash", String(64), nullable=False),
    Column("status", String(20), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False, index=True),
    Column("finished_at", DateTime(timezone=True)),
    Column("package_version", String(50), nullable=False),
    Column("git_commit", String(64)),
    Column("flow_run_id", String(64)),
    Column("schema_version", Integer, nullable=False),
)

stage_summaries = Table(
    "stage_summaries",
    metadata,
    Column("run_id", String(64), ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True),
    Column("stage", String(30), primary_key=True),
    Column("summary", JSON, nullable=False),
)

case_results = Table(
    "case_results",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(64), ForeignKey("runs.run_id", ondelete="CASCADE"), nullable=False),
    Column("stage", String(30), nullable=False),
    Column("case_id", String(200), nullable=False),
    Column("variant", String(60), nullable=False),
    Column("outcome", String(20), nullable=False),
    Column("failure_category", String(40)),
    Column("reason", Text, nullable=False),
    Column("category", String(200), nullable=False),
    Column("canary", Boolean, nullable=False),
    Column("scores", JSON, nullable=False),
    Column("details", JSON, nullable=False),
    Column("primary_score", Float),
    Index("ix_case_results_run_stage", "run_id", "stage"),
    Index("ix_case_results_case", "case_id"),
)

calibrations = Table(
    "calibrations",
    metadata,
    Column("calibration_id", String(64), primary_key=True),
    Column("judge_key", String(64), nullable=False, index=True),
    Column("prompt_sha256", String(64), nullable=False),
    Column("model", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("record", JSON, nullable=False),
    Index("ix_calibrations_prompt_model", "prompt_sha256", "model"),
)


def sqlite_url(path: str | Path) -> str:
    """SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{Path(path).resolve()}"


def _enable_sqlite_wal(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()


def redacted_summary(summary: dict[str, Any]) -> dict[str, Any]:
    """A stage summary as stored: its target and config redacted (header values, keys, URLs)."""
    return {
        **summary,
        "target": redact_value(summary.get("target", {})),
        "config": redact_value(summary.get("config", {})),
    }


def redacted_result(row: dict[str, Any], error: bool) -> dict[str, Any]:
    """A case result as stored: no configured key's value in its reason or details.

    An ``error`` reason (a target's message, maybe an echoed request) also loses what looks
    like a credential.
    """
    reason = row.get("reason")
    return {
        **row,
        "reason": redact_text(reason, patterns=error) if isinstance(reason, str) else reason,
        "details": redact_value(row.get("details", {}), patterns=False, keys=False),
    }


def redacted_calibration(record: dict[str, Any]) -> dict[str, Any]:
    """A judge calibration as stored: its request parameters and warnings redacted."""
    return {
        **record,
        "params": redact_value(record.get("params", {})),
        "warnings": redact_value(record.get("warnings", [])),
    }


def _create_tables(engine: Engine, attempts: int = 5) -> None:
    """Create missing tables; safe when several first runs create them at once.

    ``create_all`` checks, then creates: two processes on a new store can both see a table
    missing, and the second ``CREATE`` fails with "already exists". Checking again settles it.
    """
    for attempt in range(attempts):
        try:
            metadata.create_all(engine)
            return
        except (OperationalError, ProgrammingError, IntegrityError) as exc:
            if "already exists" not in str(exc) and "duplicate" not in str(exc).lower():
                raise
            if attempt == attempts - 1:
                raise
            time.sleep(0.05 * (attempt + 1))


class ResultStore:
    """Reads and writes runs. Construct with a SQLAlchemy URL."""

    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        self.url = url
        self.engine = create_engine(url, future=True)
        if parsed.get_backend_name() == "sqlite":
            _enable_sqlite_wal(self.engine)
        _create_tables(self.engine)

    def save_run(self, run: RunRecord, results: Iterable[CaseResult]) -> None:
        """Write a run, its stage summaries and its case results in one transaction."""
        row = run.model_dump(exclude={"stages"})
        with env_snapshot():  # the key variables read once, not once per result
            rows = [
                {
                    "run_id": run.run_id,
                    **redacted_result(r.model_dump(mode="json"), r.outcome == Outcome.ERROR),
                    "primary_score": next(iter(r.scores.values()), None),
                }
                for r in results
            ]
        with self.engine.begin() as conn:
            conn.execute(runs.insert().values(**row))
            for summary in run.stages:
                conn.execute(
                    stage_summaries.insert().values(
                        run_id=run.run_id,
                        stage=summary.stage,
                        summary=redacted_summary(summary.model_dump(mode="json")),
                    )
                )
            if rows:
                conn.execute(case_results.insert(), rows)

    def _runs(self, query: Any) -> list[RunRecord]:
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
            ids = [r["run_id"] for r in rows]
            summaries: dict[str, list[StageSummary]] = {i: [] for i in ids}
            if ids:
                for s in conn.execute(
                    select(stage_summaries).where(stage_summaries.c.run_id.in_(ids))
                ).mappings():
                    # redacted on read too: runs stored before the policy existed
                    summary = redacted_summary(s["summary"])
                    summaries[s["run_id"]].append(StageSummary.model_validate(summary))
        order = {stage: i for i, stage in enumerate(STAGES)}
        return [
            RunRecord(
                **dict(r),
                stages=sorted(summaries[r["run_id"]], key=lambda s: order.get(s.stage, len(order))),
            )
            for r in rows
        ]

    def list_runs(self, suite: str | None = None, limit: int | None = None) -> list[RunRecord]:
        """Runs, newest first, with their stage summaries."""
        query = select(runs).order_by(runs.c.started_at.desc())
        if suite is not None:
            query = query.where(runs.c.suite_name == suite)
        if limit is not None:
            query = query.limit(limit)
        return self._runs(query)

    def get_run(self, run_id: str) -> RunRecord:
        """One run by id, or by a unique id prefix; ``KeyError`` if none matches."""
        found = self._runs(
            select(runs).where(runs.c.run_id.startswith(run_id, autoescape=True)).limit(2)
        )
        if len(found) != 1:
            raise KeyError(f"no run '{run_id}'" if not found else f"'{run_id}' is ambiguous")
        return found[0]

    def case_results(self, run_id: str, stage: str | None = None) -> list[CaseResult]:
        """The per-case results of a run, optionally of one stage."""
        query = select(case_results).where(case_results.c.run_id == run_id)
        if stage is not None:
            query = query.where(case_results.c.stage == stage)
        with self.engine.connect() as conn:
            rows: Sequence[Any] = conn.execute(query.order_by(case_results.c.id)).mappings().all()
        fields = set(CaseResult.model_fields)
        return [
            CaseResult.model_validate({k: v for k, v in r.items() if k in fields}) for r in rows
        ]

    def case_rows(self, run_id: str, stage: str, case_id: str | None = None) -> list[CaseRow]:
        """The results of one stage of a run (of one case, with ``case_id``), without details."""
        query = select(*(case_results.c[c] for c in CaseRow.model_fields)).where(
            case_results.c.run_id == run_id, case_results.c.stage == stage
        )
        if case_id is not None:
            query = query.where(case_results.c.case_id == case_id)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(case_results.c.id)).mappings().all()
        return [CaseRow.model_validate({**r, "scores": r["scores"] or {}}) for r in rows]

    def case_result(
        self, run_id: str, stage: str, case_id: str, variant: str = "original"
    ) -> CaseResult | None:
        """One case's full result (details included) in one stage of a run, for one variant."""
        query = (
            select(case_results)
            .where(
                case_results.c.run_id == run_id,
                case_results.c.stage == stage,
                case_results.c.case_id == case_id,
                case_results.c.variant == variant,
            )
            .order_by(case_results.c.id)
            .limit(1)
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        if row is None:
            return None
        fields = set(CaseResult.model_fields)
        return CaseResult.model_validate({k: v for k, v in row.items() if k in fields})

    def case_stages(self, run_id: str, case_id: str) -> list[str]:
        """The stages of a run that hold a result for ``case_id``, sorted."""
        query = (
            select(case_results.c.stage)
            .where(case_results.c.run_id == run_id, case_results.c.case_id == case_id)
            .distinct()
        )
        with self.engine.connect() as conn:
            return sorted(str(s) for s in conn.execute(query).scalars())

    def case_history(self, suite: str, case_id: str) -> list[HistoryRow]:
        """The result of ``case_id`` in every run of ``suite``, newest first."""
        query = (
            select(
                runs.c.started_at,
                runs.c.run_id,
                case_results.c.stage,
                case_results.c.variant,
                case_results.c.outcome,
                case_results.c.reason,
                case_results.c.primary_score,
            )
            .join(runs, runs.c.run_id == case_results.c.run_id)
            .where(runs.c.suite_name == suite, case_results.c.case_id == case_id)
            .order_by(runs.c.started_at.desc(), case_results.c.id)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [HistoryRow.model_validate(dict(r)) for r in rows]

    def save_calibration(self, record: CalibrationRecord) -> None:
        """Store a judge calibration record (keyed by its id)."""
        with self.engine.begin() as conn:
            conn.execute(
                calibrations.insert().values(
                    calibration_id=record.calibration_id,
                    judge_key=record.judge_key,
                    prompt_sha256=record.prompt_sha256,
                    model=record.model,
                    created_at=record.created_at,
                    record=redacted_calibration(record.model_dump(mode="json")),
                )
            )

    def list_calibrations(
        self, model: str | None = None, prompt_sha256: str | None = None
    ) -> list[CalibrationRecord]:
        """Judge calibration records, newest first, optionally of one model and/or prompt."""
        query = select(calibrations.c.record).order_by(calibrations.c.created_at.desc())
        if model is not None:
            query = query.where(calibrations.c.model == model)
        if prompt_sha256 is not None:
            query = query.where(calibrations.c.prompt_sha256 == prompt_sha256)
        with self.engine.connect() as conn:
            rows = conn.execute(query).scalars().all()
        return [CalibrationRecord.model_validate(r) for r in rows]
