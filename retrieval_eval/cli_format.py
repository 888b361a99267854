"""trec_eval's text output, and the corpus and query files that ``evalstage retrieval`` reads."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from evalstage.evalcore.cases import Document
from evalstage.evalcore.errors import SuiteError
from evalstage.evalcore.files import iter_lines
from evalstage.evalcore.loaders import iter_jsonl, validation_error
from evalstage.retrieval_eval._evaluate import Evaluation
from evalstage.retrieval_eval.measures import Measure

DEFAULT_MEASURES = [
    "num_q",
    "num_ret",
    "num_rel",
    "num_rel_ret",
    "map",
    "Rprec",
    "recip_rank",
    "P.5,10,15,20,30,100,200,500,1000",
    "ndcg",
    "ndcg_cut.5,10,20,100",
    "recall.5,10,100,1000",
    "success.1,5,10",
]


def _line(measure: Measure, qid: str, value: float) -> str:
    text = f"{value:.0f}" if measure.is_count else f"{value:.4f}"
    return f"{measure.trec_name:<22}\t{qid}\t{text}\n"


def format_trec_eval(
    result: Evaluation, measures: list[Measure], *, run_id: str, per_query: bool
) -> str:
    """``measure<TAB>qid|all<TAB>value`` lines, per query (with ``-q``) and then ``all``."""
    lines: list[str] = []
    if per_query:
        for i, qid in enumerate(result.query_ids):
            lines.extend(
                _line(m, qid, float(result.values[m][i])) for m in measures if m.family != "num_q"
            )
    lines.append(f"{'runid':<22}\tall\t{run_id}\n")
    lines.extend(_line(m, "all", result.aggregate(m)) for m in measures)
    return "".join(lines)


def read_corpus(path: Path) -> list[Document]:
    """JSONL documents with ``doc_id`` (or BEIR's ``_id``), ``title`` and ``text``."""
    documents = []
    seen: set[str] = set()
    for number, obj in iter_jsonl(path):
        doc_id = str(obj.get("doc_id", obj.get("_id", "")))
        if not doc_id or "text" not in obj:
            raise SuiteError(
                "a document needs 'doc_id' (or '_id') and 'text'",
                path=path,
                line=number,
                field="doc_id" if not doc_id else "text",
                hint='write {"doc_id": "...", "title": "...", "text": "..."} per line',
            )
        if doc_id in seen:
            raise SuiteError(f"duplicate doc_id '{doc_id}'", path=path, line=number, field="doc_id")
        seen.add(doc_id)
        try:
            document = Document(doc_id=doc_id, title=obj.get("title") or "", text=obj["text"])
        except ValidationError as exc:
            raise validation_error(exc, Document, path, number) from exc
        documents.append(document)
    if not documents:
        raise SuiteError(
            "no documents: the corpus file is empty",
            path=path,
            hint='write one {"doc_id": "...", "text": "..."} object per line',
        )
    return documents


_QUERY_HINT = 'write one {"query_id": "1", "query": "..."} per line, or query_id<TAB>text'


def read_queries(path: Path) -> dict[str, str]:
    """Queries from JSONL (``query_id``/``_id`` + ``query``/``text``) or TSV ``qid<TAB>text``."""
    if path.suffix in (".jsonl", ".gz") and not path.name.endswith(".tsv.gz"):
        queries: dict[str, str] = {}
        for number, obj in iter_jsonl(path):
            qid = obj.get("query_id", obj.get("_id"))
            text = obj.get("query", obj.get("text"))
            if qid is None or not isinstance(text, str):
                raise SuiteError(
                    "a query needs 'query_id' (or '_id') and 'query' (or 'text')",
                    path=path,
                    line=number,
                    hint='write {"query_id": "1", "query": "..."}',
                )
            queries[str(qid)] = text
        if not queries:
            raise SuiteError("no queries: the file is empty", path=path, hint=_QUERY_HINT)
        return queries
    queries = {}
    for number, line in iter_lines(path, what="queries file", hint="check the --queries path"):
        if not line.strip():
            continue
        if "\t" not in line:
            raise SuiteError(
                "expected query_id<TAB>text",
                path=path,
                line=number,
                hint="separate the query id and the text with a tab, or use JSONL",
            )
        qid, text = line.split("\t", 1)
        queries[qid] = text
    if not queries:
        raise SuiteError("no queries: the file is empty", path=path, hint=_QUERY_HINT)
    return queries
