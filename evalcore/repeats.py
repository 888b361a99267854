"""Repeated runs of a non-deterministic system: pass@k, pass^k and the flip rate.

``evalstage run --repeats k`` runs each case of a live target k times. Per result key (a case,
or a case's variant) the k outcomes are combined:

* ``pass@k`` (:data:`PASS_ANY`): 1 when any of the k repeats passes (pass@k-style);
* ``pass_all@k`` (:data:`PASS_ALL`): 1 when all k pass (pass^k);
* ``flip_rate``: 1 when the outcomes differ across the repeats.

Only keys measured (pass or fail) in every repeat count; each metric is a mean over them with a
bootstrap CI (:func:`evalcore.stats.summarize_metrics`), its coverage the share of keys that
count. The stored per-case result is the first repeat's, with every repeat's outcome in
``details["repeats"]`` (``details["flipped"]`` when they differ). The names follow the ``@k``
pattern, so a stage catalog declares them once (:data:`REPEAT_METRICS`) and gates can bound
them (``pass_all@3``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from evalstage.evalcore.metrics import MetricCatalog, MetricDef
from evalstage.evalcore.outcomes import Outcome
from evalstage.evalcore.records import CaseResult, MetricSummary
from evalstage.evalcore.report import StageReport, add_costs, summarize
from evalstage.evalcore.stats import summarize_metrics

SR = TypeVar("SR", bound=StageReport)

__all__ = ["PASS_ALL", "PASS_ANY", "REPEAT_METRICS", "combine_repeats", "repeat_names"]

PASS_ANY = "pass@k"
PASS_ALL = "pass_all@k"
FLIP_RATE = "flip_rate"

REPEAT_METRICS = (
    MetricDef(
        name=PASS_ANY,
        direction="higher",
        definition="with --repeats k: share of results passing in at least one of the k repeats",
        per_case=False,
    ),
    MetricDef(
        name=PASS_ALL,
        direction="higher",
        definition="with --repeats k: share of results passing in all k repeats (pass^k)",
        per_case=False,
    ),
    MetricDef(
        name=FLIP_RATE,
        direction="lower",
        definition="with --repeats k: share of results whose outcome differs across the repeats",
        per_case=False,
    ),
)
"""The repeat metrics every stage's catalog declares."""

_MEASURED = (Outcome.PASS, Outcome.FAIL)


def repeat_names(k: int) -> tuple[str, str, str]:
    """The stored names of the three metrics for ``k`` repeats: ``pass@k``, ``pass_all@k``..."""
    return f"pass@{k}", f"pass_all@{k}", FLIP_RATE


def combine_repeats(
    repeats: Sequence[Sequence[CaseResult]],
    catalog: MetricCatalog,
    confidence: float = 0.95,
) -> tuple[list[CaseResult], list[MetricSummary]]:
    """The first repeat's results (each holding every repeat's outcome) and the repeat metrics.

    ``repeats``: one list of results per repeat, in any order within it (matched by key). A key
    missing from a repeat counts as not measured there.
    """
    if not repeats:
        return [], []
    k = len(repeats)
    by_key = [{r.key: r for r in results} for results in repeats]
    first: list[CaseResult] = []
    columns: dict[str, list[float]] = {name: [] for name in repeat_names(k)}
    for result in repeats[0]:
        outcomes = [found[result.key].outcome if result.key in found else None for found in by_key]
        flipped = len(set(outcomes)) > 1
        details = {**result.details, "repeats": [o.value if o else None for o in outcomes]}
        if flipped:
            details["flipped"] = True
        first.append(result.model_copy(update={"details": details}))
        if all(o in _MEASURED for o in outcomes):
            passes = [o == Outcome.PASS for o in outcomes]
            any_name, all_name, flip_name = repeat_names(k)
            columns[any_name].append(float(any(passes)))
            columns[all_name].append(float(all(passes)))
            columns[flip_name].append(float(flipped))
    return first, summarize(catalog, summarize_metrics(columns, len(repeats[0]), confidence))


def combine_reports(reports: Sequence[SR], confidence: float = 0.95) -> SR:
    """One report for ``reports`` (one per repeat, the first first): see :func:`combine_repeats`.

    Its results are the first repeat's, its metrics gain ``pass@k``, ``pass_all@k`` and
    ``flip_rate``, and its cost is every repeat's.
    """
    first = reports[0]
    if len(reports) == 1:
        return first
    results, metrics = combine_repeats([r.results for r in reports], first.declared, confidence)
    update: dict[str, Any] = {"results": results, "metrics": [*first.metrics, *metrics]}
    cost = add_costs(*(r.cost for r in reports))
    if cost is not None:
        update["cost"] = cost
    return first.model_copy(update=update)
