"""Fit the offline verifier's fusion (``python -m evalstage.generation_eval.verifier.fusion``).

Run it with ``--data DIR``.

Takes, from every training source, pairs the scorer never saw (not in its training or DEV
sample), plus synthetic negation/number/direction/entity changes of some of them; verifies
each hypothesis against its *whole* premise as the verifier does at run time (windows and
all); builds the :data:`~generation_eval.verifier._fusion.FEATURES` row of each; picks the L2
penalty by leave-one-source-out cross-validation (every source weighs the same) and fits the
multinomial logistic regression on all sources. Stores it, with the cross-validation table
(the fused score beside its own word-overlap feature, per held-out source), in the weights'
JSON record. No validity-report set is read. Deterministic for the same weights and data.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from evalstage.evalcore.files import write_text_atomic
from evalstage.generation_eval.verifier._augment import perturb, swap_entity
from evalstage.generation_eval.verifier._fusion import (
    FEATURES,
    NOT_SUPPORTED,
    fit_fusion,
    window_features,
)
from evalstage.generation_eval.verifier._metrics import auroc, balanced_accuracy
from evalstage.generation_eval.verifier._offline import OfflineScorer
from evalstage.generation_eval.verifier._pairs import Pair, load_pairs, read_pairs
from evalstage.generation_eval.verifier._protocol import LABELS, Label
from evalstage.generation_eval.verifier._verifier import Verifier
from evalstage.generation_eval.verifier._windows import select_windows

__all__ = ["L2_GRID", "fusion_items", "main"]

L2_GRID = (0.01, 0.1, 1.0, 10.0)
CONTEXT_OVERLAP = FEATURES.index("context_overlap")


def fusion_items(
    data_dir: Path, config: dict[str, Any], per_source: int, seed: int = 7
) -> list[tuple[Pair, int]]:
    """Unseen pairs per source with their label index (NOT_SUPPORTED for two-label sources)."""
    used_train, used_dev, _ = load_pairs(
        data_dir,
        include=config.get("sources"),
        max_per_source=int(config.get("max_per_source", 2000)),
        max_dev_per_source=int(config.get("max_dev_per_source", 60)),
        seed=int(config.get("seed", 13)),
    )
    seen = {p.hypothesis for p in used_train + used_dev}
    rng = random.Random(seed)
    items: list[tuple[Pair, int]] = []
    unseen_supported: list[Pair] = []
    for path in sorted(data_dir.glob("*.jsonl")):
        if config.get("sources") is not None and path.stem not in config["sources"]:
            continue
        pairs = [
            replace(p, hypothesis=" ".join(p.hypothesis.split()))
            for p in read_pairs(path)
            if " ".join(p.hypothesis.split()) not in seen
        ]
        three_way = any(p.label == "contradicted" for p in pairs)
        rng.shuffle(pairs)
        for pair in pairs[:per_source]:
            label = LABELS.index(pair.label)
            items.append((pair, label if three_way or label == 0 else NOT_SUPPORTED))
        unseen_supported += [p for p in pairs[per_source:] if p.label == "supported"][:60]
    rng.shuffle(unseen_supported)
    for index, pair in enumerate(unseen_supported[: per_source // 2]):
        # The statement itself (supported) and a changed copy: the fold where meaning matters.
        kind: Label = "contradicted"
        if index % 3 == 2:
            changed = swap_entity(pair.hypothesis, [unseen_supported[index - 1].premise], rng)
            kind = "unsupported"
        else:
            moved = perturb(pair.hypothesis, rng)
            changed = moved[0] if moved else None
        if changed is None or changed == pair.hypothesis:
            continue
        items.append((Pair(pair.premise, pair.hypothesis, "supported", "synthetic", ""), 0))
        items.append((Pair(pair.premise, changed, kind, "synthetic", ""), LABELS.index(kind)))
    return items


def _features(verifier: Verifier, items: list[tuple[Pair, int]]) -> np.ndarray:
    windows = [select_windows(p.hypothesis, [p.premise], verifier.top_m) for p, _ in items]
    pairs = [(w.text, p.hypothesis) for (p, _), ws in zip(items, windows, strict=True) for w in ws]
    probs = verifier.score(pairs)
    rows, at = [], 0
    for (pair, _), ws in zip(items, windows, strict=True):
        block = probs[at : at + len(ws)]
        at += len(ws)
        rows.append(
            window_features(pair.hypothesis, [w.text for w in ws], block, [pair.premise])[0]
        )
    return np.stack(rows)


def _weights(sources: list[str], labels: np.ndarray) -> np.ndarray:
    """Every source weighs the same; within it, supported and not supported weigh the same."""
    weights = np.zeros(len(sources))
    groups: dict[tuple[str, bool], list[int]] = defaultdict(list)
    for i, (source, label) in enumerate(zip(sources, labels, strict=True)):
        groups[(source, bool(label == 0))].append(i)
    for (source, _), rows in groups.items():
        sides = sum(1 for s, _ in groups if s == source)
        weights[rows] = 1.0 / (len(rows) * sides)
    scaled: np.ndarray = weights * len(sources) / weights.sum()
    return scaled


def _binary_scores(
    support: np.ndarray, predicted: Sequence[str], labels: np.ndarray
) -> dict[str, Any]:
    positive = [bool(v == 0) for v in labels]
    return {
        "auroc": auroc(list(support), positive),
        "balanced_accuracy": balanced_accuracy(
            [str(p) for p in positive], [str(p == "supported") for p in predicted]
        ),
    }


def cross_validate(x: np.ndarray, labels: np.ndarray, sources: list[str]) -> dict[str, Any]:
    """Leave-one-source-out scores per L2 value; the fused score beside word overlap alone."""
    names = sorted(set(sources))
    table: dict[str, Any] = {}
    for l2 in L2_GRID:
        per: dict[str, Any] = {}
        for held in names:
            train = np.asarray([s != held for s in sources])
            fusion = fit_fusion(
                x[train], list(labels[train]), l2=l2,
                sample_weight=list(_weights([s for s in sources if s != held], labels[train])),
            )  # fmt: skip
            probs = fusion.probabilities(x[~train])
            predicted = [LABELS[int(i)] for i in probs.argmax(axis=1)]
            fused = _binary_scores(probs[:, 0], predicted, labels[~train])
            lexical = auroc(
                list(x[~train, CONTEXT_OVERLAP]), [bool(v == 0) for v in labels[~train]]
            )
            per[held] = {**fused, "overlap_auroc": lexical, "n": int((~train).sum())}
        mean_ba = float(np.mean([v["balanced_accuracy"] for v in per.values()]))
        mean_auc = float(np.mean([v["auroc"] or 0.5 for v in per.values()]))
        table[str(l2)] = {"mean_balanced_accuracy": mean_ba, "mean_auroc": mean_auc, "per": per}
    return table


def main(argv: list[str] | None = None) -> None:
    """Fit on unseen pairs of the training sources and write the fusion into the record."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--weights", type=Path, default=None)
    parser.add_argument("--per-source", type=int, default=250)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    scorer = OfflineScorer(args.weights)
    meta = scorer.meta()
    items = fusion_items(args.data, meta.get("config", {}), args.per_source)
    verifier = Verifier(scorer, thresholds=None)
    verifier.fusion = None
    x = _features(verifier, items)
    labels = np.asarray([label for _, label in items])
    sources = [pair.source for pair, _ in items]
    table = cross_validate(x, labels, sources)
    best = max(table, key=lambda k: table[k]["mean_balanced_accuracy"] + table[k]["mean_auroc"])
    fusion = fit_fusion(
        x, list(labels), l2=float(best), sample_weight=list(_weights(sources, labels)),
        fitted_on="unseen pairs of the training sources, leave-one-source-out L2",
    )  # fmt: skip
    meta["fusion"] = fusion.model_dump()
    meta["fusion_cv"] = {"chosen_l2": float(best), "n_items": len(items), "by_l2": table}
    path = scorer.weights_path.with_suffix(".json")
    write_text_atomic(path, json.dumps(meta, indent=2) + "\n")
    chosen = table[best]
    print(
        f"fitted the fusion on {len(items)} items of {len(set(sources))} sources in "
        f"{time.perf_counter() - started:.0f}s (L2 {best}: leave-one-source-out balanced "
        f"accuracy {chosen['mean_balanced_accuracy']:.3f}, AUROC {chosen['mean_auroc']:.3f}); "
        f"wrote {path}",
        file=sys.stderr,
    )
    for source, row in sorted(chosen["per"].items()):
        print(f"  {source:20s} n={row['n']:4d} fused AUROC {row['auroc'] or 0:.3f} "
              f"BA {row['balanced_accuracy']:.3f}  overlap AUROC {row['overlap_auroc'] or 0:.3f}",
              file=sys.stderr)  # fmt: skip


if __name__ == "__main__":
    main()
