"""Convert public NLI / fact-verification data sets into the verifier's training pair files.

Makes one JSONL file per source, ``<out>/<source>.jsonl``, one object per line::

    {"premise": ..., "hypothesis": ..., "label": ..., "source": ..., "split": "train" | "dev"}

with labels mapped to ``supported`` (entailment), ``contradicted`` (contradiction) and
``unsupported`` (neutral / not entailed / not enough info), plus ``<out>/_build/meta.json``
(repository, commit, paths, licence, notes and counts per source; entries already in that file
for other sources are kept). Within a source, exact duplicate (premise, hypothesis) pairs are
dropped, pairs with an empty side, a hypothesis over 1,000 or a premise over 12,000 characters
are dropped, and the dev split is capped at 2,000 pairs (a ``random.Random(0)`` sample).

Sources (the ones ``generation_eval/verifier/train.py`` reads), each read from one commit:

- dnc_recast: decompositional-semantics-initiative/DNC @ 1aca8f2387681e7f661db316a5e21cc71305fa00
- conjnli: swarnaHub/ConjNLI @ 10e0515c0d1777651b5084d9cca4664ead8162a4
- taxinli_mnli: microsoft/TaxiNLI @ 60d89b03293c47b99288e24853a4cd3426bea437
- breaking_nli: BIU-NLP/Breaking_NLI @ 8a7658c1ce6b732f4e8af3b06560f1a13b8b18b0
- help_monotonicity: verypluming/HELP @ 3ee5c298d48549704629a3687ccd8a00168281b8
- med_monotonicity: verypluming/MED @ 860ba36ce95ecba9f1ebe348d3d8cf1b3cba435a
- summedits: salesforce/factualNLG @ 0da1dfa62c783218d26208c1796d3a2605bec745
- fever_symmetric: TalSchuster/FeverSymmetric @ fa25d17e73ea0694edc78133ec654b9f32f6db73
- folio: Yale-LILY/FOLIO @ 5d7bb84c7edab3fb358e057d2807f19cf5cf5e2d
- wice: ryokamoi/wice @ ddeb6c183665e2a20c5f03c5aa07f03888b9870f
- wanli_sample: alisawuffles/wanli @ 17190b51baeeea50314e1320563d87a64c630c14
- expertqa: chaitanyamalaviya/ExpertQA @ 1aa7ba81bd4c083c12ef1aa2fee338f6cb60fa87
- factcheck_gpt: yuxiaw/Factcheck-GPT @ a9e6a04a953ad880806529c504a679dd1ad06528
- squad2: chrischute/squad @ 85623adeb9e6639f145081fea9cae2d8f3a26379 (SQuAD 2.0 dev half)

Run::

    python bench/verifier_data/convert_training_sources.py --mirror DIR --out DIR [SOURCE ...]

``--mirror`` holds one git copy per repository in a folder named ``owner+name``; its git
directory is ``owner+name/repo/.git``, ``owner+name/repo`` (a bare copy) or ``owner+name`` itself.
Files are read with ``git show <commit>:<path>``, so no work tree is needed. Naming sources
converts only those. README.md in this folder has the licences and the per-label counts.
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
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

csv.field_size_limit(10**9)

LABELS = ("supported", "contradicted", "unsupported")
NLI_LABELS = {
    "entailment": "supported",
    "e": "supported",
    "ENTAILMENT": "supported",
    "SUPPORTS": "supported",
    "neutral": "unsupported",
    "n": "unsupported",
    "NEUTRAL": "unsupported",
    "NOT_ENOUGH_INFO": "unsupported",
    "NOT ENOUGH INFO": "unsupported",
    "NOT ENOUGH": "unsupported",
    "contradiction": "contradicted",
    "c": "contradicted",
    "CONTRADICTION": "contradicted",
    "REFUTES": "contradicted",
}
MAX_HYPOTHESIS = 1000
MAX_PREMISE = 12000
DEV_CAP = 2000
LONG_PREMISE = 2000

Row = tuple[Any, Any, str | None, str]
"""A converted example before filtering: premise, hypothesis, label (or None), split."""


def git_dir(mirror: Path, repo: str) -> Path:
    """The git directory of ``owner/name`` inside the mirror folder."""
    folder = mirror / repo.replace("/", "+")
    for candidate in (folder / "repo" / ".git", folder / "repo"):
        if candidate.is_dir():
            return candidate
    return folder


@dataclass(frozen=True)
class Snapshot:
    """One commit of one repository, read from its git directory."""

    git_dir: Path
    commit: str

    def git(self, *args: str) -> bytes:
        done = subprocess.run(["git", "--git-dir", str(self.git_dir), *args], capture_output=True)
        if done.returncode:
            raise RuntimeError(done.stderr.decode(errors="replace")[:200])
        return done.stdout

    def blob(self, path: str) -> bytes:
        return self.git("show", f"{self.commit}:{path}")

    def text(self, path: str) -> str:
        return self.blob(path).decode("utf-8-sig")

    def jsonl(self, path: str) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.text(path).splitlines() if line.strip()]

    def tsv(self, path: str) -> list[dict[str, str]]:
        reader = csv.DictReader(
            io.StringIO(self.text(path)), delimiter="\t", quoting=csv.QUOTE_NONE
        )
        return list(reader)

    def blobs(self) -> list[str]:
        """Paths of all files in the commit (present in the snapshot or not)."""
        listing = self.git("ls-tree", "-r", self.commit).decode().splitlines()
        return [line.split("\t", 1)[1] for line in listing if line.split()[1] == "blob"]


def load_dnc(snap: Snapshot) -> tuple[list[Row], str]:
    labels = {"entailed": "supported", "not-entailed": "unsupported"}
    wanted = [p for p in snap.blobs() if p.endswith("_data.json") and "ACCEPTABILITY" not in p]
    rows: list[Row] = []
    used = []
    for path in wanted:
        try:
            data = json.loads(snap.blob(path))
        except RuntimeError as error:  # files over 4 MiB are absent from the snapshot
            print("skip", path, str(error).strip(), flush=True)
            continue
        used.append(path)
        split = "dev" if path.startswith("dev/") else "train"
        rows += [(x["context"], x["hypothesis"], labels.get(x.get("label")), split) for x in data]
    return rows, ";".join(used)


def load_conjnli(snap: Snapshot) -> tuple[list[Row], str]:
    rows: list[Row] = []
    for name, split in (
        ("adversarial_train_15k", "train"),
        ("conj_test", "train"),
        ("conj_dev", "dev"),
    ):
        for line in snap.text(f"data/NLI/{name}.tsv").splitlines()[1:]:
            cells = line.split("\t")
            if len(cells) >= 3:
                rows.append((cells[0], cells[1], NLI_LABELS.get(cells[2].strip()), split))
    return rows, "data/NLI/{adversarial_train_15k,conj_test,conj_dev}.tsv"


def load_taxinli(snap: Snapshot) -> tuple[list[Row], str]:
    path = "taxinli10k.tsv"
    rows = [(x["prem"], x["hyp"], NLI_LABELS.get(x["label"]), "train") for x in snap.tsv(path)]
    return rows, path


def load_breaking_nli(snap: Snapshot) -> tuple[list[Row], str]:
    archive = zipfile.ZipFile(io.BytesIO(snap.blob("breaking_nli_dataset.zip")))
    members = [name for name in archive.namelist() if name.endswith(".jsonl")]
    rows: list[Row] = []
    for member in members:
        for line in archive.read(member).decode().splitlines():
            if line.strip():
                x = json.loads(line)
                label = NLI_LABELS.get(x["gold_label"])
                rows.append((x["sentence1"], x["sentence2"], label, "train"))
    return rows, "breaking_nli_dataset.zip:" + ",".join(members)


def load_help(snap: Snapshot) -> tuple[list[Row], str]:
    rows: list[Row] = []
    for part in ("and", "or"):
        for x in snap.tsv(f"output_en/leskexppmb_{part}.tsv"):
            label = NLI_LABELS.get(x["gold_label"])
            rows.append((x["ori_sentence"], x["new_sentence"], label, "train"))
    return rows, "output_en/leskexppmb_{and,or}.tsv"


def load_med(snap: Snapshot) -> tuple[list[Row], str]:
    path = "MED.tsv"
    rows = [
        (x["sentence1"], x["sentence2"], NLI_LABELS.get(x["gold_label"]), "train")
        for x in snap.tsv(path)
    ]
    return rows, path


SUMMEDITS_DOMAINS = (
    "news",
    "podcast",
    "sales_email",
    "sales_call",
    "qmsumm",
    "ectsum",
    "samsum",
    "scitldr",
)


def load_summedits(snap: Snapshot) -> tuple[list[Row], str]:
    rows: list[Row] = []
    for domain in SUMMEDITS_DOMAINS:
        for x in json.loads(snap.blob(f"data/summedits/summedits_{domain}.json")):
            if x["label"] not in (0, 1):
                continue
            label = "supported" if x["label"] == 1 else "unsupported"
            # dev = 10% of the source documents, by a CRC of the id's document part
            document = x["id"].split("_")[0]
            split = "dev" if zlib.crc32(document.encode()) % 10 == 0 else "train"
            rows.append((x["doc"], x["summary"], label, split))
    return rows, "data/summedits/summedits_*.json (8 domains)"


def load_fever_symmetric(snap: Snapshot) -> tuple[list[Row], str]:
    rows: list[Row] = []
    for part, split in (("test", "train"), ("dev", "dev")):
        for x in snap.jsonl(f"symmetric_v0.2/fever_symmetric_{part}.jsonl"):
            rows.append((x["evidence"], x["claim"], NLI_LABELS.get(x["label"]), split))
    return rows, "symmetric_v0.2/fever_symmetric_{test,dev}.jsonl"


def load_folio(snap: Snapshot) -> tuple[list[Row], str]:
    labels = {
        "True": "supported",
        "False": "contradicted",
        "Uncertain": "unsupported",
        "Unknown": "unsupported",
    }
    rows: list[Row] = []
    for part, split in (("train", "train"), ("validation", "dev")):
        for x in snap.jsonl(f"data/v0.0/folio-{part}.jsonl"):
            label = labels.get(str(x["label"]))
            rows.append((" ".join(x["premises"]), x["conclusion"], label, split))
    return rows, "data/v0.0/folio-{train,validation}.jsonl"


WICE_LABELS = {
    "supported": "supported",
    "partially_supported": "unsupported",
    "not_supported": "unsupported",
}


def load_wice(snap: Snapshot) -> tuple[list[Row], str]:
    path = "code_and_resources/entailment_inputs/oracle_chunks/claim/dev.jsonl"
    rows = [
        (" ".join(x["evidence"]), x["claim"], WICE_LABELS.get(x["label"]), "train")
        for x in snap.jsonl(path)
    ]
    return rows, path


def load_wanli(snap: Snapshot) -> tuple[list[Row], str]:
    path = "data/wanli/train_sample.jsonl"
    rows = [
        (x["premise"], x["hypothesis"], NLI_LABELS.get(x.get("gold") or x.get("label")), "train")
        for x in snap.jsonl(path)
    ]
    return rows, path


EXPERTQA_FILES = tuple(
    f"data/lfqa/{split}_{part}.jsonl" for split in ("domain", "rand") for part in ("val", "test")
)
EXPERTQA_LABELS = {
    "Complete": "supported",
    "Partial": "unsupported",
    "Incomplete": "unsupported",
    "Missing": "unsupported",
}
_CITATION = re.compile(r"\s*\[\d+\]")
_SOURCE_LINE = re.compile(r"^\[\d+\]\s+\S+\s*")


def load_expertqa(snap: Snapshot) -> tuple[list[Row], str]:
    """Claims of system answers to experts' questions vs the evidence they cite.

    The four lfqa files split the same annotated answers two ways (by domain, at random), so a
    (question, claim) pair is read once. The evidence's first line (``[n] URL``) and the
    claim's citation markers are removed; dev = questions with ``crc32 % 10 == 0``.
    """
    rows: list[Row] = []
    seen: set[tuple[str, str]] = set()
    for path in EXPERTQA_FILES:
        for record in snap.jsonl(path):
            question = record["question"]
            split = "dev" if zlib.crc32(question.encode()) % 10 == 0 else "train"
            for answer in record.get("answers", {}).values():
                for claim in answer.get("claims") or []:
                    key = (question, claim["claim_string"])
                    if key in seen:
                        continue
                    seen.add(key)
                    evidence = [
                        _SOURCE_LINE.sub("", text.strip()) for text in claim.get("evidence") or []
                    ]
                    hypothesis = _CITATION.sub("", claim["claim_string"]).strip()
                    label = EXPERTQA_LABELS.get(str(claim.get("support")))
                    rows.append(("\n".join(e for e in evidence if e), hypothesis, label, split))
    return rows, ";".join(EXPERTQA_FILES)


FACTCHECK_STANCES = {
    "completely-support": "supported",
    "refute": "contradicted",
    "partially-support": "unsupported",
    "irrelevant": "unsupported",
}


def load_factcheck_gpt(snap: Snapshot) -> tuple[list[Row], str]:
    """Claims of LLM answers against web evidence retrieved for them, with a human stance."""
    path = "subtasks/subtask3_claim_evidence_stance.jsonl"
    rows: list[Row] = []
    for x in snap.jsonl(path):
        split = "dev" if zlib.crc32(x["claim"].encode()) % 10 == 0 else "train"
        rows.append((x["evidence"], x["claim"], FACTCHECK_STANCES.get(x["stance"]), split))
    return rows, path


SQUAD_PATH = "data/dev-v2.0.json"


def load_squad2(snap: Snapshot) -> tuple[list[Row], str]:
    """SQuAD 2.0 answers as the claims they make, against their paragraph.

    A question's first gold answer is supported; the plausible answer crowdworkers gave to a
    question the paragraph cannot answer (``is_impossible``) is unsupported: its words are in
    the paragraph, but the answer to *this* question is not. The claim is the question-aware
    rewrite the verifier itself makes (``answer_claim``), so training sees what it will judge;
    answers it leaves as they are (six words or more) are skipped. Dev: paragraphs with
    ``crc32 % 10 == 0``.
    """
    from evalstage.generation_eval.verifier._question import answer_claim

    rows: list[Row] = []
    for article in json.loads(snap.blob(SQUAD_PATH))["data"]:
        for paragraph in article["paragraphs"]:
            context = paragraph["context"]
            split = "dev" if zlib.crc32(context.encode()) % 10 == 0 else "train"
            for qa in paragraph["qas"]:
                if qa.get("is_impossible"):
                    answers, label = qa.get("plausible_answers") or [], "unsupported"
                else:
                    answers, label = qa.get("answers") or [], "supported"
                if not answers or not answers[0]["text"].strip():
                    continue
                claim = answer_claim(qa["question"], answers[0]["text"].strip())
                if claim.rule != "as_is":  # a long span alone: not the claim this question makes
                    rows.append((context, str(claim), label, split))
    return rows, SQUAD_PATH


@dataclass(frozen=True)
class Source:
    """A training source: where it comes from and how to convert it."""

    name: str
    repo: str
    commit: str
    licence: str
    notes: str
    load: Callable[[Snapshot], tuple[list[Row], str]]


SOURCES = (
    Source(
        "dnc_recast",
        "decompositional-semantics-initiative/DNC",
        "1aca8f2387681e7f661db316a5e21cc71305fa00",
        "CC BY-SA 4.0 (README); per-example corpus-license in metadata",
        "Diverse NLI Collection recast data (factuality, megaveridicality, sentiment, verbnet, "
        "kg_relations, puns, winogender, function-word NLI). Binary: entailed->supported, "
        "not-entailed->unsupported (not-entailed may include contradictions). Files >4MB (ner, "
        "verbcorner, some train) absent. dev/ files -> split dev (capped 2000), train/+test/ -> "
        "train.",
        load_dnc,
    ),
    Source(
        "conjnli",
        "swarnaHub/ConjNLI",
        "10e0515c0d1777651b5084d9cca4664ead8162a4",
        "MIT (repo LICENSE); Wikipedia-derived sentences",
        "ConjNLI stress test (conjunctions) + its 15k adversarially-augmented training set.",
        load_conjnli,
    ),
    Source(
        "taxinli_mnli",
        "microsoft/TaxiNLI",
        "60d89b03293c47b99288e24853a4cd3426bea437",
        "Computational Use of Data Agreement (C-UDA) v1.0; underlying MNLI text (OANC etc.)",
        "10k MNLI pairs (with MNLI gold label) annotated with reasoning categories by TaxiNLI; "
        "uses MNLI gold 'label' column.",
        load_taxinli,
    ),
    Source(
        "breaking_nli",
        "BIU-NLP/Breaking_NLI",
        "8a7658c1ce6b732f4e8af3b06560f1a13b8b18b0",
        "CC BY-SA 4.0 (README)",
        "Lexical-inference test set (one word swapped, SNLI premises).",
        load_breaking_nli,
    ),
    Source(
        "help_monotonicity",
        "verypluming/HELP",
        "3ee5c298d48549704629a3687ccd8a00168281b8",
        "CC BY-SA 4.0",
        "HELP automatically generated monotonicity/conjunction inferences (and/or subsets; "
        "pmb_train file >4MB absent). Synthetic, templated; consider down-weighting.",
        load_help,
    ),
    Source(
        "med_monotonicity",
        "verypluming/MED",
        "860ba36ce95ecba9f1ebe348d3d8cf1b3cba435a",
        "CC BY-SA 4.0",
        "Monotonicity Entailment Dataset (upward/downward monotone inferences).",
        load_med,
    ),
    Source(
        "summedits",
        "salesforce/factualNLG",
        "0da1dfa62c783218d26208c1796d3a2605bec745",
        "Apache-2.0 (repo LICENSE.txt; HF card for SummEdits says CC BY 4.0)",
        "Documents + (edited) summaries; label 1 -> supported, 0 (inconsistent) -> unsupported "
        "(inconsistencies are mostly contradictory edits but not typed). Premises are whole "
        "documents, mostly >2000 chars. Dev by id hash (10%).",
        load_summedits,
    ),
    Source(
        "fever_symmetric",
        "TalSchuster/FeverSymmetric",
        "fa25d17e73ea0694edc78133ec654b9f32f6db73",
        "CC BY-SA 3.0 (DATA_LICENSE; Wikipedia/FEVER)",
        "Symmetric FEVER v0.2; SUPPORTS/REFUTES only; v0.2 test used as train, v0.2 dev as dev.",
        load_fever_symmetric,
    ),
    Source(
        "folio",
        "Yale-LILY/FOLIO",
        "5d7bb84c7edab3fb358e057d2807f19cf5cf5e2d",
        "CC BY-SA 4.0",
        "First-order-logic reasoning: premises (joined) -> conclusion True/False/Uncertain.",
        load_folio,
    ),
    Source(
        "wice",
        "ryokamoi/wice",
        "ddeb6c183665e2a20c5f03c5aa07f03888b9870f",
        "CC BY-SA (Wikipedia) + Common Crawl terms (LICENSE.md)",
        "WiCE claim-level dev split with oracle evidence chunks; partially_supported and "
        "not_supported -> unsupported (WiCE has no contradiction label). WiCE train file >4MB "
        "(absent); WiCE TEST deliberately not used because it is part of LLM-AggreFact.",
        load_wice,
    ),
    Source(
        "wanli_sample",
        "alisawuffles/wanli",
        "17190b51baeeea50314e1320563d87a64c630c14",
        "CC BY 4.0",
        "Only the small train sample is in the repo (full WANLI is hosted elsewhere).",
        load_wanli,
    ),
    Source(
        "expertqa",
        "chaitanyamalaviya/ExpertQA",
        "1aa7ba81bd4c083c12ef1aa2fee338f6cb60fa87",
        "MIT (repo LICENSE); evidence quoted from web pages",
        "Claims of retrieval-augmented and post-hoc-cited LLM answers to experts' questions, "
        "each judged by the expert against the evidence it cites: Complete -> supported, "
        "Partial/Incomplete/Missing -> unsupported (binary); N/A and unjudged dropped, as are "
        "claims without evidence. Dev = 10% of questions by crc32.",
        load_expertqa,
    ),
    Source(
        "factcheck_gpt",
        "yuxiaw/Factcheck-GPT",
        "a9e6a04a953ad880806529c504a679dd1ad06528",
        "Apache-2.0 (repo LICENSE); evidence quoted from web pages",
        "Factcheck-Bench subtask 3: claims of ChatGPT answers against web passages retrieved "
        "for them, stance by human annotators: completely-support -> supported, refute -> "
        "contradicted, partially-support and irrelevant -> unsupported. Dev = 10% of claims by "
        "crc32.",
        load_factcheck_gpt,
    ),
    Source(
        "squad2",
        "chrischute/squad",
        "85623adeb9e6639f145081fea9cae2d8f3a26379",
        "CC BY-SA 4.0 (SQuAD 2.0, Rajpurkar et al. 2018; Wikipedia text); repo MIT",
        "The labelled half of the official SQuAD 2.0 dev set (CS224N copy; its other half has "
        "no answers). Gold answer -> supported; the plausible answer to an unanswerable "
        "question -> unsupported. Claims rewritten with the question (answer_claim).",
        load_squad2,
    ),
)


def make_pair(row: Row, source: str) -> dict[str, str] | None:
    """The output record for one row, or None when it is empty, too long or unlabelled."""
    premise_raw, hypothesis_raw, label, split = row
    premise = (premise_raw or "").strip()
    hypothesis = (hypothesis_raw or "").strip()
    if not premise or not hypothesis or label not in LABELS:
        return None
    if len(hypothesis) > MAX_HYPOTHESIS or len(premise) > MAX_PREMISE:
        return None
    return {
        "premise": premise,
        "hypothesis": hypothesis,
        "label": label,
        "source": source,
        "split": split,
    }


def finish(pairs: Iterable[dict[str, str] | None], dev_cap: int = DEV_CAP) -> list[dict[str, str]]:
    """Drop Nones and duplicate (premise, hypothesis) pairs; cap the dev split at ``dev_cap``."""
    seen: set[tuple[str, str]] = set()
    out = []
    for pair in pairs:
        if pair is None or (pair["premise"], pair["hypothesis"]) in seen:
            continue
        seen.add((pair["premise"], pair["hypothesis"]))
        out.append(pair)
    dev = [i for i, pair in enumerate(out) if pair["split"] == "dev"]
    if len(dev) <= dev_cap:
        return out
    random.Random(0).shuffle(dev)
    dropped = set(dev[dev_cap:])
    return [pair for i, pair in enumerate(out) if i not in dropped]


def convert(source: Source, mirror: Path, out: Path) -> dict[str, Any]:
    """Write ``<out>/<source>.jsonl`` and return its metadata entry."""
    rows, paths = source.load(Snapshot(git_dir(mirror, source.repo), source.commit))
    pairs = finish(make_pair(row, source.name) for row in rows)
    with open(out / f"{source.name}.jsonl", "w", encoding="utf-8") as handle:
        for pair in pairs:
            handle.write(json.dumps(pair, ensure_ascii=False) + "\n")
    counts = collections.Counter((pair["split"], pair["label"]) for pair in pairs)
    long_premises = sum(len(pair["premise"]) > LONG_PREMISE for pair in pairs)
    print(source.name, len(pairs), dict(counts), "long>2000:", long_premises, flush=True)
    return {
        "repo": source.repo,
        "commit": source.commit,
        "paths": paths,
        "licence": source.licence,
        "notes": source.notes,
        "counts": {f"{split}/{label}": n for (split, label), n in sorted(counts.items())},
        "total": len(pairs),
        "long_premise": long_premises,
    }


def main(argv: list[str] | None = None) -> int:
    names = [source.name for source in SOURCES]
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--mirror", type=Path, required=True, help="folder of owner+name git copies"
    )
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("sources", nargs="*", metavar="SOURCE", help=f"only these: {names}")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.sources) - set(names))
    if unknown:
        parser.error(f"unknown sources: {unknown}")

    meta_path = args.out / "_build" / "meta.json"
    meta_path.parent.mkdir(parents=True, exist_ok=True)
    meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
    failed = []
    for source in SOURCES:
        if args.sources and source.name not in args.sources:
            continue
        try:
            meta[source.name] = convert(source, args.mirror, args.out)
        except Exception as error:  # report it, convert the other sources, exit non-zero
            print("FAILED", source.name, repr(error)[:300], flush=True)
            failed.append(source.name)
    meta_path.write_text(json.dumps(meta, indent=1), encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
