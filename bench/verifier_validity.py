"""Validity of the offline verifier on held-out and selection sets, beside simple baselines.

``python bench/verifier_validity.py [--heldout DIR]``. From ``DIR`` (default
``$EVALSTAGE_HELDOUT`` or ``/work/data/heldout``; ``bench/verifier_data/README.md`` says how each
file is made from its public source), held out (never used to train, tune or choose anything):
open-domain QA (HaluEval QA: right vs hallucinated answers, with the question; HAGRID: cited
answers vs Wikipedia quotes, with the question), generative search (answers of search engines vs
the pages they cite), legal (ContractNLI hypotheses vs the agreement), summarisation (XSumFaith,
FIB and FRANK summaries against the article) and dialogue (Q² and DialFact responses against their
knowledge). Selection sets (:data:`SELECTION`, which ``verifier_select.py`` chooses models on):
science (every labelled SciFact training claim against its whole cited abstract, from the
shipped claims and the demo corpus), summarisation (QAGS sentences), dialogue (BEGIN) and the
meaning-changed SciFact probe.

Each item goes through ``Verifier.verify`` as ``evalstage generation verify`` would (the question
where the set has one). Baselines on the same items: content-word overlap of the claim with all
its context, and the best MiniLM cosine between the claim and a context window. AUROC is for
"supported" against the rest; balanced accuracy (supported vs not) uses the verifier's label,
while each baseline gets its best threshold on the set itself (an oracle advantage the verifier
does not get). 95 % CIs: 1,000 paired bootstrap resamples.

``--verifier nli|llm --verifier-args JSON`` measures another backend on the same items, exactly
as ``evalstage generation verify --verifier ... --verifier-args ...`` would run it (an NLI model
from a local path, an OpenAI-compatible endpoint). An item the backend could not judge (its
request failed for good) is left out of every method's figures for that set, so the comparison
stays paired, and counted in ``not_judged``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from _common import ROOT, load_corpus, markdown_table, write_results

from evalstage.evalcore.errors import SuiteError
from evalstage.evalcore.redact import redact_text
from evalstage.generation_eval.verifier import VerifierSpec, build_verifier
from evalstage.generation_eval.verifier._cache import PairCache
from evalstage.generation_eval.verifier._files import verify_texts
from evalstage.generation_eval.verifier._metrics import auroc, balanced_accuracy
from evalstage.generation_eval.verifier._windows import lexical_overlap, select_windows

N_BOOT = 1000
HELDOUT = Path(os.environ.get("EVALSTAGE_HELDOUT", "/work/data/heldout"))
"""Where the held-out and selection files are (``build_heldout.py --out``)."""
SETS = {
    "halueval_qa": ("open-domain QA", "HaluEval QA answers (with question)"),
    "xsum_faith": ("summarisation", "XSumFaith summaries vs article"),
    "q2": ("dialogue", "Q² WoW responses vs knowledge"),
    "dialfact": ("dialogue", "DialFact responses vs Wikipedia evidence"),
    "hagrid": ("open-domain QA", "HAGRID cited answers vs Wikipedia quotes (with question)"),
    "gensearch": ("generative search", "Generative search engines' answers vs cited pages"),
    "contract_nli": ("legal", "ContractNLI hypotheses vs non-disclosure agreement"),
    "fib": ("summarisation", "FIB news summaries vs article (XSum, CNN/DM)"),
    "frank": ("summarisation", "FRANK CNN/DM system summaries vs article"),
    "scifact": ("science", "SciFact claims vs cited abstract"),
    "qags": ("summarisation", "QAGS summary sentences vs article"),
    "begin": ("dialogue", "BEGIN responses vs knowledge"),
    "scifact_changed": ("science, meaning changed", "SciFact supported claims and changed copies"),
}
SELECTION = ("scifact", "qags", "begin", "scifact_changed")
"""Sets that earlier choices between models were made on (docs/verifier-selection.md):
reported, but not as held-out. The others are held out (HaluEval's caveat is in that file)."""


def scifact_items() -> list[dict[str, Any]]:
    """Every labelled SciFact training claim against each cited abstract of the demo corpus."""
    corpus = {doc.doc_id: doc.text for doc in load_corpus()}
    path = ROOT / "bench" / "data" / "scifact_claims_train.jsonl"
    items = []
    for line in path.read_text(encoding="utf-8").splitlines():
        claim = json.loads(line)
        for doc in claim.get("cited_doc_ids", []):
            text = corpus.get(str(doc))
            if not text:
                continue
            sets = claim.get("evidence", {}).get(str(doc), [])
            label = {"SUPPORT": "supported", "CONTRADICT": "contradicted"}.get(
                sets[0]["label"] if sets else "", "unsupported"
            )
            items.append({"id": f"{claim['id']}-{doc}", "claim": claim["claim"],
                          "context": [text], "label": label})  # fmt: skip
    return items


def changed_items() -> list[dict[str, Any]]:
    """Each supported SciFact claim (vs its abstract) and one changed copy of it, seed 0.

    The copy has a negation toggled, a direction word swapped or a number changed
    (contradicted), or a name or term swapped in from another abstract (unsupported): the
    same families of change as the training's synthetic pairs, on claims it never saw. Word
    overlap barely moves under such changes; meaning does.
    """
    import random

    from evalstage.generation_eval.verifier._augment import perturb, swap_entity

    rng = random.Random(0)
    supported = [i for i in scifact_items() if i["label"] == "supported"]
    items: list[dict[str, Any]] = []
    for index, item in enumerate(supported):
        if index % 4 == 3:
            donor = supported[(index * 7 + 1) % len(supported)]["context"][0]
            changed, label = swap_entity(item["claim"], [donor], rng), "unsupported"
        else:
            moved = perturb(item["claim"], rng)
            changed, label = (moved[0] if moved else None), "contradicted"
        if changed and changed != item["claim"]:
            items.append(item)
            items.append({**item, "id": f"{item['id']}-changed", "claim": changed, "label": label})
    return items


def load_set(name: str, heldout: Path) -> list[dict[str, Any]]:
    if name == "scifact":
        return scifact_items()
    if name == "scifact_changed":
        return changed_items()
    path = heldout / f"{name}.jsonl"
    with path.open(encoding="utf-8") as handle:  # lines end at \n only (not at U+2028)
        rows = [json.loads(line) for line in handle if line.strip()]
    for row in rows:
        if isinstance(row["context"], str):
            row["context"] = [row["context"]]
    return rows


def oracle_balanced_accuracy(scores: Sequence[float], positive: Sequence[bool]) -> float:
    """Best balanced accuracy of ``score >= t`` over every threshold t (an oracle)."""
    values = np.asarray(scores)
    labels = np.asarray(positive)
    best = 0.0
    for t in np.unique(values):
        predicted = values >= t
        tpr = (predicted & labels).sum() / max(labels.sum(), 1)
        tnr = (~predicted & ~labels).sum() / max((~labels).sum(), 1)
        best = max(best, float((tpr + tnr) / 2))
    return best


def figures(
    support: Sequence[float], predicted: Sequence[str] | None, gold: Sequence[str]
) -> dict[str, float | None]:
    positive = [g == "supported" for g in gold]
    out: dict[str, float | None] = {"auroc": auroc(support, positive)}
    if predicted is None:
        out["balanced_accuracy"] = oracle_balanced_accuracy(support, positive)
    else:
        out["balanced_accuracy"] = balanced_accuracy(
            [str(p) for p in positive], [str(p == "supported") for p in predicted]
        )
        if "contradicted" in gold:
            out["balanced_accuracy_3way"] = balanced_accuracy(gold, predicted)
    return out


def with_ci(
    support: Sequence[float], predicted: Sequence[str] | None, gold: Sequence[str]
) -> dict[str, Any]:
    rng = np.random.default_rng(0)
    point = figures(support, predicted, gold)
    samples: dict[str, list[float]] = {k: [] for k in point}
    n = len(gold)
    for _ in range(N_BOOT):
        idx = rng.integers(0, n, n)
        f = figures([support[i] for i in idx],
                    None if predicted is None else [predicted[i] for i in idx],
                    [gold[i] for i in idx])  # fmt: skip
        for key, value in f.items():
            if value is not None and key in samples:
                samples[key].append(value)
    return {
        **point,
        "ci95": {
            k: [float(np.quantile(v, 0.025)), float(np.quantile(v, 0.975))]
            for k, v in samples.items()
            if v
        },
    }


def overlap_scores(items: Sequence[dict[str, Any]]) -> list[float]:
    """Content-word overlap of each claim with all its context."""
    return [lexical_overlap(i["claim"], " ".join(i["context"])) for i in items]


def cosine_scores(embedder: Any, items: Sequence[dict[str, Any]]) -> list[float]:
    """The best MiniLM cosine between each claim and one of its context windows."""
    cosine = []
    for item in items:
        windows = [w.text for w in select_windows(item["claim"], item["context"], 8)]
        vectors = embedder.encode([item["claim"], *windows], normalize_embeddings=True)
        cosine.append(float(np.max(vectors[1:] @ vectors[0])) if windows else 0.0)
    return cosine


def backend_spec(name: str, args_json: str | None, weights: Path | None) -> VerifierSpec:
    """The spec of the backend to measure (``--weights`` is the offline backend's)."""
    args: Any = {} if args_json is None else json.loads(args_json)
    if not isinstance(args, dict):
        raise ValueError(f"--verifier-args must be a JSON object, not {args_json!r}")
    if weights is not None:
        if name != "offline":
            raise ValueError("--weights is the offline verifier's; use --verifier-args for " + name)
        args["weights"] = str(weights)
    return VerifierSpec.model_validate({"name": name, "args": args})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--heldout", type=Path, default=HELDOUT)
    parser.add_argument("--sets", nargs="*", default=list(SETS))
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument(
        "--weights", type=Path, default=None,
        help="offline weights to measure (default: the package's), their JSON beside them",
    )  # fmt: skip
    parser.add_argument(
        "--cache", type=Path, default=None,
        help="a pair cache file (reused across runs of the same weights); default: none",
    )  # fmt: skip
    parser.add_argument(
        "--verifier", choices=("offline", "nli", "llm"), default="offline",
        help="the backend to measure, as `evalstage generation verify --verifier` takes it",
    )  # fmt: skip
    parser.add_argument(
        "--verifier-args", default=None,
        help='its args as JSON: {"model": "/path/to/nli-model"} (nli), {"base_url": '
        '"http://127.0.0.1:8080/v1", "model": "m"} (llm)',
    )  # fmt: skip
    parser.add_argument("--results", default="verifier_validity", help="bench/results/NAME.json")
    parser.add_argument("--out", type=Path, default=None, help="write the results here instead")
    parser.add_argument(
        "--skip-baselines", action="store_true",
        help="the verifier only (when comparing weights on sets whose baselines are known)",
    )  # fmt: skip
    args = parser.parse_args()
    try:
        spec = backend_spec(args.verifier, args.verifier_args, args.weights)
        verifier = build_verifier(
            spec, cache=False if args.cache is None else PairCache(args.cache)
        )
    except (SuiteError, ValueError) as exc:
        parser.error(redact_text(str(exc)))  # exit 2, no traceback
    from evalstage.evalcore.sentence_models import load_sentence_model

    # The cosine baseline's model, loaded only when baselines are measured.
    embedder = None if args.skip_baselines else load_sentence_model()
    results: dict[str, Any] = {}
    for name in args.sets:
        started = time.perf_counter()
        items = load_set(name, args.heldout)[: args.limit]
        gold = [i["label"] for i in items]
        checked = verify_texts(
            verifier, [(i["claim"], i["context"], i.get("question")) for i in items]
        )
        verify_seconds = time.perf_counter() - started
        judged = [k for k, (verdict, _) in enumerate(checked) if "error" not in verdict.checks]
        not_judged = len(items) - len(judged)
        if not_judged:
            print(f"{name}: {not_judged} items not judged (left out)", file=sys.stderr)
        if not judged:
            continue
        items = [items[k] for k in judged]
        combined = [checked[k][0] for k in judged]
        gold = [i["label"] for i in items]
        baselines: dict[str, Any] = {}
        if not args.skip_baselines:
            baselines = {
                "word_overlap": with_ci(overlap_scores(items), None, gold),
                "minilm_cosine": with_ci(cosine_scores(embedder, items), None, gold),
            }
        results[name] = {
            "domain": SETS[name][0],
            "what": SETS[name][1],
            "role": "selection" if name in SELECTION else "held-out",
            "n": len(items),
            "not_judged": not_judged,
            "labels": {g: gold.count(g) for g in sorted(set(gold))},
            "verify_seconds": round(verify_seconds, 1),
            "verifier": with_ci([v.support for v in combined], [v.label for v in combined], gold),
            **baselines,
        }
        print(f"{name}: {len(items)} items, verify {verify_seconds:.0f}s", file=sys.stderr)

    path = write_results(args.results, {
        "verifier": verifier.describe(), "bootstrap_resamples": N_BOOT, "sets": results,
    }, args.out)  # fmt: skip

    def cell(entry: dict[str, Any], key: str) -> str:
        value = entry.get(key)
        ci = entry.get("ci95", {}).get(key)
        return "n/a" if value is None else f"{value:.3f} [{ci[0]:.3f}, {ci[1]:.3f}]"

    rows = []
    for r in results.values():
        what = f"{r['what']} ({r['domain']}, n = {r['n']}, {r['role']})"
        for method in ("verifier", "word_overlap", "minilm_cosine"):
            if method not in r:
                continue
            entry = r[method]
            rows.append([what, method, cell(entry, "auroc"), cell(entry, "balanced_accuracy")])
    print(markdown_table(["held-out set", "method", "AUROC supported", "balanced acc."], rows))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
