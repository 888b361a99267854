"""Check the hand-written RAG cases of the demo suite against the SciFact corpus.

Run from anywhere: ``python3 tests/_support/check_rag_cases.py [RAG_JSONL [CORPUS_JSONL_GZ]]``.
Standard library only (the project's ``RagCase`` model is also tried when importable). Exits 1 and
lists every problem when a check fails; prints per-category counts when all pass.
"""

from __future__ import annotations

import gzip
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CASES = ROOT / "suites" / "demo" / "rag.jsonl"
DEFAULT_CORPUS = ROOT / "suites" / "demo" / "corpus.jsonl.gz"

KEYS = [
    "case_id",
    "question",
    "answers",
    "gold_doc_ids",
    "gold_sentences",
    "context_doc_ids",
    "expect",
    "category",
    "canary",
    "tags",
    "note",
]
CATEGORIES = {"number", "entity", "yes_no", "multi_doc", "abstain", "conflict", "date_time"}
MINIMUMS = {"number": 18, "entity": 14, "yes_no": 10, "multi_doc": 8, "abstain": 6, "conflict": 3}
MIN_TOTAL = 64
CANARIES = 3
EXPECT_FOR = {"abstain": "abstain", "conflict": "flag_conflict"}  # every other category: answer


def load_corpus(path: Path) -> dict[str, dict]:
    docs: dict[str, dict] = {}
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            docs[str(d["doc_id"])] = d
    return docs


def check_case(c: dict, docs: dict[str, dict], where: str) -> list[str]:
    errs: list[str] = []

    def err(msg: str) -> None:
        errs.append(f"{where} {c.get('case_id', '?')}: {msg}")

    if list(c) != KEYS:
        err(f"keys must be exactly, in order, {KEYS}; got {list(c)}")
    for k in ("case_id", "question", "note", "expect", "category"):
        if not isinstance(c.get(k), str) or not c.get(k, "").strip():
            err(f"'{k}' must be a non-empty string")
    for k in ("answers", "gold_doc_ids", "context_doc_ids", "tags"):
        if not isinstance(c.get(k), list) or not all(isinstance(x, str) for x in c.get(k, [])):
            err(f"'{k}' must be a list of strings")
    if not isinstance(c.get("gold_sentences"), dict):
        err("'gold_sentences' must be an object")
    if not isinstance(c.get("canary"), bool):
        err("'canary' must be true or false")
    if errs:
        return errs

    cat, expect = c["category"], c["expect"]
    answers, gold, ctx, gs = (
        c["answers"],
        c["gold_doc_ids"],
        c["context_doc_ids"],
        c["gold_sentences"],
    )
    if cat not in CATEGORIES:
        err(f"unknown category {cat!r}")
    if expect != EXPECT_FOR.get(cat, "answer"):
        err(f"category {cat!r} needs expect {EXPECT_FOR.get(cat, 'answer')!r}, got {expect!r}")
    if any(not a.strip() for a in answers):
        err("empty answer alias")
    if len(set(a.lower() for a in answers)) != len(answers):
        err("duplicate answer aliases")
    if len(set(gold)) != len(gold) or len(set(ctx)) != len(ctx):
        err("duplicate doc ids")
    for d in gold + ctx:
        if d not in docs:
            err(f"doc {d!r} is not in the corpus")
    if set(gold) & set(ctx):
        err(f"docs both gold and context: {sorted(set(gold) & set(ctx))}")
    if set(gs) - set(gold):
        err(f"gold_sentences names docs not in gold_doc_ids: {sorted(set(gs) - set(gold))}")
    if errs:
        return errs

    # sentence indices
    listed: list[str] = []
    for d, idx in gs.items():
        n = len(docs[d]["sentences"])
        if not idx or not all(isinstance(i, int) and not isinstance(i, bool) for i in idx):
            err(f"gold_sentences[{d}] must be a non-empty list of integers")
            continue
        if len(set(idx)) != len(idx):
            err(f"gold_sentences[{d}] repeats an index")
        bad = [i for i in idx if not 0 <= i < n]
        if bad:
            err(f"gold_sentences[{d}] indices {bad} out of range (doc has {n} sentences)")
            continue
        listed.extend(docs[d]["sentences"][i] for i in idx)

    if expect == "answer":
        if not answers:
            err("answer case without answers")
        if not gold:
            err("answer case without gold_doc_ids")
        if set(gs) != set(gold):
            err(f"every gold doc needs gold_sentences; missing {sorted(set(gold) - set(gs))}")
        if cat == "multi_doc" and len(gold) < 2:
            err("multi_doc case needs two or more gold docs")
        if len(ctx) > 3:
            err("more than 3 context docs on an answer case")
        if cat == "yes_no":
            if answers not in (["yes"], ["no"]):
                err(f"yes_no answers must be ['yes'] or ['no'], got {answers}")
        elif answers:
            first = answers[0].lower()
            if not any(first in (docs[d]["text"]).lower() for d in gold):
                err(f"first alias {answers[0]!r} does not appear verbatim in any gold doc text")
            if not any(first in s.lower() for s in listed):
                err(f"first alias {answers[0]!r} is not in any listed gold sentence")
    elif expect == "abstain":
        if answers or gold or gs:
            err("abstain case must have empty answers, gold_doc_ids and gold_sentences")
        if not 1 <= len(ctx) <= 3:
            err(f"abstain case needs 1-3 context docs, has {len(ctx)}")
    elif expect == "flag_conflict":
        if len(gold) < 2:
            err("flag_conflict case needs two or more gold docs")
        if set(gs) != set(gold):
            err("flag_conflict case needs gold_sentences for every gold doc")
    if c["canary"] and expect != "answer":
        err("a canary must be an answer case")
    return errs


def try_model(cases: list[dict]) -> list[str]:
    """Validate with the project's pydantic model when the package and its deps import."""
    import importlib.util

    sys.path.insert(0, str(ROOT))
    try:  # load the module file itself, not the package (its __init__ may pull in more)
        spec = importlib.util.spec_from_file_location(
            "_check_rag_cases_model", ROOT / "generation_eval" / "_cases.py"
        )
        module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        sys.modules[spec.name] = module  # type: ignore[union-attr]
        spec.loader.exec_module(module)  # type: ignore[union-attr]
        RagCase = module.RagCase
    except Exception as exc:
        print(f"note: RagCase model not importable ({type(exc).__name__}); skipped model check")
        return []
    errs = []
    for c in cases:
        try:
            RagCase.model_validate(c)
        except Exception as exc:
            errs.append(f"{c.get('case_id')}: RagCase rejects it: {exc}")
    return errs


def main(argv: list[str]) -> int:
    cases_path = Path(argv[1]) if len(argv) > 1 else DEFAULT_CASES
    corpus_path = Path(argv[2]) if len(argv) > 2 else DEFAULT_CORPUS
    docs = load_corpus(corpus_path)
    errors: list[str] = []
    cases: list[dict] = []
    raw = cases_path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        print(f"{cases_path}: not UTF-8 ({exc})")
        return 1
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            errors.append(f"line {n}: blank line")
            continue
        try:
            c = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(f"line {n}: invalid JSON ({exc})")
            continue
        if not isinstance(c, dict):
            errors.append(f"line {n}: not a JSON object")
            continue
        cases.append(c)
        errors.extend(check_case(c, docs, f"line {n}"))

    ids = [c.get("case_id") for c in cases]
    dup = [i for i, k in Counter(ids).items() if k > 1]
    if dup:
        errors.append(f"duplicate case_id: {dup}")
    expected_ids = [f"rag-{i:03d}" for i in range(1, len(cases) + 1)]
    if ids != expected_ids:
        errors.append("case_ids must run rag-001, rag-002, ... in file order")
    if len(cases) < MIN_TOTAL:
        errors.append(f"{len(cases)} cases; need at least {MIN_TOTAL}")
    cats = Counter(c.get("category") for c in cases)
    for cat, need in MINIMUMS.items():
        if cats[cat] < need:
            errors.append(f"category {cat}: {cats[cat]} cases, need at least {need}")
    canaries = [c.get("case_id") for c in cases if c.get("canary") is True]
    if len(canaries) != CANARIES:
        errors.append(f"exactly {CANARIES} canaries needed, found {len(canaries)}: {canaries}")
    yn = Counter(
        c["answers"][0] for c in cases if c.get("category") == "yes_no" and c.get("answers")
    )
    if cats["yes_no"] and min(yn["yes"], yn["no"]) < cats["yes_no"] // 3:
        errors.append(f"yes_no answers unbalanced: {dict(yn)}")
    questions = Counter(c.get("question", "").strip().lower() for c in cases)
    if any(k > 1 for k in questions.values()):
        errors.append("duplicate questions")
    errors.extend(try_model(cases))

    if errors:
        print(f"{cases_path}: {len(errors)} problem(s)")
        for e in errors:
            print("  " + e)
        return 1
    print(f"{cases_path}: {len(cases)} cases OK")
    for cat in sorted(cats):
        ids_ = [c["case_id"] for c in cases if c["category"] == cat]
        print(f"  {cat:10s} {cats[cat]:3d}  {' '.join(ids_)}")
    print(f"  canaries: {', '.join(canaries)}; yes/no: {dict(yn)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
