"""Robustness probe: the verifier's AUROC on the selection sets with every claim lower-cased.

``python bench/verifier_lowercase_probe.py [--cache FILE] [--results NAME]``. A verdict should not
hinge on the casing of the text checked (a system may lower-case its output). For each selection
set of ``verifier_validity.py``, the AUROC of "supported" with the claims as they are and
lower-cased, through ``verify_texts`` as ``evalstage generation verify`` runs it. Written for
amendment 5 of docs/verifier-selection.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from _common import write_results
from verifier_validity import HELDOUT, SELECTION, load_set

from evalstage.generation_eval.verifier import VerifierSpec, build_verifier
from evalstage.generation_eval.verifier._cache import PairCache
from evalstage.generation_eval.verifier._files import verify_texts
from evalstage.generation_eval.verifier._metrics import auroc


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--heldout", type=Path, default=HELDOUT)
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument("--results", default="verifier_lowercase_probe")
    args = parser.parse_args()
    verifier = build_verifier(
        VerifierSpec(), cache=False if args.cache is None else PairCache(args.cache)
    )
    results = {}
    for name in SELECTION:
        items = load_set(name, args.heldout)
        positive = [i["label"] == "supported" for i in items]
        row = {}
        for form, change in (("as_is", str), ("lower_cased", str.lower)):
            checked = verify_texts(
                verifier, [(change(i["claim"]), i["context"], i.get("question")) for i in items]
            )
            row[form] = auroc([verdict.support for verdict, _ in checked], positive)
        results[name] = row
        print(f"{name}: as is {row['as_is']:.4f}, lower-cased {row['lower_cased']:.4f}",
              file=sys.stderr)  # fmt: skip
    write_results(args.results, {"verifier": verifier.describe(), "sets": results})
    return 0


if __name__ == "__main__":
    sys.exit(main())
