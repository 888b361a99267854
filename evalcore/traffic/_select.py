"""Choose a reviewable handful of exchanges: fold near-duplicates, cluster, favour failures.

1. **Failure signals** per exchange: negative user feedback (thumbs down, false, a 0-1 score
   below 0.5 or a 1-5 rating of 2 or less; the scale is the log's: 1-5 when any value in it is
   above 1, or named with ``feedback``), an error, a latency in the slowest tenth of the log,
   a top retrieval score in the lowest tenth (or nothing retrieved when the rest of the log
   retrieves). Each adds one to the exchange's *priority*.
2. **Near-duplicates** are folded: questions are embedded with the bundled all-MiniLM-L6-v2;
   in priority order, a question within ``duplicate_cosine`` of one already kept joins it.
3. **Diverse sampling**: the kept questions are clustered (k-means, ``faiss``) into as many
   clusters as cases wanted; each cluster gives one representative, the exchange with the
   highest priority (then the one nearest the cluster's centre).

So 10,000 logged requests become ``max_cases`` (50-200) that cover what users ask, with the
failing ones first in line. Embedding is the cost floor (see bench/bench_traffic_import.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field

from evalstage.evalcore.traffic._record import Exchange

NEGATIVE_FEEDBACK = frozenset(
    {"down", "thumbs_down", "thumbsdown", "negative", "bad", "no", "-1", "0", "false", "dislike"}
)


class Picked(BaseModel):
    """Why an exchange was chosen: its cluster, what it stands for, its failure signals."""

    index: int
    cluster: int
    cluster_size: int = Field(description="Exchanges (near-duplicates included) it stands for.")
    near_duplicates: int = Field(description="Near-duplicates folded into it.")
    signals: list[str]


class Selection(BaseModel):
    """The outcome of :func:`select_exchanges`."""

    picked: list[Picked]
    total: int
    after_dedup: int
    clusters: int
    with_signals: int = Field(description="Exchanges in the log with at least one signal.")


FeedbackScale = Literal["auto", "unit", "five"]
"""How numeric feedback reads: ``unit`` a 0-1 score (below 0.5 is negative), ``five`` a 1-5
rating (2 or less is negative), ``auto`` decided from the log (:func:`feedback_scale`)."""

_FEEDBACK_KEYS = ("score", "rating", "thumbs", "value", "label")


def _numbers(value: Any) -> list[float]:
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, int | float):
        return [float(value)]
    if isinstance(value, dict):
        return [n for k, v in value.items() if k in _FEEDBACK_KEYS for n in _numbers(v)]
    return []


def feedback_scale(values: Iterable[Any]) -> Literal["unit", "five"]:
    """``five`` when any numeric feedback value of the log is above 1 (a 1-5 rating), else ``unit``.

    Decided over the whole log, so a rating of 1 (of 5) is negative in a log that also holds 4s.
    """
    return "five" if any(n > 1 for v in values for n in _numbers(v)) else "unit"


def negative_feedback(value: Any, scale: FeedbackScale = "auto") -> bool:
    """Whether a feedback value is negative: thumbs down, false, a low score or rating.

    Numbers read on ``scale``: ``unit`` (0-1) below 0.5, ``five`` (1-5) 2 or less; ``auto``
    decides from this value alone (:func:`failure_signals` decides from the whole log).
    """
    if value is None:
        return False
    if scale == "auto":
        scale = feedback_scale([value])
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value < 0.5 if scale == "unit" else value <= 2
    if isinstance(value, dict):
        return any(negative_feedback(v, scale) for k, v in value.items() if k in _FEEDBACK_KEYS)
    return str(value).strip().lower() in NEGATIVE_FEEDBACK


def failure_signals(
    exchanges: Sequence[Exchange], feedback: FeedbackScale = "auto"
) -> list[list[str]]:
    """Per exchange, the failure signals it shows (see the module docstring).

    Numeric feedback reads on ``feedback``'s scale; ``auto``: a 1-5 rating when any value of
    the log is above 1, else a 0-1 score (:func:`feedback_scale`).
    """
    scale = feedback_scale(e.feedback for e in exchanges) if feedback == "auto" else feedback
    latencies = [e.latency_ms for e in exchanges if e.latency_ms is not None]
    slow = float(np.quantile(latencies, 0.9)) if len(latencies) >= 10 else None
    tops = [
        max((c.score for c in e.contexts if c.score is not None), default=None) for e in exchanges
    ]
    known = [t for t in tops if t is not None]
    low = float(np.quantile(known, 0.1)) if len(known) >= 10 else None
    retrieving = sum(bool(e.contexts) for e in exchanges) > len(exchanges) / 2
    out: list[list[str]] = []
    for e, top in zip(exchanges, tops, strict=True):
        found = []
        if negative_feedback(e.feedback, scale):
            found.append("negative_feedback")
        if e.error:
            found.append("error")
        if slow is not None and e.latency_ms is not None and e.latency_ms > slow:
            found.append("slow")
        if low is not None and top is not None and top < low:
            found.append("low_retrieval_score")
        elif retrieving and not e.contexts:
            found.append("nothing_retrieved")
        out.append(found)
    return out


Embed = Callable[[list[str]], np.ndarray]


def bundled_embedder(batch_size: int = 128) -> Embed:
    """Normalised embeddings from the bundled all-MiniLM-L6-v2 (loaded once per process)."""
    from evalstage.evalcore.sentence_models import load_sentence_model

    model = load_sentence_model()

    def embed(texts: list[str]) -> np.ndarray:
        vectors = model.encode(
            texts, batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False
        )
        return np.asarray(vectors, dtype=np.float32)

    return embed


def _fold(vectors: np.ndarray, order: np.ndarray, cosine: float, block: int = 512) -> np.ndarray:
    """For each row, the kept row it joins (itself when kept), in ``order`` (priority first)."""
    leader = np.full(len(vectors), -1, dtype=np.int64)
    kept: list[int] = []
    for start in range(0, len(order), block):
        chunk = order[start : start + block]
        if kept:
            sims = vectors[chunk] @ vectors[kept].T
            best = sims.argmax(axis=1)
            near = sims[np.arange(len(chunk)), best] >= cosine
            for row, hit, b in zip(chunk, near, best, strict=True):
                if hit:
                    leader[row] = kept[b]
        fresh = [int(r) for r in chunk if leader[r] < 0]
        inner = vectors[fresh] @ vectors[fresh].T if fresh else np.zeros((0, 0))
        chosen: list[int] = []
        for i, row in enumerate(fresh):
            match = next((j for j in chosen if inner[i, j] >= cosine), None)
            if match is None:
                chosen.append(i)
                leader[row] = row
                kept.append(row)
            else:
                leader[row] = fresh[match]
    return leader


def _kmeans(vectors: np.ndarray, k: int, seed: int) -> np.ndarray:
    import faiss

    kmeans = faiss.Kmeans(
        vectors.shape[1], k, niter=20, seed=seed, verbose=False, spherical=True,
        min_points_per_centroid=1,
    )  # fmt: skip
    kmeans.train(np.ascontiguousarray(vectors))
    _, labels = kmeans.index.search(np.ascontiguousarray(vectors), 1)
    return labels[:, 0]


def select_exchanges(
    exchanges: Sequence[Exchange],
    max_cases: int,
    *,
    embed: Embed | None = None,
    duplicate_cosine: float = 0.92,
    seed: int = 0,
    feedback: FeedbackScale = "auto",
) -> Selection:
    """Pick at most ``max_cases`` diverse exchanges, favouring failure signals (module doc)."""
    signals = failure_signals(exchanges, feedback)
    total = len(exchanges)
    if total == 0:
        return Selection(picked=[], total=0, after_dedup=0, clusters=0, with_signals=0)
    unique = list(dict.fromkeys(e.question for e in exchanges))  # each distinct text once
    row = {text: i for i, text in enumerate(unique)}
    vectors = (embed or bundled_embedder())(unique)[[row[e.question] for e in exchanges]]
    priority = np.array([len(s) for s in signals], dtype=np.float64)
    order = np.lexsort((np.arange(total), -priority))  # by priority, then log order
    leader = _fold(vectors, order, duplicate_cosine)
    leaders = np.array(sorted(set(leader.tolist())), dtype=np.int64)
    members = np.bincount(leader, minlength=total)
    k = min(max_cases, len(leaders))
    labels = np.arange(len(leaders)) if k == len(leaders) else _kmeans(vectors[leaders], k, seed)
    picked: list[Picked] = []
    for cluster in range(k):
        rows = leaders[labels == cluster]
        if len(rows) == 0:
            continue
        centre = vectors[rows].mean(axis=0)
        closeness = vectors[rows] @ centre
        best = rows[np.lexsort((-closeness, -priority[rows]))[0]]
        picked.append(
            Picked(
                index=int(best),
                cluster=cluster,
                cluster_size=int(members[rows].sum()),
                near_duplicates=int(members[best]) - 1,
                signals=signals[best],
            )
        )
    picked.sort(key=lambda p: (-len(p.signals), p.index))
    return Selection(
        picked=picked,
        total=total,
        after_dedup=len(leaders),
        clusters=k,
        with_signals=sum(bool(s) for s in signals),
    )
