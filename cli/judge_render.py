"""Renderers of judge calibrations and comparisons (rich tables and status lines)."""

from __future__ import annotations

from rich.table import Table

from evalstage.evalcore.calibration import CalibrationMetric, CalibrationRecord
from evalstage.evalcore.gates import JudgeCheck
from evalstage.generation_eval.judge import Comparison


def figures_table(title: str, figures: list[CalibrationMetric]) -> Table:
    """A rich table of figures with their 95% CIs."""
    table = Table(title=title, title_justify="left")
    for column in ("figure", "value", "95% CI", "n"):
        table.add_column(column, justify="left" if column == "figure" else "right")
    for f in figures:
        table.add_row(f.name, f"{f.value:.4f}", f"[{f.ci_low:.4f}, {f.ci_high:.4f}]", str(f.n))
    return table


def calibration_lines(record: CalibrationRecord) -> list[str]:
    """The header, reference counts and warnings of a calibration record."""
    counts = ", ".join(f"{k} {v}" for k, v in record.counts.items())
    lines = [
        f"calibration {record.calibration_id} · judge {record.prompt_name}@"
        f"{record.prompt_sha256[:12]} · model {record.model} ({record.backend}) · labels "
        f"{record.labels_name} · {record.n_measured}/{record.n_items} measured",
        f"counts: {counts}",
    ]
    lines += [f"warning: {w}" for w in record.warnings]
    return lines


def comparison_tables(comparison: Comparison) -> tuple[Table, Table]:
    """The comparison's figures and its length-ratio buckets."""
    figures = figures_table(
        f"B vs A · judge {comparison.judge.label} · {comparison.n_pairs} pairs", comparison.figures
    )
    buckets = Table(title="win rate of B by length ratio len(B)/len(A)", title_justify="left")
    for column in ("bucket", "pairs", "win rate B"):
        buckets.add_column(column, justify="left" if column == "bucket" else "right")
    for b in comparison.length_buckets:
        shown = f"{b.win_rate_b:.3f}" if b.win_rate_b is not None else "–"
        buckets.add_row(b.label, str(b.n), shown)
    return figures, buckets


def judge_status_line(check: JudgeCheck) -> str:
    """One line: the judge and whether it has a fresh calibration (and its kappa)."""
    label = f"{check.prompt_name}@{check.prompt_sha256[:12]} {check.model}"
    fresh = [
        c
        for c in check.calibrations
        if c.prompt_sha256 == check.prompt_sha256 and c.model == check.model
    ]
    if not fresh:
        stale = any(c.model == check.model for c in check.calibrations)
        state = "STALE (calibrated with another prompt)" if stale else "NOT calibrated"
        return f"judge {label}: {state}; run evalstage judge calibrate"
    record = fresh[0]
    shown = []
    for name in ("accuracy", "kappa", "position_consistency", "longer_preference"):
        if name in record.metric_names:
            m = record.metric(name)
            shown.append(f"{name} {m.value:.3f} [{m.ci_low:.3f}, {m.ci_high:.3f}]")
    return f"judge {label}: calibrated {record.created_at:%Y-%m-%d} ({record.calibration_id}): " + (
        "; ".join(shown)
    )
