from collections.abc import Mapping, Sequence

import pytest

from evalstage.evalcore.cases import Document
from evalstage.retrieval_eval._hybrid import HybridConfig, HybridRetriever, reciprocal_rank_fusion
from evalstage.retrieval_eval._types import Ranking, Retriever

LEXICAL: Ranking = {"q1": {"d1": 3.0, "d2": 2.0, "d3": 1.0}, "q2": {"d5": 1.0}}
DENSE: Ranking = {"q1": {"d3": 0.9, "d1": 0.5, "d4": 0.1}}


def test_rrf_hand_computed() -> None:
    fused = reciprocal_rank_fusion([LEXICAL, DENSE], k=10, rrf_k=60)
    assert list(fused["q1"]) == ["d1", "d3", "d2", "d4"]
    assert fused["q1"]["d1"] == pytest.approx(1 / 61 + 1 / 62)
    assert fused["q1"]["d3"] == pytest.approx(1 / 63 + 1 / 61)
    assert fused["q1"]["d2"] == pytest.approx(1 / 62)
    assert fused["q1"]["d4"] == pytest.approx(1 / 63)
    assert fused["q2"] == {"d5": pytest.approx(1 / 61)}  # a query only one run has


def test_rrf_truncates_to_k_and_uses_rrf_k() -> None:
    fused = reciprocal_rank_fusion([LEXICAL, DENSE], k=2, rrf_k=0)
    # rrf_k=0: d1 = 1/1 + 1/2, d3 = 1/3 + 1/1, d2 = 1/2, d4 = 1/3
    assert fused["q1"] == {"d1": pytest.approx(1.5), "d3": pytest.approx(4 / 3)}


def test_rrf_ranks_by_score_not_by_insertion_order() -> None:
    shuffled: Ranking = {"q": {"low": 0.1, "high": 0.9, "mid": 0.5}}
    fused = reciprocal_rank_fusion([shuffled], k=3, rrf_k=1)
    assert fused["q"] == {
        "high": pytest.approx(1 / 2),
        "mid": pytest.approx(1 / 3),
        "low": pytest.approx(1 / 4),
    }


def test_rrf_ties_broken_by_doc_id_descending() -> None:
    run: Ranking = {"q": {"a": 1.0, "c": 1.0, "b": 1.0}}
    fused = reciprocal_rank_fusion([run], k=3, rrf_k=60)
    assert list(fused["q"]) == ["c", "b", "a"]
    assert fused["q"]["c"] == pytest.approx(1 / 61)
    assert fused["q"]["a"] == pytest.approx(1 / 63)
    # equal fused scores come out in doc id descending order too
    mirrored = reciprocal_rank_fusion(
        [{"q": {"x": 2.0, "y": 1.0}}, {"q": {"y": 2.0, "x": 1.0}}], k=2
    )
    assert list(mirrored["q"]) == ["y", "x"]
    assert mirrored["q"]["x"] == pytest.approx(mirrored["q"]["y"])


def test_rrf_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError):
        reciprocal_rank_fusion([LEXICAL], k=0)
    with pytest.raises(ValueError):
        reciprocal_rank_fusion([LEXICAL], k=1, rrf_k=-1)
    assert reciprocal_rank_fusion([], k=5) == {}


class Canned:
    """A retriever that returns a fixed run and records what it was asked."""

    def __init__(self, run: Ranking) -> None:
        self.run = run
        self.indexed: list[str] = []
        self.asked_k: list[int] = []

    def index(self, documents: Sequence[Document]) -> None:
        self.indexed = [d.doc_id for d in documents]

    def search(self, queries: Mapping[str, str], k: int) -> Ranking:
        self.asked_k.append(k)
        return {q: dict(list(self.run.get(q, {}).items())[:k]) for q in queries}


def test_hybrid_retriever_fuses_its_two_runs() -> None:
    lexical, dense = Canned(LEXICAL), Canned(DENSE)
    hybrid = HybridRetriever(HybridConfig(rrf_k=60, depth=100), lexical=lexical, dense=dense)
    assert isinstance(hybrid, Retriever)
    hybrid.index([Document(doc_id="d1", text="x")])
    assert lexical.indexed == dense.indexed == ["d1"]
    ranking = hybrid.search({"q1": "anything", "q3": "nothing"}, k=3)
    assert lexical.asked_k == dense.asked_k == [100]
    assert list(ranking["q1"]) == ["d1", "d3", "d2"]
    assert ranking["q1"]["d1"] == pytest.approx(1 / 61 + 1 / 62)
    assert ranking["q3"] == {}


def test_hybrid_depth_limits_what_is_fused() -> None:
    lexical, dense = Canned(LEXICAL), Canned(DENSE)
    hybrid = HybridRetriever(HybridConfig(depth=1), lexical=lexical, dense=dense)
    ranking = hybrid.search({"q1": "anything"}, k=1)
    # only d1 (lexical #1) and d3 (dense #1) are seen: a tie at 1/61, doc id descending wins
    assert ranking == {"q1": {"d3": pytest.approx(1 / 61)}}
    assert lexical.asked_k == [1]
