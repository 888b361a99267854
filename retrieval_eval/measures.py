"""What to measure: measure specs parsed from trec_eval or evalstage names.

A :class:`Measure` is a small hashable value (family + optional cutoff). ``parse_measure`` accepts
trec_eval's names (``P_5``, ``recall_10``, ``ndcg_cut_10``, ``map_cut_10``, ``recip_rank``,
``success_5``, ``Rprec``, ``map``, ``ndcg``, the counts ``num_q``/``num_ret``/``num_rel``/
``num_rel_ret``), trec_eval's parameter syntax (``P.5,10`` gives ``P_5`` and ``P_10``) and
evalstage's own (``precision@5``, ``recall@10``, ``ndcg@10``, ``map@10``, ``mrr``, ``hit@5``,
``r-precision``). How each family is computed lives in ``_kernels``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from evalstage.evalcore.errors import SuiteError


@dataclass(frozen=True)
class Family:
    """What a measure family is called and whether it takes a cutoff ``k``.

    ``own``: evalstage's name (``ndcg`` for ``ndcg_cut``, written ``ndcg@10``); ``aliases``:
    other evalstage spellings; ``count``: its 'all' value is a sum (printed as an integer).
    How it is computed is its kernel in :mod:`retrieval_eval._kernels`.
    """

    cutoff: bool
    own: str
    aliases: tuple[str, ...] = ()
    count: bool = False


FAMILIES: dict[str, Family] = {
    "P": Family(cutoff=True, own="precision", aliases=("p",)),
    "recall": Family(cutoff=True, own="recall", aliases=("r",)),
    "ndcg_cut": Family(cutoff=True, own="ndcg"),
    "map_cut": Family(cutoff=True, own="map", aliases=("ap",)),
    "success": Family(cutoff=True, own="hit", aliases=("success",)),
    "recip_rank": Family(cutoff=False, own="mrr", aliases=("rr", "recip_rank")),
    "map": Family(cutoff=False, own="map", aliases=("ap",)),
    "ndcg": Family(cutoff=False, own="ndcg"),
    "Rprec": Family(cutoff=False, own="r-precision", aliases=("rprec", "r_precision")),
    "num_q": Family(cutoff=False, own="num_q", count=True),
    "num_ret": Family(cutoff=False, own="num_ret", count=True),
    "num_rel": Family(cutoff=False, own="num_rel", count=True),
    "num_rel_ret": Family(cutoff=False, own="num_rel_ret", count=True),
}
"""Every measure family by its trec_eval name: the one table of what can be measured."""

CUTOFF_FAMILIES = frozenset(f for f, x in FAMILIES.items() if x.cutoff)
"""Families that require a cutoff ``k``."""

PLAIN_FAMILIES = frozenset(f for f, x in FAMILIES.items() if not x.cutoff)
"""Families without a cutoff."""

COUNT_FAMILIES = frozenset(f for f, x in FAMILIES.items() if x.count)
"""Families whose 'all' value is a sum (printed as an integer), not a mean."""

_EVALSTAGE_NAMES = {
    name: f for f, x in FAMILIES.items() if x.cutoff for name in (x.own, *x.aliases)
}
_EVALSTAGE_PLAIN = {
    name: f
    for f, x in FAMILIES.items()
    if not x.cutoff and not x.count
    for name in (x.own, *x.aliases)
}
_OWN_NAME = {f: x.own for f, x in FAMILIES.items()}
_TREC_CUTOFF = re.compile(rf"({'|'.join(re.escape(f) for f in sorted(CUTOFF_FAMILIES))})([._])(.+)")

KNOWN_NAMES = (
    "trec_eval: P_k recall_k ndcg_cut_k map_cut_k success_k recip_rank map ndcg Rprec "
    "num_q num_ret num_rel num_rel_ret (or P.5,10 style); evalstage: precision@k recall@k "
    "ndcg@k ndcg map@k map mrr hit@k r-precision"
)


@dataclass(frozen=True, order=True)
class Measure:
    """A measure family with an optional cutoff, e.g. ``Measure("ndcg_cut", 10)``."""

    family: str
    cutoff: int | None = None

    def __post_init__(self) -> None:
        if self.family in CUTOFF_FAMILIES:
            if self.cutoff is None or self.cutoff < 1:
                raise ValueError(f"{self.family} needs a cutoff k >= 1")
        elif self.family in PLAIN_FAMILIES:
            if self.cutoff is not None:
                raise ValueError(f"{self.family} takes no cutoff")
        else:
            raise ValueError(f"unknown measure family {self.family!r}")

    @property
    def trec_name(self) -> str:
        """The name trec_eval prints, e.g. ``ndcg_cut_10``."""
        return self.family if self.cutoff is None else f"{self.family}_{self.cutoff}"

    @property
    def name(self) -> str:
        """Evalstage's name, e.g. ``ndcg@10``; counts keep their trec_eval names."""
        own = _OWN_NAME.get(self.family, self.family)
        return own if self.cutoff is None else f"{own}@{self.cutoff}"

    @property
    def is_count(self) -> bool:
        """Counts are summed over queries, other measures are averaged."""
        return self.family in COUNT_FAMILIES

    def __str__(self) -> str:
        return self.name


def family_name(family: str) -> str:
    """Evalstage's name of a family, with ``@k`` for a cutoff one (``ndcg_cut`` is ``ndcg@k``)."""
    own = _OWN_NAME.get(family, family)
    return f"{own}@k" if family in CUTOFF_FAMILIES else own


def _cutoff(text: str, original: str) -> int:
    try:
        value = float(text)
    except ValueError:
        raise SuiteError(
            f"cutoff '{text}' of measure '{original}' is not a number",
            field="measure",
            hint="write the cutoff as a positive integer, e.g. ndcg@10 or P_5",
        ) from None
    if value < 1:
        raise SuiteError(
            f"cutoff of measure '{original}' must be at least 1",
            field="measure",
            hint="write the cutoff as a positive integer, e.g. ndcg@10 or P_5",
        )
    return int(value)  # trec_eval truncates fractional cutoffs (ndcg_cut.23.4 -> ndcg_cut_23)


def _unknown(original: str) -> SuiteError:
    return SuiteError(
        f"unknown measure '{original}'",
        field="measure",
        hint=f"use one of {KNOWN_NAMES}",
    )


def parse_measures(text: str) -> list[Measure]:
    """Parse one measure string; trec_eval's ``family.k1,k2`` form yields several measures."""
    original = text
    text = text.strip()
    if "@" in text:
        family_text, k = text.split("@", 1)
        family = _EVALSTAGE_NAMES.get(family_text.lower())
        if family is None:
            if family_text.lower() in ("mrr", "rr"):
                raise SuiteError(
                    f"measure '{original}': MRR has no cutoff in trec_eval semantics",
                    field="measure",
                    hint="use 'mrr' (recip_rank) or 'hit@k' for success within k",
                )
            raise _unknown(original)
        return [Measure(family, _cutoff(k, original))]
    if text.lower() in _EVALSTAGE_PLAIN and text not in PLAIN_FAMILIES:
        return [Measure(_EVALSTAGE_PLAIN[text.lower()])]
    if text in PLAIN_FAMILIES:
        return [Measure(text)]
    match = _TREC_CUTOFF.fullmatch(text)
    if match is None:
        raise _unknown(original)
    family, sep, rest = match.groups()
    if sep == "_":
        return [Measure(family, _cutoff(rest, original))]
    return [Measure(family, _cutoff(part, original)) for part in rest.split(",") if part]


def parse_measure(text: str) -> Measure:
    """Parse exactly one measure, e.g. ``"P_5"`` or ``"ndcg@10"``."""
    measures = parse_measures(text)
    if len(measures) != 1:
        raise SuiteError(
            f"'{text}' names {len(measures)} measures, expected one",
            field="measure",
            hint="name one measure, e.g. P_5",
        )
    return measures[0]
