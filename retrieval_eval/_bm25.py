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

from collections import defaultdict
from collections.abc import Mapping, Sequence
from itertools import chain
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp  # type: ignore[import-untyped, unused-ignore]
from pydantic import BaseModel, ConfigDict, Field

from evalstage.evalcore.cases import Document
from evalstage.retrieval_eval._analyzer import Analyzer, AnalyzerConfig
from evalstage.retrieval_eval._types import Ranking

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
        self._doc_id_array: npt.NDArray[np.object_] = np.zeros(0, dtype=object)

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
        # Term ids in order of first occurrence; a defaultdict whose factory is its own
        # __len__ assigns them in one C-level pass over all tokens.
        ids_of: defaultdict[str, int] = defaultdict()
        ids_of.default_factory = ids_of.__len__
        lengths = np.fromiter(map(len, corpus_tokens), np.int64, count=n_docs)
        term_ids = np.fromiter(
            map(ids_of.__getitem__, chain.from_iterable(corpus_tokens)),
            np.int64,
            count=int(lengths.sum()),
        )
        vocab = dict(ids_of)
        n_terms = len(vocab)
        docs = np.repeat(np.arange(n_docs, dtype=np.int64), lengths)
        # Term-by-document counts; duplicates (a term repeated in a doc) are summed. Tokens
        # come doc by doc, so each term's row is already sorted by document.
        counts = sp.csr_matrix((np.ones(len(term_ids)), (term_ids, docs)), shape=(n_terms, n_docs))
        counts.sum_duplicates()
        tf = counts.data
        post_docs = counts.indices
        df = np.diff(counts.indptr).astype(np.float64)
        post_terms = np.repeat(np.arange(n_terms, dtype=np.int64), np.diff(counts.indptr))

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

        self._postings = sp.csr_matrix((weights, post_docs, counts.indptr), shape=(n_terms, n_docs))
        self.doc_ids = list(doc_ids)
        self.vocabulary = vocab
        self.idf = idf
        self.doc_lengths = lengths
        self.avgdl = avgdl
        # Position of each document when doc ids are sorted descending: the tie-break key.
        order = sorted(range(n_docs), key=self.doc_ids.__getitem__, reverse=True)
        self._tiebreak = np.empty(n_docs, dtype=np.int64)
        self._tiebreak[np.asarray(order, dtype=np.int64)] = np.arange(n_docs, dtype=np.int64)
        self._doc_id_array = np.array(self.doc_ids, dtype=object)

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
        n_queries, n_terms = len(qids), postings.shape[0]
        get = self.vocabulary.get
        known = [[t for t in map(get, queries[qid]) if t is not None] for qid in qids]
        sizes = np.fromiter(map(len, known), np.int64, count=n_queries)
        rows = np.repeat(np.arange(n_queries, dtype=np.int64), sizes)
        cols = np.fromiter(chain.from_iterable(known), np.int64, count=int(sizes.sum()))
        # Query term counts (a repeated term sums to its count).
        query_matrix = sp.csr_matrix((np.ones(len(cols)), (rows, cols)), shape=(n_queries, n_terms))
        query_matrix.sum_duplicates()
        # Upper bound on each query's matched documents: its postings lengths summed.
        post_len = np.diff(postings.indptr)
        cost = np.bincount(rows, weights=post_len[cols], minlength=n_queries).astype(np.int64)

        ranking: Ranking = {}
        budget = self.config.max_batch_candidates
        start = 0
        while start < n_queries:
            end, spent = start + 1, int(cost[start])
            while end < n_queries and spent + int(cost[end]) <= budget:
                spent += int(cost[end])
                end += 1
            scores = (query_matrix[start:end] @ postings).tocsr()
            bounds = scores.indptr.tolist()
            for offset, qid in enumerate(qids[start:end]):
                lo, hi = bounds[offset], bounds[offset + 1]
                ranking[qid] = self._top_k(scores.indices[lo:hi], scores.data[lo:hi], k)
            start = end
        return ranking

    def _top_k(
        self, docs: npt.NDArray[np.integer[Any]], scores: FloatArray, k: int
    ) -> dict[str, float]:
        """Top ``k`` of one query's matched documents, ties by doc id descending."""
        m = len(scores)
        if m >= 8 * k:
            # The k-th largest score of any subset of >= k scores is a lower bound on the
            # k-th largest overall: a strided sample of ~4k scores prunes most candidates
            # before the (comparatively slow) exact partition.
            sample = scores[:: m // (4 * k)]
            bound = np.partition(sample, len(sample) - k)[len(sample) - k]
            keep = np.flatnonzero(scores >= bound)
            docs, scores, m = docs[keep], scores[keep], len(keep)
        if m > k:
            kth = np.partition(scores, m - k)[m - k]
            keep = np.flatnonzero(scores >= kth)
            docs, scores = docs[keep], scores[keep]
        order = np.lexsort((self._tiebreak[docs], -scores))[:k]
        ids = self._doc_id_array[docs[order]].tolist()
        return dict(zip(ids, scores[order].tolist(), strict=True))
