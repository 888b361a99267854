"""The scenario report as text: markdown and a self-contained HTML page (no network, no CDN).

Every cell reads ``value [low, high] n=N``; a curve lists its points; a cell that cannot be
measured reads ``not measured`` with the reason (never blank, never 0).
"""

from __future__ import annotations

import html

from evalstage.evalcore.scenarios import GROUPS, Cell, ColumnDef, ScenarioReport

NOT_MEASURED = "not measured"


def _number(value: float, unit: str) -> str:
    if unit == "ms":
        return f"{value:,.0f} ms"
    if unit == "tokens":
        return f"{value:,.0f}"
    if unit == "usd":
        return f"${value:.4g}"
    return f"{value:.2f}"


def _bounds(cell: Cell, unit: str) -> str:
    if cell.ci_low is None or cell.ci_high is None:
        return ""
    low, high = (_number(v, unit).replace(" ms", "") for v in (cell.ci_low, cell.ci_high))
    return f" [{low}, {high}]"


def format_cell(cell: Cell, unit: str = "rate", reasons: bool = True) -> str:
    """One cell as text (see the module docstring)."""
    if cell.points:
        return "; ".join(
            f"{name} {format_cell(point, unit, reasons=False)}"
            for name, point in cell.points.items()
        )
    if cell.value is None:
        return f"{NOT_MEASURED}: {cell.missing}" if reasons and cell.missing else NOT_MEASURED
    return f"{_number(cell.value, unit)}{_bounds(cell, unit)} n={cell.n}"


def _grouped(report: ScenarioReport) -> list[tuple[str, list[ColumnDef]]]:
    return [(g, [c for c in report.columns if c.group == g]) for g in GROUPS]


def to_markdown(report: ScenarioReport) -> str:
    """The report as markdown: one table per column group, one row per scenario."""
    lines = [
        f"# Scenario report · run {report.run_id}",
        "",
        f"Suite **{report.suite}** {report.suite_version}; every cell: mean "
        f"[{report.confidence:.0%} bootstrap CI] and n; *not measured* says why.",
    ]
    for group, columns in _grouped(report):
        lines += ["", f"## {group}", ""]
        lines.append("| stage | scenario | cases | " + " | ".join(c.name for c in columns) + " |")
        lines.append("|---|---|---:|" + "---|" * len(columns))
        for row in report.rows:
            cells = [row.stage, row.category, str(row.cases)]
            cells += [format_cell(row.cells[c.name], c.unit) for c in columns]
            lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    lines += ["", "## columns", ""]
    for c in report.columns:
        better = {"higher": "higher is better", "lower": "lower is better"}.get(c.direction, "")
        lines.append(f"- **{c.name}** ({c.group}; {better}): {c.definition}")
    return "\n".join(lines) + "\n"


_STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #1b1b1b; }
table { border-collapse: collapse; font-size: 0.85rem; }
th, td { border: 1px solid #ccc; padding: 0.3rem 0.5rem; vertical-align: top; }
td { white-space: nowrap; }
th.group { background: #eef2f7; }
td.nm { color: #888; font-style: italic; }
td.all { font-weight: 600; }
dt { font-weight: 600; }
"""


def _td(cell: Cell, column: ColumnDef) -> str:
    if cell.points:  # a curve: one point per line
        text = "<br>".join(
            html.escape(f"{name} {format_cell(point, column.unit, reasons=False)}")
            for name, point in cell.points.items()
        )
    else:
        text = html.escape(format_cell(cell, column.unit, reasons=False))
    if not cell.measured:
        why = html.escape(cell.missing or "", quote=True)
        return f'<td class="nm" data-col="{column.name}" title="{why}">{text}</td>'
    return f'<td data-col="{column.name}">{text}</td>'


def to_html(report: ScenarioReport) -> str:
    """The report as one self-contained HTML page (inline CSS, no script, no external link)."""
    grouped = [(g, cs) for g, cs in _grouped(report) if cs]
    head_groups = "".join(
        f'<th class="group" colspan="{len(cs)}">{html.escape(g)}</th>' for g, cs in grouped
    )
    head_cols = "".join(
        f'<th title="{html.escape(c.definition, quote=True)}">{html.escape(c.name)}</th>'
        for _, cs in grouped
        for c in cs
    )
    body = []
    for row in report.rows:
        cls = ' class="all"' if row.category == "all" else ""
        cells = "".join(_td(row.cells[c.name], c) for _, cs in grouped for c in cs)
        stage, category = html.escape(row.stage), html.escape(row.category)
        body.append(
            f'<tr data-stage="{stage}" data-category="{category}">'
            f"<td{cls}>{html.escape(row.stage)}</td><td{cls}>{html.escape(row.category)}</td>"
            f"<td>{row.cases}</td>{cells}</tr>"
        )
    definitions = "".join(
        f"<dt>{html.escape(c.name)}</dt><dd>{html.escape(c.definition)}</dd>"
        for c in report.columns
    )
    title = f"Scenario report · run {html.escape(report.run_id)}"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{title}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{title}</h1><p>Suite <b>{html.escape(report.suite)}</b> "
        f"{html.escape(report.suite_version)}. Each cell: mean [{report.confidence:.0%} "
        "bootstrap CI] and n; hover a <i>not measured</i> cell for the reason.</p>"
        '<table id="scenarios"><thead>'
        f'<tr><th rowspan="2">stage</th><th rowspan="2">scenario</th><th rowspan="2">cases</th>'
        f"{head_groups}</tr><tr>{head_cols}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        f"<h2>Columns</h2><dl>{definitions}</dl></body></html>\n"
    )
