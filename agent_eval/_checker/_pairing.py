"""Pairing actual calls with expected calls: the optimal assignment and BFCL's greedy first fit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from evalstage.agent_eval._checker._calls import Call, Issue
from evalstage.agent_eval._checker._codes import ErrorCode


@dataclass(slots=True)
class Grid:
    """Pair results: ``issues[i][j]`` for expected i and actual j, and whether the pair passes."""

    issues: list[list[list[Issue]]]
    ok: list[list[bool]]
    score: list[list[int]]


def pair_grid(n_expected: int, calls: list[Call], pair: Callable[[int, Call], list[Issue]]) -> Grid:
    """Every expected call ``i`` against every call, by ``pair(i, call)``, with pairing scores."""
    issues: list[list[list[Issue]]] = []
    ok: list[list[bool]] = []
    score: list[list[int]] = []
    for i in range(n_expected):
        row_issues: list[list[Issue]] = []
        row_ok: list[bool] = []
        row_score: list[int] = []
        for call in calls:
            found: list[Issue] = pair(i, call)
            passes = not found and not call.intrinsic
            row_issues.append(found)
            row_ok.append(passes)
            if passes:
                row_score.append(0)
            else:
                name_off = any(x.code == ErrorCode.WRONG_TOOL for x in found) or call.hallucinated
                unreadable = call.args is None
                row_score.append(
                    (100 if name_off else 0)
                    + (50 if unreadable else 0)
                    + len(found)
                    + len(call.intrinsic)
                )
        issues.append(row_issues)
        ok.append(row_ok)
        score.append(row_score)
    return Grid(issues, ok, score)


def assign(grid: Grid, rows: list[int], cols: list[int]) -> list[tuple[int, int]]:
    """Optimal pairing of ``rows`` (expected) and ``cols`` (actual).

    Lexicographic objective: most passing pairs, then fewest issues, then smallest position
    distance |i - j| (keeps identical calls in order). Solved exactly with
    ``scipy.optimize.linear_sum_assignment`` on an integer cost matrix.
    """
    if not rows or not cols:
        return []
    if len(rows) == 1 or len(cols) == 1:
        best = min(
            ((i, j) for i in rows for j in cols),
            key=lambda p: (not grid.ok[p[0]][p[1]], grid.score[p[0]][p[1]], abs(p[0] - p[1])),
        )
        return [best]
    k = min(len(rows), len(cols))
    max_score = max(grid.score[i][j] for i in rows for j in cols)
    distance_span = k * (max(max(rows), max(cols)) + 1) + 1
    score_weight = distance_span
    pass_weight = (k * max_score + 1) * score_weight
    cost = np.empty((len(rows), len(cols)), dtype=np.int64)
    for a, i in enumerate(rows):
        for b, j in enumerate(cols):
            cost[a, b] = (
                (0 if grid.ok[i][j] else pass_weight) + grid.score[i][j] * score_weight + abs(i - j)
            )
    from scipy.optimize import linear_sum_assignment  # type: ignore[import-untyped, unused-ignore]

    picked_rows, picked_cols = linear_sum_assignment(cost)  # imported here: 0.4 s, rarely needed
    return sorted(
        (rows[int(a)], cols[int(b)]) for a, b in zip(picked_rows, picked_cols, strict=True)
    )


def greedy(grid: Grid, n_expected: int, n_actual: int) -> list[tuple[int, int]]:
    """BFCL's parallel matching: each expected call in turn takes the first unused passing call."""
    used: set[int] = set()
    pairs: list[tuple[int, int]] = []
    for i in range(n_expected):
        for j in range(n_actual):
            if j not in used and grid.ok[i][j]:
                used.add(j)
                pairs.append((i, j))
                break
    return pairs


def in_order(pairs: list[tuple[int, int]], grid: Grid) -> bool:
    """Whether the passing pairs have their calls in the expected calls' order."""
    matched = sorted((i, j) for i, j in pairs if grid.ok[i][j])
    actual = [j for _, j in matched]
    return actual == sorted(actual)
