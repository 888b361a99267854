"""Fit the offline verifier's fusion.

``python -m evalstage.generation_eval.verifier.fusion --data DIR [--decontaminate HELDOUT ...]``.

Takes, from every training source, pairs the scorer never saw (not in its training or DEV
sample), all pairs of sources it never trained on that ``--add-source`` names, plus
synthetic negation/number/direction/entity changes of some of them; leaves out any pair sharing
a 13-word sequence with a held-out file; verifies each hypothesis against its *whole* premise
as the verifier does at run time (windows and all); builds the
:data:`~generation_eval.verifier._fusion.FEATURES` row of each. Then, by leave-one-source-out
cross-validation (every source weighs the same), picks the L2 penalty and the weight of the
lexical :class:`~generation_eval.verifier._fusion.Anchor`: among the settings whose fused score
is at or above word overlap's on *every* left-out source, the best mean AUROC plus that worst
margin. The regression is refitted on all sources, the anchor calibrated on the out-of-fold
scores, and both stored with the cross-validation table in the weights' JSON record. On the
same calibrated out-of-fold scores, the label's support threshold
(:attr:`~generation_eval.verifier._fusion.Fusion.support_threshold`) is the one of best mean
plus worst left-out-source balanced accuracy; ``--support-threshold T`` fixes it.
``--anchor-weight W`` fixes the weight; ``--anchor-against`` says whether the anchor moves
supported against unsupported only (the default, P(contradicted) kept) or against both;
``--base-features`` leaves the context- and claim-length features out of the regression. No
validity-report set is read. Deterministic for the same weights and data.
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
    LENGTH_FEATURES,
    NOT_SUPPORTED,
    Anchor,
    AnchorForm,
    anchor_cap,
    anchor_score,
    anchor_support,
    anchored,
    fit_anchor,
    fit_fusion,
    fused_labels,
    window_features,
)
from evalstage.generation_eval.verifier._metrics import auroc, balanced_accuracy
from evalstage.generation_eval.verifier._offline import OfflineScorer
from evalstage.generation_eval.verifier._pairs import (
    Pair,
    contaminated,
    contamination_of,
    load_pairs,
    read_pairs,
)
from evalstage.generation_eval.verifier._protocol import LABELS, Label
from evalstage.generation_eval.verifier._verifier import Verifier
from evalstage.generation_eval.verifier._windows import select_windows

__all__ = ["ANCHOR_GRID", "L2_GRID", "choose", "cross_validate", "fusion_items", "main"]

L2_GRID = (0.01, 0.1, 1.0, 10.0)
ANCHOR_GRID = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)
CONTEXT_OVERLAP = FEATURES.index("context_overlap")


def fusion_items(
    data_dir: Path,
    config: dict[str, Any],
    per_source: int,
    seed: int = 7,
    extra: Sequence[str] = (),
    contamination: set[tuple[str, ...]] | None = None,
) -> list[tuple[Pair, int]]:
    """Unseen pairs per source with their label index (NOT_SUPPORTED for two-label sources).

    The sources are the scorer's own (``config["sources"]``, minus the pairs it trained or was
    checked on) and ``extra`` ones it never saw; a pair sharing an ``NGRAM``-word sequence with
    ``contamination`` is left out.
    """
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
    wanted = None if config.get("sources") is None else {*config["sources"], *extra}
    for path in sorted(data_dir.glob("*.jsonl")):
        if wanted is not None and path.stem not in wanted:
            continue
        pairs = [
            replace(p, hypothesis=" ".join(p.hypothesis.split()))
            for p in read_pairs(path)
            if " ".join(p.hypothesis.split()) not in seen
            and not contaminated(p, contamination)
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


def _or_half(value: float | None) -> float:
    """An AUROC, or 0.5 where a source has one label only (no AUROC)."""
    return 0.5 if value is None else float(value)


def out_of_fold(x: np.ndarray, labels: np.ndarray, sources: list[str], l2: float) -> np.ndarray:
    """Each source's fused probabilities from a regression fitted on the other sources."""
    probs = np.zeros((len(labels), 3))
    for held in sorted(set(sources)):
        train = np.asarray([s != held for s in sources])
        fusion = fit_fusion(
            x[train], list(labels[train]), l2=l2,
            sample_weight=list(_weights([s for s in sources if s != held], labels[train])),
        )  # fmt: skip
        probs[~train] = fusion.probabilities(x[~train])
    return probs


def cross_validate(
    x: np.ndarray,
    labels: np.ndarray,
    sources: list[str],
    anchor_weights: Sequence[float] = ANCHOR_GRID,
    against: AnchorForm = "unsupported",
) -> tuple[dict[str, Any], dict[float, np.ndarray]]:
    """Leave-one-source-out AUROC per (L2, anchor weight), beside word overlap alone.

    ``floor`` is the worst source's fused AUROC minus its word-overlap AUROC. Also returns the
    out-of-fold probabilities per L2 (to calibrate the chosen anchor on). ``against`` is the
    anchor's form, by default the CLI's (``--anchor-against``): unsupported only.
    """
    names = sorted(set(sources))
    by_source = {n: np.asarray([s == n for s in sources]) for n in names}
    positive = labels == 0
    share = x[:, CONTEXT_OVERLAP]
    lexical = {n: _or_half(auroc(list(share[m]), list(positive[m]))) for n, m in by_source.items()}
    table: dict[str, Any] = {}
    folds: dict[float, np.ndarray] = {}
    for l2 in L2_GRID:
        folds[l2] = out_of_fold(x, labels, sources, l2)
        for weight in anchor_weights:
            # Uncalibrated; the ranking within a source is what AUROC reads.
            raw = anchor_score(folds[l2], share, weight, against)
            score = anchor_support(folds[l2], raw, against)
            per = {
                n: {
                    "auroc": _or_half(auroc(list(score[m]), list(positive[m]))),
                    "overlap_auroc": lexical[n],
                    "n": int(m.sum()),
                }
                for n, m in by_source.items()
            }
            table[f"{l2}/{weight}"] = {
                "l2": l2,
                "anchor_weight": weight,
                "mean_auroc": float(np.mean([v["auroc"] for v in per.values()])),
                "floor": float(min(v["auroc"] - v["overlap_auroc"] for v in per.values())),
                "per": per,
            }
    return table, folds


def choose(table: dict[str, Any]) -> str:
    """The key of the setting with the best mean AUROC plus worst-source margin over overlap.

    Only settings whose margin (``floor``) is not negative compete; when none is, the one of
    highest floor. Counting the margin as well as the mean prefers, of two settings about as
    good on average, the one that stays further above word overlap on its worst left-out
    source: a single source's AUROC is known to a few hundredths only.
    """
    above = [k for k, v in table.items() if v["floor"] >= 0.0]
    if above:
        return max(above, key=lambda k: (table[k]["mean_auroc"] + table[k]["floor"], k))
    return max(table, key=lambda k: table[k]["floor"])


THRESHOLD_GRID = tuple(round(0.30 + 0.05 * k, 2) for k in range(13))
"""Support thresholds cross-validation chooses among: 0.30, 0.35, ..., 0.90."""


def supported_by(probs: np.ndarray, threshold: float | None) -> np.ndarray:
    """Which rows :meth:`Fusion.label` labels supported (likeliest, and at least ``threshold``)."""
    out: np.ndarray = fused_labels(probs, threshold) == 0
    return out


def choose_threshold(
    probs: np.ndarray, labels: np.ndarray, sources: list[str]
) -> tuple[float, dict[str, Any]]:
    """The support threshold of best mean plus worst left-out-source balanced accuracy.

    ``probs`` are out-of-fold (calibrated) probabilities, so each source's balanced accuracy is
    that of a fusion that never saw it. Ties go to the lower threshold (the smaller change).
    """
    positive = labels == 0
    names = np.asarray(sources)
    masks = {n: names == n for n in sorted(set(sources))}
    table: dict[str, Any] = {}
    for threshold in THRESHOLD_GRID:
        predicted = supported_by(probs, threshold)
        per = {
            n: balanced_accuracy([str(v) for v in positive[m]], [str(v) for v in predicted[m]])
            for n, m in masks.items()
        }
        table[f"{threshold:.2f}"] = {
            "mean_balanced_accuracy": float(np.mean(list(per.values()))),
            "worst_balanced_accuracy": float(min(per.values())),
            "per": per,
        }
    best = max(
        THRESHOLD_GRID,
        key=lambda t: (
            round(table[f"{t:.2f}"]["mean_balanced_accuracy"]
                  + table[f"{t:.2f}"]["worst_balanced_accuracy"], 12),
            -t,
        ),
    )  # fmt: skip
    return best, table


def support_threshold_arg(value: str) -> str | float:
    """``--support-threshold``: ``cv`` (the cross-validated one) or a number in [0, 1]."""
    if value == "cv":
        return value
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not 0.0 <= number <= 1.0:
        raise argparse.ArgumentTypeError(f"{value!r} is not cv or a number in [0, 1]")
    return number


def main(argv: list[str] | None = None) -> None:
    """Fit on unseen pairs of the training sources and write the fusion into the record."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--weights", type=Path, default=None)
    parser.add_argument("--per-source", type=int, default=250)
    parser.add_argument(
        "--add-source", action="append", default=[], metavar="NAME",
        help="a source of --data the scorer never trained on (all its pairs are unseen)",
    )  # fmt: skip
    parser.add_argument(
        "--decontaminate", type=Path, nargs="*", default=[],
        help="held-out JSONL files: pairs sharing a 13-word sequence with their contexts "
        "are left out",
    )  # fmt: skip
    parser.add_argument(
        "--anchor-weight", type=float, nargs="+", default=list(ANCHOR_GRID), metavar="W",
        help="the anchor weights cross-validation chooses among (one value fixes it)",
    )  # fmt: skip
    parser.add_argument(
        "--anchor-against", choices=("unsupported", "rest"), default="unsupported",
        help="the anchor moves supported against unsupported only, keeping P(contradicted) "
        "(default), or against both other labels (the first form)",
    )  # fmt: skip
    parser.add_argument(
        "--base-features", action="store_true",
        help="fit without the length features (context and claim length and their products), "
        "as the fusions shipped before amendment 4 of docs/verifier-selection.md",
    )  # fmt: skip
    parser.add_argument(
        "--support-threshold", type=support_threshold_arg, default=None, metavar="T|cv",
        help="a support threshold for the label: a number, or cv for the one of best mean plus "
        "worst left-out-source balanced accuracy (default: none, the likeliest label; "
        "amendment 8 of docs/verifier-selection.md)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    started = time.perf_counter()
    scorer = OfflineScorer(args.weights)
    meta = scorer.meta()
    contamination = contamination_of(args.decontaminate) or None
    extra = sorted(set(args.add_source))
    items = fusion_items(
        args.data, meta.get("config", {}), args.per_source, extra=extra,
        contamination=contamination,
    )  # fmt: skip
    verifier = Verifier(scorer, thresholds=None)
    verifier.fusion = None
    x = _features(verifier, items)
    if args.base_features:
        x = x[:, :LENGTH_FEATURES]
    labels = np.asarray([label for _, label in items])
    sources = [pair.source for pair, _ in items]
    table, folds = cross_validate(x, labels, sources, args.anchor_weight, args.anchor_against)
    best = choose(table)
    chosen = table[best]
    l2, weight = float(chosen["l2"]), float(chosen["anchor_weight"])
    share = x[:, CONTEXT_OVERLAP]
    weights = _weights(sources, labels)
    against: AnchorForm = args.anchor_against
    scale, bias = fit_anchor(
        anchor_score(folds[l2], share, weight, against), labels == 0, weights,
        cap=anchor_cap(folds[l2], against),
    )  # fmt: skip
    anchor = Anchor(weight=weight, scale=scale, bias=bias, against=against)
    calibrated = anchored(folds[l2], share, anchor)
    cv_threshold, by_threshold = choose_threshold(calibrated, labels, sources)
    given: str | float | None = args.support_threshold
    threshold = cv_threshold if given == "cv" else None if given is None else float(given)
    predicted = [LABELS[int(i)] for i in fused_labels(calibrated, threshold)]
    # Balanced accuracy per left-out source, with the anchor calibrated on every source's
    # out-of-fold scores (its own included: the AUROCs above are not affected by calibration).
    for name, row in chosen["per"].items():
        rows = [i for i, s in enumerate(sources) if s == name]
        row["balanced_accuracy"] = _binary_scores(
            calibrated[rows, 0], [predicted[i] for i in rows], labels[rows]
        )["balanced_accuracy"]
    chosen["mean_balanced_accuracy"] = float(
        np.mean([v["balanced_accuracy"] for v in chosen["per"].values()])
    )
    fusion = fit_fusion(
        x, list(labels), l2=l2, sample_weight=list(weights),
        fitted_on="unseen pairs of the training sources; L2 and anchor weight by "
        "leave-one-source-out cross-validation, anchor calibrated on out-of-fold scores",
    ).model_copy(update={"anchor": anchor, "support_threshold": threshold})  # fmt: skip
    meta["fusion"] = fusion.model_dump()
    meta["fusion_cv"] = {
        "chosen": best,
        "rule": "best mean AUROC + worst-source margin over word overlap, among (L2, anchor "
        "weight) whose fused AUROC is at or above word overlap's on every left-out source",
        "n_items": len(items),
        "sources": sorted(set(sources)),
        "added_sources": extra,
        "decontaminated_against": [p.name for p in args.decontaminate],
        "anchor_weights": list(args.anchor_weight),
        "anchor_against": against,
        "by_setting": {k: {f: v[f] for f in ("mean_auroc", "floor")} for k, v in table.items()},
        "chosen_per_source": chosen["per"],
        "support_threshold": threshold,
        "support_threshold_cv": cv_threshold,
        "by_support_threshold": {
            k: {f: v[f] for f in ("mean_balanced_accuracy", "worst_balanced_accuracy")}
            for k, v in by_threshold.items()
        },
    }
    path = scorer.weights_path.with_suffix(".json")
    write_text_atomic(path, json.dumps(meta, indent=2) + "\n")
    mean_ba = chosen["mean_balanced_accuracy"]
    print(
        f"fitted the fusion on {len(items)} items of {len(set(sources))} sources in "
        f"{time.perf_counter() - started:.0f}s (L2 {l2}, anchor weight {weight}: "
        f"leave-one-source-out AUROC {chosen['mean_auroc']:.3f}, balanced accuracy "
        f"{mean_ba:.3f} with support threshold {threshold} (cv: {cv_threshold}), worst source "
        f"vs word overlap {chosen['floor']:+.3f}); wrote {path}",
        file=sys.stderr,
    )
    for source, row in sorted(chosen["per"].items()):
        print(f"  {source:20s} n={row['n']:4d} fused AUROC {row['auroc']:.3f} "
              f"BA {row['balanced_accuracy']:.3f}  overlap AUROC {row['overlap_auroc']:.3f}",
              file=sys.stderr)  # fmt: skip


if __name__ == "__main__":
    main()
