"""Fit the offline verifier's fusion on DEV: ``python -m generation_eval.verifier.fusion``.

Scores every DEV claim against its cited abstract with the trained scorer, builds the
:data:`~generation_eval.verifier._fusion.FEATURES` row of each, fits the multinomial logistic
regression (balanced classes, L2 fixed at 1.0) and stores it in the weights' JSON record under
``fusion``. TEST is never read. Deterministic: the same weights and data give the same fit.
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np

from evalcore.files import write_text_atomic
from generation_eval.verifier._fusion import fit_fusion, window_features
from generation_eval.verifier._offline import OfflineScorer
from generation_eval.verifier._protocol import LABELS
from generation_eval.verifier._scifact import claim_items, load_claims, load_corpus, split_claims
from generation_eval.verifier._windows import select_windows
from generation_eval.verifier.train import DEFAULT_CORPUS, TOP_M


def main() -> None:
    """Fit on DEV and write the fusion into the weights record."""
    started = time.perf_counter()
    scorer = OfflineScorer()
    meta = scorer.meta()
    seed = int(meta.get("config", {}).get("seed", 13))
    items = claim_items(split_claims(load_claims(), seed=seed)["dev"], load_corpus(DEFAULT_CORPUS))
    windows = [select_windows(i.claim, [i.abstract], TOP_M) for i in items]
    probs = scorer.score_pairs(
        [(w.text, i.claim) for i, ws in zip(items, windows, strict=True) for w in ws]
    )
    rows, row = [], 0
    for item, ws in zip(items, windows, strict=True):
        block = probs[row : row + len(ws)]
        row += len(ws)
        rows.append(window_features(item.claim, [w.text for w in ws], block)[0])
    labels = [LABELS.index(i.label) for i in items]
    fusion = fit_fusion(np.stack(rows), labels, l2=1.0)
    meta["fusion"] = fusion.model_dump()
    path = scorer.weights_path.with_suffix(".json")
    write_text_atomic(path, json.dumps(meta, indent=2) + "\n")
    print(
        f"fitted the fusion on {len(items)} DEV claims in {time.perf_counter() - started:.0f}s; "
        f"wrote {path}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
