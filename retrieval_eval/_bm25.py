"""BM25 over a sparse term-by-document weight matrix.

At index time every (term, document) pair gets its final BM25 weight, stored as a CSR matrix
with one row per term (the postings lists). A batch of queries is then one sparse product
``Q @ W`` of the query term-count matrix with that matrix, and each row's top ``k`` comes from
``np.argpartition`` over the documents that matched at least one query term.

Two variants:

``okapi``
    Scores equal ``rank_bm25.BM25Okapi(corpus, k1, b, epsilon).get_scores(tokens)``:
    ``idf = ln((N - n + 0.5) / (n + 0.5))``, negative idfs replaced by ``epsilon`` times the
    mean idf over the vocabulary, and a term weight of
    ``idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl))``.
``lucene``
    Lucene's ``BM25Similarity`` (Lucene 8 and later, which Pyserini uses):
    ``idf = ln(1 + (N - n + 0.5) / (n + 0.5))`` and ``idf * tf / (tf + k1 * (1 - b + b * dl /
    avgdl))``, *without* the constant ``(k1 + 1)`` factor (it does not change the ranking).
    Document lengths are rounded as Lucene stores them (one byte per document,
    ``SmallFloat.intToByte4``: exact below 24, then four significant bits), while ``avgdl`` is
    exact; ``N`` and ``avgdl`` count only documents with at least one term, as Lucene's
    ``docCount`` does.

In both, a query term that occurs twice counts twice, and a term unknown to the index adds 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp  # type: ignore[import-untyped, unused-ignore]
from pydantic import BaseModel, ConfigDict, Field

from evalcore.cases import Document
from retrieval_eval._analyzer import Analyzer, AnalyzerConfig
from retrieval_eval._types import Ranking

__all__ = ["BM25Config", "BM25Retriever", "lucene_document_length"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


class BM25Config(BaseModel):
    """Parameters of a BM25 retriever."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    k1: float = Field(default=1.5, ge=0.0, description="Term-frequency saturation.")
    b: float = Field(default=0.75, ge=0.0, le=1.0, description="Length normalisation.")
    epsilon: float = Field(
        default=0.25, description="okapi only: negative idfs become epsilon * mean idf."
    )
    variant: Literal["okapi", "lucene"] = "okapi"
    analyzer: AnalyzerConfig = Field(default_factory=AnalyzerConfig.lucene)
    max_batch_candidates: int = Field(
        default=1 << 23,
        ge=1,
        description="Bound on the summed postings lengths scored in one batch of queries "
        "(about 12 bytes each); larger batches are faster, smaller ones use less memory.",
    )

    @classmethod
    def pyserini(cls) -> BM25Config:
        """Pyserini's BEIR "flat" baseline: Lucene BM25, k1=0.9, b=0.4, English analyzer."""
        return cls(k1=0.9, b=0.4, variant="lucene", analyzer=AnalyzerConfig.lucene())


_NUM_FREE_VALUES = 24  # 255 - SmallFloat.longToInt4(Integer.MAX_VALUE)


def _int4_round(values: IntArray) -> IntArray:
    """Round non-negative integers (below 2**53) down to their four most significant bits."""
    bit_length = np.frexp(values.astype(np.float64))[1].astype(np.int64)  # exact below 2**53
    shift = np.maximum(bit_length - 4, 0)
    return (values >> shift) << shift


def lucene_document_length(lengths: npt.ArrayLike) -> IntArray:
    """Return document lengths as Lucene decodes them from its one-byte norms.

    ``SmallFloat.byte4ToInt(SmallFloat.intToByte4(length))``: lengths below 24 are exact,
    longer ones keep four significant bits of ``length - 24``.
    """
    arr = np.asarray(lengths, dtype=np.int64)
    if arr.size and arr.min() < 0:
        raise ValueError("document lengths must be non-negative")
    free = np.maximum(arr - _NUM_FREE_VALUES, 0)
    return np.where(arr < _NUM_FREE_VALUES, arr, _NUM_FREE_VALUES + _int4_round(free))


class BM25Retriever:
    """Sparse BM25 retriever; implements the ``Retriever`` protocol.

    Only documents with a non-zero score are returned, so a query may get fewer than ``k``.
    Ties are broken by doc id, descending, the order trec_eval assumes.
    """

    def __init__(self, config: BM25Config | None = None) -> None:
        self.config = config if config is not None else BM25Config()
        self.analyzer = Analyzer(self.config.analyzer)
        self.doc_ids: list[str] = []
        self.vocabulary: dict[str, int] = {}
        self.idf: FloatArray = np.zeros(0)
        self.doc_lengths: IntArray = np.zeros(0, dtype=np.int64)
        self.avgdl = 0.0
        self._postings: Any = None  # scipy CSR, terms x documents, BM25 weights
        self._tiebreak: IntArray = np.zeros(0, dtype=np.int64)

    # ------------------------------------------------------------------ indexing
    def index(self, documents: Sequence[Document]) -> None:
        """Analyse ``full_text`` of every document and build the index."""
        tokens = self.analyzer.tokenize_many([doc.full_text for doc in documents])
        self.index_tokenized([doc.doc_id for doc in documents], tokens)

    def index_tokenized(
        self, doc_ids: Sequence[str], corpus_tokens: Sequence[Sequence[str]]
    ) -> None:
        """Build the index from already analysed documents (one token list per doc id)."""
        if len(doc_ids) != len(corpus_tokens):
            raise ValueError(f"{len(doc_ids)} doc ids but {len(corpus_tokens)} token lists")
        if not doc_ids:
            raise ValueError("cannot index an empty corpus")
        if len(set(doc_ids)) != len(doc_ids):
            raise ValueError("doc ids must be unique")
        n_docs = len(doc_ids)
        vocab: dict[str, int] = {}
        setdefault = vocab.setdefault
        term_ids = np.fromiter(
            (setdefault(tok, len(vocab)) for toks in corpus_tokens for tok in toks),
            dtype=np.int64,
        )
        lengths = np.fromiter((len(toks) for toks in corpus_tokens), np.int64, count=n_docs)
        n_terms = len(vocab)
        docs = np.repeat(np.arange(n_docs, dtype=np.int64), lengths)
        # One key per (term, doc) pair, term-major, so the unique keys come out as postings.
        pairs, tf_int = np.unique(term_ids * n_docs + docs, return_counts=True)
        post_terms = pairs // n_docs
        post_docs = pairs - post_terms * n_docs
        df = np.bincount(post_terms, minlength=n_terms).astype(np.float64)
        tf = tf_int.astype(np.float64)

        k1, b = self.config.k1, self.config.b
        if self.config.variant == "okapi":
            n = float(n_docs)
            avgdl = float(lengths.sum()) / n
            idf = np.log(n - df + 0.5) - np.log(df + 0.5)
            if n_terms:
                floor = self.config.epsilon * (float(idf.sum()) / n_terms)
                idf = np.where(idf < 0, floor, idf)
            dl = lengths.astype(np.float64)
            norm = k1 * (1.0 - b + b * dl / avgdl) if avgdl > 0 else np.full(n_docs, k1)
            weights = idf[post_terms] * (tf * (k1 + 1.0)) / (tf + norm[post_docs])
        else:
            nonempty = lengths > 0
            n = float(np.count_nonzero(nonempty))
            avgdl = float(lengths.sum()) / n if n else 0.0
            idf = np.log1p((n - df + 0.5) / (df + 0.5))
            dl = lucene_document_length(lengths).astype(np.float64)
            norm = k1 * (1.0 - b + b * dl / avgdl) if avgdl > 0 else np.full(n_docs, k1)
            weights = idf[post_terms] * tf / (tf + norm[post_docs])

        indptr = np.zeros(n_terms + 1, dtype=np.int64)
        np.cumsum(df.astype(np.int64), out=indptr[1:])
        index_dtype = np.int32 if max(n_docs, len(weights)) < 2**31 else np.int64
        self._postings = sp.csr_matrix(
            (weights, post_docs.astype(index_dtype), indptr.astype(index_dtype)),
            shape=(n_terms, n_docs),
        )
        self.doc_ids = list(doc_ids)
        self.vocabulary = vocab
        self.idf = idf
        self.doc_lengths = lengths
        self.avgdl = avgdl
        # Position of each document when doc ids are sorted descending: the tie-break key.
        order = sorted(range(n_docs), key=self.doc_ids.__getitem__, reverse=True)
        self._tiebreak = np.empty(n_docs, dtype=np.int64)
        self._tiebreak[np.asarray(order, dtype=np.int64)] = np.arange(n_docs, dtype=np.int64)

    # ------------------------------------------------------------------- scoring
    def _require_index(self) -> Any:
        if self._postings is None:
            raise RuntimeError("index() must be called before searching")
        return self._postings

    def get_scores(self, tokens: Sequence[str]) -> FloatArray:
        """Return the score of every indexed document for one analysed query, in index order."""
        postings = self._require_index()
        scores = np.zeros(len(self.doc_ids))
        indptr, indices, data = postings.indptr, postings.indices, postings.data
        for term in tokens:
            tid = self.vocabulary.get(term)
            if tid is not None:
                start, end = indptr[tid], indptr[tid + 1]
                scores[indices[start:end]] += data[start:end]
        return scores

    def search(self, queries: Mapping[str, str], k: int) -> Ranking:
        """Return the top ``k`` documents with their scores for every query id."""
        qids = list(queries)
        tokens = self.analyzer.tokenize_many([queries[qid] for qid in qids])
        return self.search_tokenized(dict(zip(qids, tokens, strict=True)), k)

    def search_tokenized(self, queries: Mapping[str, Sequence[str]], k: int) -> Ranking:
        """Like :meth:`search`, for queries that are already analysed."""
        if k < 1:
            raise ValueError("k must be at least 1")
        postings = self._require_index()
        qids = list(queries)
        rows: list[int] = []
        cols: list[int] = []
        vals: list[float] = []
        cost = np.zeros(len(qids), dtype=np.int64)
        post_len = np.diff(postings.indptr)
        for row, qid in enumerate(qids):
            counts: dict[int, int] = {}
            for term in queries[qid]:
                tid = self.vocabulary.get(term)
                if tid is not None:
                    counts[tid] = counts.get(tid, 0) + 1
            for tid, count in counts.items():
                rows.append(row)
                cols.append(tid)
                vals.append(float(count))
            if counts:
                cost[row] = int(post_len[list(counts)].sum())
        query_matrix = sp.csr_matrix(
            (vals, (rows, cols)), shape=(len(qids), postings.shape[0]), dtype=np.float64
        )
        ranking: Ranking = {}
        budget = self.config.max_batch_candidates
        start = 0
        while start < len(qids):
            end, spent = start + 1, int(cost[start])
            while end < len(qids) and spent + int(cost[end]) <= budget:
                spent += int(cost[end])
                end += 1
            scores = (query_matrix[start:end] @ postings).tocsr()
            for offset in range(end - start):
                lo, hi = scores.indptr[offset], scores.indptr[offset + 1]
                ranking[qids[start + offset]] = self._top_k(
                    scores.indices[lo:hi], scores.data[lo:hi], k
                )
            start = end
        return ranking

    def _top_k(
        self, docs: npt.NDArray[np.integer[Any]], scores: FloatArray, k: int
    ) -> dict[str, float]:
        if len(docs) > k:
            kth = np.partition(scores, len(scores) - k)[len(scores) - k]
            keep = scores >= kth
            docs, scores = docs[keep], scores[keep]
        order = np.lexsort((self._tiebreak[docs], -scores))[:k]
        ids = self.doc_ids
        return {ids[d]: float(s) for d, s in zip(docs[order].tolist(), scores[order].tolist())}
