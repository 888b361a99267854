import gzip
import json
import math
from itertools import islice
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rank_bm25 import BM25Okapi

from evalstage.evalcore.cases import Document
from evalstage.retrieval_eval._analyzer import Analyzer, AnalyzerConfig
from evalstage.retrieval_eval._bm25 import BM25Config, BM25Retriever, lucene_document_length
from evalstage.retrieval_eval._types import Retriever

CORPUS = Path(__file__).resolve().parents[2] / "suites" / "demo" / "corpus.jsonl.gz"


@pytest.fixture(scope="module")
def scifact_docs() -> list[Document]:
    with gzip.open(CORPUS, "rt", encoding="utf-8") as handle:
        return [Document.model_validate(json.loads(line)) for line in islice(handle, 400)]


def _random_queries(vocab: list[str], rng: np.random.Generator, n: int) -> list[list[str]]:
    queries = []
    for _ in range(n):
        words = [vocab[i] for i in rng.integers(0, len(vocab), size=int(rng.integers(1, 12)))]
        words += words[: int(rng.integers(0, 3))]  # duplicates
        words += ["zzunknownzz"] * int(rng.integers(0, 2))  # not in the index
        queries.append([words[i] for i in rng.permutation(len(words))])
    return queries


@pytest.mark.parametrize(
    ("analyzer", "k1", "b", "epsilon"),
    [
        (AnalyzerConfig(), 1.5, 0.75, 0.25),
        (AnalyzerConfig(), 0.9, 0.4, 0.5),
        (AnalyzerConfig.lucene(), 1.2, 0.0, 0.25),
        (AnalyzerConfig.lucene(), 2.0, 1.0, 0.0),
    ],
)
def test_okapi_equals_rank_bm25(
    scifact_docs: list[Document], analyzer: AnalyzerConfig, k1: float, b: float, epsilon: float
) -> None:
    tokens = Analyzer(analyzer).tokenize_many([d.full_text for d in scifact_docs])
    ours = BM25Retriever(BM25Config(k1=k1, b=b, epsilon=epsilon, analyzer=analyzer))
    ours.index_tokenized([d.doc_id for d in scifact_docs], tokens)
    reference = BM25Okapi(tokens, k1=k1, b=b, epsilon=epsilon)

    assert ours.avgdl == pytest.approx(reference.avgdl, abs=0)
    vocab = sorted(reference.idf)
    assert [ours.idf[ours.vocabulary[w]] for w in vocab] == pytest.approx(
        [reference.idf[w] for w in vocab], abs=1e-12
    )
    if analyzer.stopwords == "none":  # "the", "of" ... are in most docs: the epsilon floor
        assert reference.idf["the"] == pytest.approx(epsilon * reference.average_idf)

    rng = np.random.default_rng(7)
    for query in [*_random_queries(vocab, rng, 60), [], ["zzunknownzz"], ["the", "the", "the"]]:
        expected = reference.get_scores(query)
        got = ours.get_scores(query)
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9)


def test_search_top_k_is_rank_bm25_order(scifact_docs: list[Document]) -> None:
    config = BM25Config(analyzer=AnalyzerConfig.lucene())
    ours = BM25Retriever(config)
    ours.index(scifact_docs)
    tokens = Analyzer(config.analyzer).tokenize_many([d.full_text for d in scifact_docs])
    reference = BM25Okapi(tokens)
    ids = [d.doc_id for d in scifact_docs]
    queries = {d.doc_id: d.title for d in scifact_docs[:40]}
    ranking = ours.search(queries, k=10)
    assert set(ranking) == set(queries)
    for qid, text in queries.items():
        scores = reference.get_scores(Analyzer(config.analyzer).tokenize(text))
        order = sorted(range(len(ids)), key=lambda i: (-scores[i], ids[i]))  # score desc
        expected = [ids[i] for i in order[:10] if scores[i] != 0]
        got = list(ranking[qid])
        assert got == expected
        assert list(ranking[qid].values()) == pytest.approx([scores[ids.index(d)] for d in got])
        assert ranking[qid][qid] == max(ranking[qid].values())  # a title finds its own doc


def test_small_batches_give_the_same_ranking(scifact_docs: list[Document]) -> None:
    queries = {d.doc_id: d.text[:200] for d in scifact_docs[:25]}
    big = BM25Retriever(BM25Config())
    small = BM25Retriever(BM25Config(max_batch_candidates=1))
    big.index(scifact_docs)
    small.index(scifact_docs)
    assert small.search(queries, 20) == big.search(queries, 20)


def test_ties_break_by_doc_id_descending() -> None:
    docs = [Document(doc_id=i, text="apple pie") for i in ["b", "a", "c", "d"]]
    docs += [Document(doc_id=f"z{i}", text="banana bread") for i in range(5)]
    retriever = BM25Retriever(BM25Config(analyzer=AnalyzerConfig()))
    retriever.index(docs)
    ranking = retriever.search({"q": "apple"}, k=3)["q"]
    assert list(ranking) == ["d", "c", "b"]
    assert len(set(ranking.values())) == 1


def test_only_matching_documents_are_returned() -> None:
    docs = [Document(doc_id=str(i), text=t) for i, t in enumerate(["red fox", "blue sky", "sun"])]
    retriever = BM25Retriever(BM25Config(analyzer=AnalyzerConfig(), variant="lucene"))
    retriever.index(docs)
    ranking = retriever.search({"a": "red red sky", "b": "nothing here", "c": ""}, k=10)
    assert list(ranking["a"]) == ["0", "1"]  # "red" counted twice beats "sky" once
    assert ranking["b"] == {}
    assert ranking["c"] == {}


def test_lucene_variant_hand_computed() -> None:
    # doc "long" has 41 tokens: Lucene stores its length as 40 (one-byte norm).
    long_text = "cat " + " ".join(f"w{i}" for i in range(40))
    docs = [
        Document(doc_id="long", text=long_text),
        Document(doc_id="short", text="cat cat dog"),
        Document(doc_id="other", text="dog"),
        Document(doc_id="empty", text=""),
    ]
    k1, b = 0.9, 0.4
    retriever = BM25Retriever(BM25Config(k1=k1, b=b, variant="lucene", analyzer=AnalyzerConfig()))
    retriever.index(docs)
    n, avgdl = 3, (41 + 3 + 1) / 3  # the empty doc is not counted, as in Lucene's docCount
    idf_cat = math.log(1 + (n - 2 + 0.5) / (2 + 0.5))

    def term(tf: float, dl: float) -> float:
        return idf_cat * tf / (tf + k1 * (1 - b + b * dl / avgdl))

    scores = retriever.get_scores(["cat"])
    assert scores[0] == pytest.approx(term(1, 40), rel=1e-12)
    assert scores[0] != pytest.approx(term(1, 41), rel=1e-6)
    assert scores[1] == pytest.approx(term(2, 3), rel=1e-12)
    assert scores[2] == 0.0 and scores[3] == 0.0
    assert list(retriever.search({"q": "cat"}, 5)["q"]) == ["short", "long"]


def _lucene_smallfloat(length: int) -> int:
    """Direct port of Lucene's SmallFloat.byte4ToInt(SmallFloat.intToByte4(length))."""

    def long_to_int4(i: int) -> int:
        bits = i.bit_length()
        if bits < 4:
            return i
        shift = bits - 4
        return ((i >> shift) & 0x07) | ((shift + 1) << 3)

    def int4_to_long(i: int) -> int:
        bits, shift = i & 0x07, (i >> 3) - 1
        return bits if shift == -1 else (bits | 0x08) << shift

    free = 255 - long_to_int4(2**31 - 1)
    encoded = length if length < free else free + long_to_int4(length - free)
    return encoded if encoded < free else free + int4_to_long(encoded - free)


def test_lucene_document_length_matches_smallfloat() -> None:
    lengths = [*range(0, 3000), 65_537, 1_000_003, 2**31 - 1]
    assert lucene_document_length(lengths).tolist() == [_lucene_smallfloat(n) for n in lengths]
    assert lucene_document_length([23, 24, 41, 100]).tolist() == [23, 24, 40, 96]


def test_protocol_and_errors() -> None:
    retriever = BM25Retriever()
    assert isinstance(retriever, Retriever)
    with pytest.raises(RuntimeError):
        retriever.search({"q": "x"}, 3)
    with pytest.raises(ValueError):
        retriever.index([])
    with pytest.raises(ValueError):
        retriever.index([Document(doc_id="a", text="x"), Document(doc_id="a", text="y")])
    retriever.index([Document(doc_id="a", text="x")])
    with pytest.raises(ValueError):
        retriever.search({"q": "x"}, 0)


@settings(max_examples=60, deadline=None)
@given(
    corpus=st.lists(
        st.lists(st.sampled_from("abcdefg"), min_size=0, max_size=12), min_size=1, max_size=15
    ).filter(lambda c: any(c)),
    query=st.lists(st.sampled_from("abcdefgh"), max_size=8),
    k1=st.floats(0.1, 3.0),
    b=st.floats(0.0, 1.0),
)
def test_okapi_property(corpus: list[list[str]], query: list[str], k1: float, b: float) -> None:
    retriever = BM25Retriever(BM25Config(k1=k1, b=b))
    retriever.index_tokenized([f"d{i}" for i in range(len(corpus))], corpus)
    with np.errstate(invalid="ignore", divide="ignore"):
        expected = BM25Okapi(corpus, k1=k1, b=b).get_scores(query)
    ours = retriever.get_scores(query)
    # rank_bm25 divides 0 by 0 for an empty document when b = 1 (its length norm is then 0):
    # the document contains no query term, so its score is 0, which is what we return.
    undefined = ~np.isfinite(expected)
    assert all(len(corpus[i]) == 0 for i in np.flatnonzero(undefined))
    assert np.all(ours[undefined] == 0.0)
    np.testing.assert_allclose(ours[~undefined], expected[~undefined], rtol=0, atol=1e-9)
