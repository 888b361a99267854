"""Choose between candidate verifier weights on the selection sets only.

``python bench/verifier_select.py BASELINES.json CANDIDATE.json ...``: each file is a
``bench/results`` file of ``verifier_validity.py`` (``BASELINES`` with the baselines, the
candidates' possibly ``--skip-baselines``), all on the same ``--sets``. Per candidate and
selection set (``verifier_validity.SELECTION``), the margin is its AUROC minus the better of
word overlap and MiniLM cosine; the candidate of highest worst-set margin wins, and of
candidates within 0.005 of that, the one of highest mean margin. Held-out sets are not read.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from verifier_validity import SELECTION

TIE = 0.005


def margins(baselines: dict[str, Any], candidate: dict[str, Any]) -> dict[str, float]:
    """Per selection set: the candidate's AUROC minus the better baseline's."""
    out = {}
    for name in SELECTION:
        base = baselines["sets"][name]
        best = max(base["word_overlap"]["auroc"], base["minilm_cosine"]["auroc"])
        out[name] = candidate["sets"][name]["verifier"]["auroc"] - best
    return out


def choose(table: dict[str, dict[str, float]]) -> str:
    """The rule above over ``{candidate: {set: margin}}``."""
    worst = {name: min(row.values()) for name, row in table.items()}
    top = max(worst.values())
    near = [name for name in table if worst[name] >= top - TIE]
    return max(near, key=lambda name: (sum(table[name].values()) / len(table[name]), name))


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    read = [json.loads(Path(p).read_text(encoding="utf-8")) for p in argv]
    table = {path: margins(read[0], data) for path, data in zip(argv[1:], read[1:], strict=True)}
    for path, row in table.items():
        cells = "  ".join(f"{name} {value:+.3f}" for name, value in row.items())
        print(f"{path}: worst {min(row.values()):+.3f}  {cells}")
    print(f"chosen: {choose(table)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
