"""Robustness probe: the verifier's AUROC on the selection sets with every claim lower-cased.

``python bench/verifier_lowercase_probe.py [--cache FILE] [--results NAME]``. A verdict should not
hinge on the casing or tokenisation of the text checked (a system may lower-case its output;
summarisation systems trained on CNN/DailyMail write tokenised, lower-cased text: "on friday .
locke replaced ..."). For each selection set of ``verifier_validity.py``, the AUROC of
"supported" with the claims as they are, lower-cased, and tokenised (:func:`tokenised`), through
``verify_texts`` as ``evalstage generation verify`` runs it. Written for amendments 5 and 6 of
docs/verifier-selection.md.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from _common import write_results
from verifier_validity import HELDOUT, SELECTION, load_set

from evalstage.generation_eval.verifier import VerifierSpec, build_verifier
from evalstage.generation_eval.verifier._cache import PairCache
from evalstage.generation_eval.verifier._files import verify_texts
from evalstage.generation_eval.verifier._metrics import auroc


def tokenised(text: str) -> str:
    """``text`` lower-cased and split as CNN/DailyMail's tokeniser does.

    Final ``. , ! ? ; :`` and the clitics ``'s`` and ``n't`` become words of their own
    ("Smith's car didn't stop." -> "smith 's car did n't stop .").
    """
    out = re.sub(r"(\w)(n't)\b", r"\1 \2", text.lower())
    out = re.sub(r"(\w)('s)\b", r"\1 \2", out)
    return re.sub(r"(?<=[\w'\")\]])([.,!?;:]+)(?=\s|$)", r" \1", out)


FORMS = (("as_is", str), ("lower_cased", str.lower), ("tokenised", tokenised))


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
        for form, change in FORMS:
            checked = verify_texts(
                verifier, [(change(i["claim"]), i["context"], i.get("question")) for i in items]
            )
            row[form] = auroc([verdict.support for verdict, _ in checked], positive)
        results[name] = row
        print(f"{name}: " + ", ".join(f"{form} {row[form]:.4f}" for form, _ in FORMS),
              file=sys.stderr)  # fmt: skip
    write_results(args.results, {"verifier": verifier.describe(), "sets": results})
    return 0


if __name__ == "__main__":
    sys.exit(main())
