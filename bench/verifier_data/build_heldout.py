"""Build the verifier's held-out evaluation sets (evaluation only: never train on these).

Makes twelve JSONL files in ``--out``, one object per line with ``id, context, claim,
[question], label, domain, source`` (+ the extra fields noted), labels ``supported`` /
``unsupported``; all sampling uses ``random.Random(0)``:

- ``halueval_qa.jsonl`` (1,000 lines): RUCAIBox/HaluEval @ b7253db3cdaa0ab2c382f92b26b390109174f77e,
  ``generation/qa/qa_one-turn_data.json`` (the released ``data/qa_data.json`` is over 4 MiB and
  absent from the snapshot). Each of the 500 items gives its right answer (supported) and its
  hallucinated answer (unsupported); ``question`` is set.
- ``qags.jsonl`` (953 lines): W4ngatang/qags @ 47798e9b63344e2d3fb4df2def6edc18e9402d30,
  ``data/mturk_{cnndm,xsum}.jsonl``. One line per summary sentence, labelled by the majority of
  the MTurk yes/no votes (ties dropped); extra field ``votes``.
- ``begin.jsonl`` (1,000 lines): google/BEGIN-dataset @ 6e65f0d5a1ed1b9574643a7640ff1678d4e979b5,
  ``{cmu-dog,topicalchat,wow}/begin_dev_*.tsv`` and ``wow/begin_test_wow.tsv``. "Fully
  attributable" -> supported, "Not fully attributable" -> unsupported, "Generic" dropped; 500 of
  each; extra fields ``dialogue_history`` and ``model``.
- ``q2``, ``dialfact``, ``xsum_faith``, ``hagrid``, ``gensearch``, ``contract_nli``, ``fib``,
  ``frank``, ``wice_test``: see README.md in this folder (sources, licences, label mapping).

Run::

    python bench/verifier_data/build_heldout.py --mirror DIR --out DIR

``--mirror`` holds one git copy per repository in a folder named ``owner+name``; its git
directory is ``owner+name/repo/.git``, ``owner+name/repo`` (a bare copy) or ``owner+name`` itself.
Files are read with ``git show <commit>:<path>``. README.md in this folder has the details.
"""

from __future__ import annotations

import argparse
import collections
import csv
import io
import json
import random
import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from convert_training_sources import SOURCES, WICE_LABELS, Snapshot, git_dir

HALUEVAL = ("RUCAIBox/HaluEval", "b7253db3cdaa0ab2c382f92b26b390109174f77e")
QAGS = ("W4ngatang/qags", "47798e9b63344e2d3fb4df2def6edc18e9402d30")
BEGIN = ("google/BEGIN-dataset", "6e65f0d5a1ed1b9574643a7640ff1678d4e979b5")
Q2 = ("orhonovich/q-squared", "cab6027dc9a50cf73d80caf0858da05c2323c433")
DIALFACT = ("salesforce/DialFact", "d400b250147e45c106b18e52254b1060f7c1575d")
XSUM_FAITH = ("violet-zct/fairseq-detect-hallucination", "be14c9f378f8b9c0447c3b3d080263966d157b8c")
ATTRIBUTION_BENCH = ("OSU-NLP-Group/AttributionBench", "b33329b29946b791649cf66d33e10b5a5bbdc44d")
CONTRACT_NLI = ("shu7bh/Contract-NLI", "e6f53de2c7b4e62dcca1c389861a81043fb162fa")
FIB = ("r-three/fib", "1d48ee2e52ac3f8ded69f4593db255ae2ba12200")
FIB_CORPORA = ("xsum", "cnn_dm")
FRANK = ("artidoro/frank", "80a88fb12cc0bfc17ff6ee2c5ebb0c4f4dd8a5f4")
FRANK_ARTICLES = ("artidoro/frank", "5860706bda0641136d10d27ead52c5f6ae79630e")
FRANK_ANNOTATIONS = "data/human_annotations.json"
FRANK_ARTICLE_DIR = "data/articles-wbertscore-json"
FRANK_SYSTEMS = ("bart", "bert_sum", "bus", "pgn", "s2s")
WICE_TEST_PATH = "code_and_resources/entailment_inputs/oracle_chunks/claim/test.jsonl"
WICE_NEIGHBOURS = ("wice", "factcheck_gpt")
"""The training sources whose text can meet WiCE test's (WiCE dev; Factcheck-GPT's web pages)."""
FIB_PATHS = {
    "xsum": tuple(
        f"multiple_choice-dataset/xsum/fib/binary_choice-using_{m}_distractors.jsonl"
        for m in (
            "bart-base",
            "bart-large",
            "bloom-560m",
            "distil-bart",
            "distil-pegasus",
            "pegasus",
            "t5-large",
        )
    ),
    "cnn_dm": tuple(
        f"multiple_choice-dataset/cnn_dm/fib/binary_choice-using_{m}_distractors.jsonl"
        for m in (
            "banditsumm",
            "bert_lstm_pn_rl",
            "heter_graph",
            "lead3",
            "matchsumm",
            "mi_unsup",
            "neusumm",
            "oracle_disco",
            "oracle",
            "pacsum_bert",
            "pacsum_tfidf",
            "refresh",
            "rnn_ext_rl",
            "textrank",
            "textrank_st",
        )
    ),
}

HALUEVAL_PATH = "generation/qa/qa_one-turn_data.json"
HALUEVAL_ITEMS = 500
BEGIN_PATHS = (
    "cmu-dog/begin_dev_cmu.tsv",
    "topicalchat/begin_dev_tc.tsv",
    "wow/begin_dev_wow.tsv",
    "wow/begin_test_wow.tsv",
)
BEGIN_LABELS = {"Fully attributable": "supported", "Not fully attributable": "unsupported"}
BEGIN_PER_LABEL = 500
Q2_PATH = "third_party/data/cross_annotation.csv"
DIALFACT_PATH = "scripts/testsmall.jsonl"
DIALFACT_LABELS = {
    "SUPPORTS": "supported",
    "REFUTES": "contradicted",
    "NOT ENOUGH INFO": "unsupported",
}
XSUM_SYSTEMS = ("BERTS2S", "Gold", "PtGen", "TConvS2S", "TranS2S")
ATTRIBUTION_LABELS = {"attributable": "supported", "not attributable": "unsupported"}
HAGRID_PATH = "data/test_ood_all_subset_balanced.jsonl"
GENSEARCH_PATHS = (
    "data/dev_all_subset_balanced.jsonl",
    "data/test_all_subset_balanced_sampled500.jsonl",
)
MAX_REFERENCE_CHARS = 30_000
CONTRACT_NLI_PATH = "dataset/test.json"
CONTRACT_NLI_LABELS = {
    "Entailment": "supported",
    "Contradiction": "contradicted",
    "NotMentioned": "unsupported",
}

Record = dict[str, Any]


def show(mirror: Path, source: tuple[str, str], path: str) -> str:
    """The text of ``path`` at the source's commit."""
    repo, commit = source
    command = ["git", "--git-dir", str(git_dir(mirror, repo)), "show", f"{commit}:{path}"]
    return subprocess.run(command, capture_output=True, check=True).stdout.decode("utf-8")


def cite(source: tuple[str, str], path: str) -> str:
    """The ``source`` field: ``owner/name@<short commit> <path>``."""
    repo, commit = source
    return f"{repo}@{commit[:7]} {path}"


def halueval_qa(mirror: Path) -> list[Record]:
    text = show(mirror, HALUEVAL, HALUEVAL_PATH)
    items = [json.loads(line) for line in text.splitlines() if line.strip()]
    order = list(range(len(items)))
    random.Random(0).shuffle(order)
    rows = []
    for i in order[:HALUEVAL_ITEMS]:
        item = items[i]
        for label, key in (("supported", "right_answer"), ("unsupported", "hallucinated_answer")):
            rows.append(
                {
                    "id": f"halueval_qa_oneturn_{i}_{key.split('_')[0]}",
                    "context": item["knowledge"],
                    "claim": item[key],
                    "question": item["question"],
                    "label": label,
                    "domain": "open_domain_qa",
                    "source": cite(HALUEVAL, HALUEVAL_PATH),
                }
            )
    return rows


def qags(mirror: Path) -> list[Record]:
    rows = []
    for subset in ("cnndm", "xsum"):
        path = f"data/mturk_{subset}.jsonl"
        for article_index, line in enumerate(show(mirror, QAGS, path).splitlines()):
            article = json.loads(line)
            for sentence_index, sentence in enumerate(article["summary_sentences"]):
                votes = [r["response"].strip().lower() for r in sentence["responses"]]
                yes = votes.count("yes")
                no = votes.count("no")
                if yes == no:
                    continue
                rows.append(
                    {
                        "id": f"qags_{subset}_{article_index}_{sentence_index}",
                        "context": article["article"],
                        "claim": sentence["sentence"],
                        "label": "supported" if yes > no else "unsupported",
                        "domain": f"summarization_{subset}",
                        "source": cite(QAGS, path),
                        "votes": f"{yes}yes/{no}no",
                    }
                )
    return rows


def begin(mirror: Path) -> list[Record]:
    pool: dict[str, list[Record]] = collections.defaultdict(list)
    for path in BEGIN_PATHS:
        text = show(mirror, BEGIN, path)
        reader = csv.DictReader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE)
        split = "test" if "test" in path else "dev"
        for k, row in enumerate(reader):
            label = BEGIN_LABELS.get((row.get("begin_label") or "").strip())
            if label is None:
                continue
            pool[label].append(
                {
                    "id": f"begin_{row['data_source']}_{split}_{k}",
                    "context": row["knowledge"],
                    "dialogue_history": row["message"],
                    "claim": row["response"],
                    "label": label,
                    "domain": f"dialogue_{row['data_source']}",
                    "source": cite(BEGIN, path),
                    "model": row["model_name"],
                }
            )
    print("BEGIN pool", {label: len(rows) for label, rows in pool.items()}, flush=True)
    rng = random.Random(0)
    rows = []
    for label in ("supported", "unsupported"):
        candidates = pool[label][:]
        rng.shuffle(candidates)
        rows += candidates[:BEGIN_PER_LABEL]
    rng.shuffle(rows)
    return rows


def q2(mirror: Path) -> list[Record]:
    text = show(mirror, Q2, Q2_PATH)
    rows = []
    for row in csv.DictReader(io.StringIO(text)):
        for system in ("dodeca", "memnet"):
            mark = (row.get(f"{system}_label") or "").strip()
            if mark not in ("0", "1"):
                continue
            rows.append(
                {
                    "id": f"q2_{row['episode_idx']}_{row['round']}_{system}",
                    "context": row["knowledge"],
                    "dialogue_history": row["message"],
                    "claim": row[f"{system}_response"],
                    "label": "supported" if mark == "0" else "unsupported",
                    "domain": "dialogue_wow",
                    "source": cite(Q2, Q2_PATH),
                    "model": system,
                }
            )
    return rows


def dialfact(mirror: Path) -> list[Record]:
    rows = []
    for line in show(mirror, DIALFACT, DIALFACT_PATH).splitlines():
        if not line.strip():
            continue
        item = json.loads(line)  # its fever_score field (a model's output) is not read
        rows.append(
            {
                "id": f"dialfact_{item['id']}",
                "context": [evidence[2] for evidence in item["evidence_list"]],
                "dialogue_history": " ".join(item["context"]),
                "claim": item["response"],
                "label": DIALFACT_LABELS[item["response_label"]],
                "domain": f"dialogue_{item['type_label']}",
                "source": cite(DIALFACT, DIALFACT_PATH),
                "data_type": item["data_type"],
            }
        )
    return rows


def xsum_faith(mirror: Path) -> list[Record]:
    pool: dict[str, list[Record]] = collections.defaultdict(list)
    for system in XSUM_SYSTEMS:
        files = {
            kind: show(mirror, XSUM_FAITH, f"eval_data/xsum/{system}/{system}.{kind}").splitlines()
            for kind in ("source", "target", "label", "docid")
        }
        for article, summary, marks, docid in zip(
            files["source"], files["target"], files["label"], files["docid"], strict=True
        ):
            label = "unsupported" if "1" in marks.split() else "supported"
            pool[label].append(
                {
                    "id": f"xsum_faith_{system}_{docid}",
                    "context": article,
                    "claim": summary,
                    "label": label,
                    "domain": "summarization_xsum",
                    "source": cite(XSUM_FAITH, f"eval_data/xsum/{system}/"),
                    "model": system,
                }
            )
    print("XSumFaith pool", {label: len(rows) for label, rows in pool.items()}, flush=True)
    rng = random.Random(0)
    hallucinated = pool["unsupported"][:]
    rng.shuffle(hallucinated)
    rows = pool["supported"] + hallucinated[: len(pool["supported"])]
    rng.shuffle(rows)
    return rows


_MARKER = re.compile(r"\s*\[\d+(?:\s*,\s*\d+)*\]")


def _attribution_rows(mirror: Path, paths: Sequence[str], subset: str, name: str) -> list[Record]:
    """One AttributionBench subset: its claims against their references, deduplicated.

    A (question, claim, references) item listed twice counts once; one listed with both labels
    is dropped.
    """
    rows: dict[tuple[str, str, tuple[str, ...]], Record] = {}
    conflicting: set[tuple[str, str, tuple[str, ...]]] = set()
    for path in paths:
        for line in show(mirror, ATTRIBUTION_BENCH, path).splitlines():
            item = json.loads(line) if line.strip() else {}
            if item.get("src_dataset") != subset:
                continue
            context = [
                _MARKER.sub("", ref, count=1).strip()[:MAX_REFERENCE_CHARS]
                for ref in item["references"]
            ]
            context = [c for c in context if c]
            claim = _MARKER.sub("", item["claim"]).strip()
            if not context or not claim:
                continue  # no evidence text (75 HAGRID items) or a bare citation
            key = (item["question"], claim, tuple(context))
            label = ATTRIBUTION_LABELS[item["attribution_label"]]
            if key in rows and rows[key]["label"] != label:
                conflicting.add(key)
            rows.setdefault(key, {
                "id": f"{name}_{len(rows)}",
                "context": context,
                "claim": claim,
                "question": item["question"],
                "label": label,
                "domain": "open_domain_qa" if subset == "HAGRID" else "generative_search",
                "source": cite(ATTRIBUTION_BENCH, path),
            })  # fmt: skip
    return [row for key, row in rows.items() if key not in conflicting]


def hagrid(mirror: Path) -> list[Record]:
    """HAGRID (GPT-3.5 answers citing MIRACL Wikipedia quotes) from AttributionBench's OOD test."""
    return _attribution_rows(mirror, (HAGRID_PATH,), "HAGRID", "hagrid")


def gensearch(mirror: Path) -> list[Record]:
    """Generative search engines' answer sentences vs their cited pages (Liu et al. 2023)."""
    return _attribution_rows(mirror, GENSEARCH_PATHS, "Stanford-GenSearch", "gensearch")


def contract_nli(mirror: Path) -> list[Record]:
    """ContractNLI test: 17 hypotheses per non-disclosure agreement, three labels."""
    data = json.loads(show(mirror, CONTRACT_NLI, CONTRACT_NLI_PATH))
    hypotheses = {key: value["hypothesis"] for key, value in data["labels"].items()}
    rows = []
    for document in data["documents"]:
        for key, annotation in document["annotation_sets"][0]["annotations"].items():
            rows.append(
                {
                    "id": f"contract_nli_{document['id']}_{key}",
                    "context": document["text"],
                    "claim": hypotheses[key],
                    "label": CONTRACT_NLI_LABELS[annotation["choice"]],
                    "domain": "legal_nda",
                    "source": cite(CONTRACT_NLI, CONTRACT_NLI_PATH),
                }
            )
    return rows


_SENTENCE_TAG = re.compile(r"\s*</?t>\s*")


def _fib_text(text: str) -> str:
    """FIB's CNN/DM summaries mark sentences with ``<t>`` tags; plain text without them."""
    return " ".join(_SENTENCE_TAG.sub(" ", text).split())


def fib(mirror: Path, overlapping: set[tuple[str, ...]]) -> list[Record]:
    """FIB: per news article, its consistent summary and one of its inconsistent ones.

    An article sharing a 13-word sequence with ``overlapping`` (the other summarisation sets'
    articles) is left out, so that FIB's figure is of articles no other set holds.
    """
    from evalstage.generation_eval.verifier._pairs import ngrams

    articles: dict[tuple[str, str], dict[str, Any]] = {}
    for corpus in FIB_CORPORA:
        for path in FIB_PATHS[corpus]:
            for line in show(mirror, FIB, path).splitlines():
                item = json.loads(line) if line.strip() else {}
                if not item:
                    continue
                entry = articles.setdefault((corpus, item["id"]), {
                    "context": _fib_text(item["input"]),
                    "correct": _fib_text(item["correct_choice"]),
                    "wrong": set(), "path": path,
                })  # fmt: skip
                entry["wrong"] |= {_fib_text(c) for c in item["list_choices"]} - {entry["correct"]}
    rng = random.Random(0)
    rows: list[Record] = []
    dropped = 0
    for (corpus, docid), entry in sorted(articles.items()):
        if not entry["wrong"] or ngrams(entry["context"]) & overlapping:
            dropped += 1
            continue
        wrong = rng.choice(sorted(entry["wrong"]))
        for label, claim in (("supported", entry["correct"]), ("unsupported", wrong)):
            rows.append(
                {
                    "id": f"fib_{corpus}_{docid}_{label}",
                    "context": entry["context"],
                    "claim": claim,
                    "label": label,
                    "domain": f"summarization_{corpus}",
                    "source": cite(FIB, f"multiple_choice-dataset/{corpus}/fib/"),
                }
            )
    print("FIB articles", len(articles), "left out (overlap or no wrong summary)", dropped)
    rng.shuffle(rows)
    return rows


def frank(mirror: Path, overlapping: set[tuple[str, ...]]) -> list[Record]:
    """FRANK's CNN/DM half: five systems' summaries of 250 articles, judged sentence by sentence.

    A summary with ``Factuality`` 1.0 (no annotated error in any sentence) is supported, any
    other unsupported, as in AggreFact. The released ``data/benchmark_data.json`` is over 4 MiB
    and absent from the snapshot, so the article and each system's summary are read from the
    per-article files of the repository's first data commit; the labels from the final one.
    Its XSum half is left out: it holds the XSumFaith systems' summaries of the same BBC
    articles (and 78 of its 996 summaries are factual). An article sharing a 13-word sequence
    with ``overlapping`` is left out.
    """
    from evalstage.generation_eval.verifier._pairs import ngrams

    labels = {
        (row["hash"], row["model_name"]): float(row["Factuality"])
        for row in json.loads(show(mirror, FRANK, FRANK_ANNOTATIONS))
        if row["dataset"] == "cnndm"
    }
    rows: list[Record] = []
    dropped = 0
    for docid in sorted({h for h, _ in labels}):
        article = json.loads(show(mirror, FRANK_ARTICLES, f"{FRANK_ARTICLE_DIR}/{docid}.json"))
        context = " ".join(article["article"].split())
        if ngrams(context) & overlapping:
            dropped += 1
            continue
        for system in FRANK_SYSTEMS:
            factuality = labels.get((docid, system))
            if factuality is None:
                continue
            rows.append(
                {
                    "id": f"frank_cnndm_{docid}_{system}",
                    "context": context,
                    "claim": " ".join(article[system].split()),
                    "label": "supported" if factuality == 1.0 else "unsupported",
                    "domain": "summarization_cnndm",
                    "source": cite(FRANK, FRANK_ANNOTATIONS)
                    + f"; text: {cite(FRANK_ARTICLES, FRANK_ARTICLE_DIR)}",
                    "model": system,
                    "factuality": factuality,
                }
            )
    print("FRANK CNN/DM articles left out (overlap)", dropped)
    random.Random(0).shuffle(rows)
    return rows


def wice_test(mirror: Path) -> list[Record]:
    """WiCE's claim-level test split: Wikipedia sentences against the web pages they cite.

    Read at the commit the training source ``wice`` (WiCE dev) is read at. The oracle chunks
    (the cited page's sentences annotators marked) are the context, joined as that source joins
    them; its labels map as there (``partially_supported`` and ``not_supported`` ->
    unsupported). Kept out of ``verifier_validity.py``'s default sets: it is reserved,
    unmeasured, for the next choice of model (bench/verifier_data/README.md). An item sharing a
    13-word sequence with a training pair of :data:`WICE_NEIGHBOURS` is left out.
    """
    from evalstage.generation_eval.verifier._pairs import ngrams

    sources = {source.name: source for source in SOURCES}
    trained: set[tuple[str, ...]] = set()
    for name in WICE_NEIGHBOURS:
        source = sources[name]
        pairs, _ = source.load(Snapshot(git_dir(mirror, source.repo), source.commit))
        for premise, hypothesis, _, _ in pairs:
            trained |= ngrams(str(premise)) | ngrams(str(hypothesis))
    wice = (sources["wice"].repo, sources["wice"].commit)
    rows: list[Record] = []
    dropped = 0
    for line in show(mirror, wice, WICE_TEST_PATH).splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        context = " ".join(item["evidence"])
        if (ngrams(context) | ngrams(item["claim"])) & trained:
            dropped += 1
            continue
        rows.append(
            {
                "id": f"wice_test_{item['meta']['id']}",
                "context": context,
                "claim": item["claim"],
                "label": WICE_LABELS[item["label"]],
                "domain": "wikipedia_citations",
                "source": cite(wice, WICE_TEST_PATH),
                "wice_label": item["label"],
            }
        )
    print("WiCE test items left out (overlap with training sources)", dropped)
    return rows


def write(out: Path, name: str, rows: list[Record]) -> None:
    with open(out / f"{name}.jsonl", "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    labels = collections.Counter(row["label"] for row in rows)
    domains = collections.Counter(row["domain"] for row in rows)
    print(name, len(rows), dict(labels), dict(domains), flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--mirror", type=Path, required=True, help="folder of owner+name copies")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    builders = (
        ("halueval_qa", halueval_qa), ("qags", qags), ("begin", begin),
        ("q2", q2), ("dialfact", dialfact), ("xsum_faith", xsum_faith),
        ("hagrid", hagrid), ("gensearch", gensearch), ("contract_nli", contract_nli),
        ("wice_test", wice_test),
    )  # fmt: skip
    built = {}
    for name, build in builders:
        built[name] = build(args.mirror)
        write(args.out, name, built[name])
    from evalstage.generation_eval.verifier._pairs import ngrams

    summaries = {
        g for name in ("qags", "xsum_faith") for row in built[name] for g in ngrams(row["context"])
    }
    built["fib"] = fib(args.mirror, summaries)
    write(args.out, "fib", built["fib"])
    summaries |= {g for row in built["fib"] for g in ngrams(row["context"])}
    write(args.out, "frank", frank(args.mirror, summaries))
    return 0


if __name__ == "__main__":
    sys.exit(main())
