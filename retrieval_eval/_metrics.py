"""The retrieval stage's metric declaration: one entry per measure family, from its kernel."""

from __future__ import annotations

from evalstage.evalcore.metrics import MetricCatalog, MetricDef
from evalstage.evalcore.repeats import REPEAT_METRICS
from evalstage.retrieval_eval._kernels import KERNELS
from evalstage.retrieval_eval.measures import COUNT_FAMILIES, family_name

HEADLINES = ("ndcg@k", "recall@k")
"""Shown first, in this order (then ``pass_rate``)."""


def _definition(family: str) -> str:
    doc = KERNELS[family].__doc__ or ""
    return doc.strip().splitlines()[0] if doc.strip() else family


def _families() -> list[MetricDef]:
    seen: dict[str, MetricDef] = {}
    for family in KERNELS:
        name = family_name(family)
        if family in COUNT_FAMILIES or name in seen:
            continue
        seen[name] = MetricDef(
            name=name,
            direction="higher",
            definition=_definition(family),
            headline=name in HEADLINES,
        )
    return sorted(seen.values(), key=lambda m: HEADLINES.index(m.name) if m.headline else 99)


_FAMILIES = _families()
RETRIEVAL_METRICS = MetricCatalog(
    metrics=(
        *[m for m in _FAMILIES if m.headline],
        MetricDef(
            name="pass_rate",
            direction="higher",
            definition="share of measured queries whose pass measure reaches the pass threshold",
            headline=True,
        ),
        *[m for m in _FAMILIES if not m.headline],
        *REPEAT_METRICS,
    )
)
"""What the retrieval stage reports: ``pass_rate`` and one entry per measure family."""
