"""Invariants and edge cases of the retrieval metrics."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalstage.evalcore import SuiteError
from evalstage.retrieval_eval import EvalOptions, Measure, evaluate, parse_measure, parse_measures

ALL = [
    parse_measure(m)
    for m in [
        "P_1",
        "P_5",
        "P_20",
        "recall_1",
        "recall_5",
        "recall_20",
        "ndcg_cut_1",
        "ndcg_cut_5",
        "ndcg_cut_20",
        "map_cut_5",
        "map",
        "ndcg",
        "recip_rank",
        "Rprec",
        "success_1",
        "success_5",
    ]
]

docs = st.sampled_from([f"d{i}" for i in range(15)])
qrels_st = st.dictionaries(docs, st.integers(-1, 3), min_size=1, max_size=10)
scores_st = st.dictionaries(docs, st.sampled_from([0.0, 0.5, 1.0, 1.5, 2.0, 3.0]), max_size=15)


@settings(max_examples=150, deadline=None)
@given(qrels_st, scores_st, st.integers(0, 3))
def test_values_lie_in_unit_interval(
    qrels: dict[str, int], scores: dict[str, float], level: int
) -> None:
    result = evaluate({"q": qrels}, {"q": scores}, ALL, EvalOptions(relevance_level=level))
    for measure, column in result.values.items():
        assert np.all((column >= 0.0) & (column <= 1.0 + 1e-12)), measure


@settings(max_examples=150, deadline=None)
@given(qrels_st, scores_st)
def test_recall_is_monotone_in_k(qrels: dict[str, int], scores: dict[str, float]) -> None:
    measures = [Measure("recall", k) for k in range(1, 17)]
    result = evaluate({"q": qrels}, {"q": scores}, measures)
    values = [float(result.values[m][0]) for m in measures]
    assert values == sorted(values)


@settings(max_examples=150, deadline=None)
@given(qrels_st, scores_st, st.randoms(use_true_random=False))
def test_input_order_of_tied_documents_does_not_matter(
    qrels: dict[str, int], scores: dict[str, float], rnd: random.Random
) -> None:
    items = list(scores.items())
    rnd.shuffle(items)
    a = evaluate({"q": qrels}, {"q": scores}, ALL)
    b = evaluate({"q": qrels}, {"q": dict(items)}, ALL)
    for measure in ALL:
        assert np.array_equal(a.values[measure], b.values[measure])


def test_ties_are_broken_by_docno_descending() -> None:
    # both docs score 1.0: trec_eval ranks "b" before "a", so only "b" relevant gives RR = 1
    assert (
        evaluate({"q": {"b": 1}}, {"q": {"a": 1.0, "b": 1.0}}, ["mrr"]).aggregate(
            Measure("recip_rank")
        )
        == 1.0
    )
    assert (
        evaluate({"q": {"a": 1}}, {"q": {"a": 1.0, "b": 1.0}}, ["mrr"]).aggregate(
            Measure("recip_rank")
        )
        == 0.5
    )


def test_empty_run_and_missing_query_policies() -> None:
    qrels = {"q1": {"a": 1}, "q2": {"b": 1}}
    run = {"q1": {"a": 2.0}}
    skip = evaluate(qrels, run, ["P_1"])
    zero = evaluate(qrels, run, ["P_1"], EvalOptions(missing_queries="zero"))
    assert skip.query_ids == ["q1"] and skip.aggregate(Measure("P", 1)) == 1.0
    assert zero.query_ids == ["q1", "q2"] and zero.aggregate(Measure("P", 1)) == 0.5
    nothing = evaluate(qrels, {}, ["P_1", "ndcg"])
    assert nothing.query_ids == [] and nothing.aggregate(Measure("ndcg")) == 0.0


def test_no_relevant_documents_gives_zero_not_nan() -> None:
    result = evaluate({"q": {"a": 0}}, {"q": {"a": 1.0}}, ALL)
    for column in result.values.values():
        assert column.tolist() == [0.0]


def test_precision_divides_by_k_even_when_fewer_retrieved() -> None:
    result = evaluate({"q": {"a": 1}}, {"q": {"a": 1.0}}, ["P_10", "ndcg_cut_10"])
    assert result.aggregate(Measure("P", 10)) == pytest.approx(0.1)
    assert result.aggregate(Measure("ndcg_cut", 10)) == 1.0


def test_graded_ndcg_hand_computed() -> None:
    # ranking b(1), a(2); ideal a(2), b(1)
    result = evaluate({"q": {"a": 2, "b": 1}}, {"q": {"b": 2.0, "a": 1.0}}, ["ndcg"])
    dcg = 1 / np.log2(2) + 2 / np.log2(3)
    idcg = 2 / np.log2(2) + 1 / np.log2(3)
    assert result.aggregate(Measure("ndcg")) == pytest.approx(dcg / idcg)


@pytest.mark.parametrize("bad", ["ndcg@0", "ndcg@x", "foo", "mrr@10", "P_"])
def test_bad_measure_names_raise_with_hint(bad: str) -> None:
    with pytest.raises(SuiteError) as info:
        parse_measures(bad)
    assert info.value.hint


def test_names_round_trip() -> None:
    for text, trec, own in [
        ("ndcg@10", "ndcg_cut_10", "ndcg@10"),
        ("hit@5", "success_5", "hit@5"),
        ("map@100", "map_cut_100", "map@100"),
        ("mrr", "recip_rank", "mrr"),
        ("r-precision", "Rprec", "r-precision"),
        ("recall_10", "recall_10", "recall@10"),
    ]:
        m = parse_measure(text)
        assert (m.trec_name, m.name) == (trec, own)
        assert parse_measure(m.trec_name) == m == parse_measure(m.name)
