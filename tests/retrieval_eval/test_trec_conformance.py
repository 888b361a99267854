"""Our retrieval metrics equal trec_eval's own expected outputs to the printed 4 decimals."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalstage.retrieval_eval import EvalOptions, evaluate, parse_measures, read_qrels, read_run

DATA = Path(__file__).parent.parent / "data" / "trec_eval"

MEASURES = [
    "P.5,10,15,20,30,100,200,500,1000",
    "recall.5,10,15,20,30,100,200,500,1000",
    "ndcg_cut.5,10,15,20,30,100,200,500,1000",
    "map_cut.5,10,15,20,30,100,200,500,1000",
    "success.1,5,10",
    "recip_rank",
    "map",
    "ndcg",
    "Rprec",
    "num_q",
    "num_ret",
    "num_rel",
    "num_rel_ret",
]


def expected(name: str) -> dict[tuple[str, str], str]:
    """(measure, qid) -> printed value, from one of trec_eval's out.test* files."""
    table: dict[tuple[str, str], str] = {}
    for line in (DATA / name).read_text().splitlines():
        measure, qid, value = (part.strip() for part in line.split("\t"))
        table[(measure, qid)] = value
    return table


def check(
    out_file: str, qrels_file: str, run_file: str, measures: list[str], **opts: object
) -> int:
    want = expected(out_file)
    qrels = read_qrels(DATA / qrels_file)
    run, _ = read_run(DATA / run_file)
    specs = [m for text in measures for m in parse_measures(text)]
    result = evaluate(qrels, run, specs, EvalOptions(**opts))  # type: ignore[arg-type]
    compared = 0
    for measure in specs:
        column = result.values[measure]
        rows = [*zip(result.query_ids, column, strict=True), ("all", result.aggregate(measure))]
        for qid, value in rows:
            key = (measure.trec_name, qid)
            if key not in want:
                continue
            printed = f"{value:.0f}" if measure.is_count else f"{value:.4f}"
            assert printed == want[key], f"{out_file} {measure.trec_name} {qid}"
            compared += 1
    if ("num_q", "all") in want:
        assert result.aggregate(parse_measures("num_q")[0]) == float(want[("num_q", "all")])
    return compared


def test_all_trec_per_query() -> None:
    assert check("out.test.aq", "qrels.test", "results.test", MEASURES) == 4 * 46 + 1


def test_complete_topics_flag_c() -> None:
    assert (
        check("out.test.aqc", "qrels.test", "results.trunc", MEASURES, missing_queries="zero")
        == 4 * 46 + 1
    )


def test_complete_topics_with_max_docs() -> None:
    assert (
        check(
            "out.test.aqcM",
            "qrels.test",
            "results.trunc",
            MEASURES,
            missing_queries="zero",
            max_docs=100,
        )
        == 4 * 46 + 1
    )


def test_graded_relevance_level_2() -> None:
    assert (
        check("out.test.aql", "qrels.rel_level", "results.test", MEASURES, relevance_level=2)
        == 4 * 46 + 1
    )


def test_measure_parameters() -> None:
    measures = ["P.5,7,3", "recall.20,2000", "ndcg_cut.10,20,23.4", "success.2,5,20"]
    assert check("out.test.meas_params", "qrels.test", "results.test", measures) == 4 * 11 + 0


def test_qrels_comments_are_ignored_and_hash_inside_docno_is_kept() -> None:
    plain = read_qrels(DATA / "qrels.test")
    commented = read_qrels(DATA / "qrels.test.with-comments")
    assert commented["301"].pop("CR#93E-1860") == 0
    assert plain["301"].pop("CR93E-1860") == 0
    assert commented == plain
    # trec_eval prints the same output for both (the renamed doc is judged non-relevant)
    assert check("out.test", "qrels.test.with-comments", "results.test", MEASURES) == 16


def test_default_output_skip_policy() -> None:
    # results.trunc lacks topic 302: without -c it is skipped, so 'all' averages two topics
    qrels = read_qrels(DATA / "qrels.test")
    run, run_id = read_run(DATA / "results.trunc")
    result = evaluate(qrels, run, ["map", "num_q"])
    assert result.query_ids == ["301", "303"]
    assert run_id == "STANDARD"


@pytest.mark.parametrize("name", ["P_5", "precision@5", "p@5", "P.5"])
def test_name_aliases_are_one_measure(name: str) -> None:
    assert parse_measures(name)[0].trec_name == "P_5"
