"""TREC qrels and run files, BEIR folders: read, and write runs."""

from __future__ import annotations

import math
from collections import defaultdict
from pathlib import Path

from pydantic import ValidationError

from evalstage.evalcore.cases import Document
from evalstage.evalcore.errors import SuiteError
from evalstage.evalcore.files import iter_lines, write_text_atomic
from evalstage.evalcore.loaders import iter_jsonl, validation_error
from evalstage.retrieval_eval._evaluate import rank_documents
from evalstage.retrieval_eval._types import Qrels, Ranking


def read_qrels(path: str | Path) -> Qrels:
    """Read ``qid iter docno grade`` lines; ``#`` in column 0 starts a comment.

    Lines are read by :func:`evalcore.files.iter_lines` (BOM, CRLF, non-UTF-8 and gzip are
    errors or handled there); a file without judgements is an error.
    """
    source = Path(path)
    qrels: Qrels = defaultdict(dict)
    lines = iter_lines(source, what="qrels file", hint="check the --qrels path")
    for number, line in lines:
        if line.startswith("#") or not line.strip():
            continue
        parts = line.split()
        if len(parts) != 4:
            raise SuiteError(
                f"expected 4 columns, found {len(parts)}",
                path=source,
                line=number,
                hint="write qrels lines as: query_id iteration doc_id grade",
            )
        qid, _iteration, docno, grade = parts
        try:
            qrels[qid][docno] = int(grade)
        except ValueError:
            raise SuiteError(
                f"grade '{grade}' is not an integer",
                path=source,
                line=number,
                field="grade",
                hint="write the relevance grade as an integer such as 0, 1 or 2",
            ) from None
    if not qrels:
        raise SuiteError(
            "no judgements: the qrels file has no qrels lines",
            path=source,
            hint="write qrels lines as: query_id iteration doc_id grade",
        )
    return dict(qrels)


def read_run(path: str | Path) -> tuple[Ranking, str]:
    """Read a TREC run (``qid Q0 docno rank score runid``); returns the ranking and run id.

    The rank column is ignored (documents are re-sorted by score, as trec_eval does); text after
    the run id is ignored; a doc id repeated within a query is an error.
    """
    source = Path(path)
    run: dict[str, dict[str, float]] = defaultdict(dict)
    run_id = ""
    for number, line in iter_lines(source, what="run file", hint="check the --run path"):
        parts = line.split()
        if not parts:
            continue
        if len(parts) < 6:
            raise SuiteError(
                f"expected at least 6 columns, found {len(parts)}",
                path=source,
                line=number,
                hint="write run lines as: query_id Q0 doc_id rank score run_name",
            )
        qid, _q0, docno, _rank, score, run_id = parts[:6]
        if docno in run[qid]:
            raise SuiteError(
                f"document '{docno}' appears twice for query '{qid}'",
                path=source,
                line=number,
                field="doc_id",
                hint="each document may appear once per query; remove the duplicate line",
            )
        try:
            value = float(score)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise SuiteError(
                f"score '{score}' is not a finite number",
                path=source,
                line=number,
                field="score",
                hint="the fifth column must be an ordinary number (not nan or inf)",
            )
        run[qid][docno] = value
    if not run:
        raise SuiteError(
            "no run lines: the run file is empty",
            path=source,
            hint="write run lines as: query_id Q0 doc_id rank score run_name",
        )
    return dict(run), run_id


def format_run(ranking: Ranking, run_id: str) -> str:
    """Render a ranking as TREC run lines, sorted as trec_eval ranks them."""
    lines: list[str] = []
    for qid in sorted(ranking):
        scores = ranking[qid]
        for rank, doc in enumerate(rank_documents(scores), start=1):
            lines.append(f"{qid} Q0 {doc} {rank} {scores[doc]:.6f} {run_id}\n")
    return "".join(lines)


def write_run(path: str | Path, ranking: Ranking, run_id: str) -> None:
    """Write a TREC run file atomically."""
    write_text_atomic(path, format_run(ranking, run_id))


def read_beir(
    folder: str | Path, split: str = "test"
) -> tuple[list[Document], dict[str, str], Qrels]:
    """Read a BEIR folder: ``corpus.jsonl``, ``queries.jsonl`` and ``qrels/<split>.tsv``."""
    root = Path(folder)
    corpus_path = root / "corpus.jsonl"
    documents: list[Document] = []
    for number, obj in iter_jsonl(corpus_path):
        try:
            documents.append(
                Document(
                    doc_id=str(obj.get("_id", "")),
                    title=obj.get("title") or "",
                    text=obj.get("text", ""),
                )
            )
        except ValidationError as exc:
            raise validation_error(exc, Document, corpus_path, number) from exc
    queries_path = root / "queries.jsonl"
    queries: dict[str, str] = {}
    for number, obj in iter_jsonl(queries_path):
        if "_id" not in obj or not isinstance(obj.get("text"), str):
            raise SuiteError(
                "a BEIR query needs '_id' and 'text'",
                path=queries_path,
                line=number,
                field="_id" if "_id" not in obj else "text",
                hint='write {"_id": "1", "text": "..."} per line',
            )
        queries[str(obj["_id"])] = obj["text"]
    qrels_path = root / "qrels" / f"{split}.tsv"
    qrels: Qrels = defaultdict(dict)
    lines = iter_lines(
        qrels_path, what="BEIR qrels file", hint=f"add qrels/{split}.tsv or pick a split"
    )
    for number, text in lines:
        if not text.strip():
            continue
        row = text.split("\t")
        if number == 1 and row and not row[-1].strip().lstrip("-").isdigit():
            continue  # header: query-id corpus-id score
        if len(row) != 3:
            raise SuiteError(
                f"expected 3 tab-separated columns, found {len(row)}",
                path=qrels_path,
                line=number,
                hint="write BEIR qrels as: query-id<TAB>corpus-id<TAB>score",
            )
        try:
            qrels[row[0]][row[1]] = int(row[2])
        except ValueError:
            raise SuiteError(
                f"score '{row[2]}' is not an integer",
                path=qrels_path,
                line=number,
                field="score",
                hint="write the relevance score as an integer",
            ) from None
    if not qrels:
        raise SuiteError(
            "no judgements: the BEIR qrels file has no rows",
            path=qrels_path,
            hint="write BEIR qrels as: query-id<TAB>corpus-id<TAB>score",
        )
    return documents, queries, dict(qrels)
