"""AppTest tests of every page of the Streamlit app on a small fixture store."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from evalstage.evalcore.store import sqlite_url

TIMEOUT = 60


def open_page(fx: dict[str, Any], page: str, **params: str) -> AppTest:
    at = AppTest.from_file(fx["main"], default_timeout=TIMEOUT)
    at.switch_page(page)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at: AppTest) -> str:
    return "\n".join(str(t.value) for t in at.text)


def frames(at: AppTest) -> list[Any]:
    return [d.value for d in at.dataframe]


def assert_no_html(at: AppTest, fx: dict[str, Any]) -> None:
    for md in at.get("markdown"):
        assert not md.proto.allow_html
        assert "<script" not in md.proto.body


@pytest.fixture(autouse=True)
def _store_env(monkeypatch: pytest.MonkeyPatch, fx: dict[str, Any]) -> None:
    monkeypatch.setenv("EVALSTAGE_STORE", fx["url"])
    monkeypatch.chdir(fx["root"])


def test_empty_store_shows_first_run_hint(
    monkeypatch: pytest.MonkeyPatch, fx: dict[str, Any], tmp_path: Path
) -> None:
    db = tmp_path / "none" / "runs.db"
    monkeypatch.setenv("EVALSTAGE_STORE", sqlite_url(db))
    for page in (
        "app_pages/runs.py",
        "app_pages/run.py",
        "app_pages/compare.py",
        "app_pages/case.py",
    ):
        at = open_page(fx, page)
        assert any("No runs in the store yet" in i.value for i in at.info)
        assert any("evalstage run suites/demo" in c.value for c in at.code)
    assert not db.exists()  # the app never creates or writes the store


def test_runs_page_lists_runs_and_filters(fx: dict[str, Any]) -> None:
    at = open_page(fx, "app_pages/runs.py")
    assert [t.value for t in at.title] == ["Runs"]
    assert at.selectbox(key="runs_suite").value == "fx"
    assert "2 of 5 runs" in texts(at)
    table = frames(at)[0]
    assert list(table["run_id"]) == [fx["run_b"][:12], fx["run_a"][:12]]
    assert table["retrieval pass_rate"].tolist() == pytest.approx([0.75, 0.75])
    assert table["agent pass_rate"].tolist() == pytest.approx([2 / 3, 1 / 3])
    assert table["retrieval ndcg@10"].tolist() == pytest.approx([2.15 / 4, 2.25 / 4])
    assert len(at.get("vega_lite_chart")) == 2  # one trend chart per stage

    at.multiselect(key="runs_targets").select("retrieval:dense").run()
    assert "1 of 5 runs" in texts(at)
    assert list(frames(at)[0]["run_id"]) == [fx["run_b"][:12]]

    at.multiselect(key="runs_targets").unselect("retrieval:dense").run()
    at.date_input(key="runs_dates").set_value((datetime(2026, 1, 1), datetime(2026, 1, 15))).run()
    assert list(frames(at)[0]["run_id"]) == [fx["run_a"][:12]]

    at.selectbox(key="runs_suite").set_value("other").run()
    assert not at.exception
    # The date filter still excludes March: no run of 'other' is shown.
    assert any("No run matches" in i.value for i in at.info)


def test_runs_page_links_to_run_and_compare(fx: dict[str, Any]) -> None:
    at = open_page(fx, "app_pages/runs.py")
    links = {p.proto.page: p.proto.query_string for p in at.get("page_link")}
    assert f"run_id={fx['run_b']}" in links["run"]
    assert f"a={fx['run_a']}" in links["compare"] and f"b={fx['run_b']}" in links["compare"]


def test_run_page_tabs_retrieval_and_agent(fx: dict[str, Any]) -> None:
    at = open_page(fx, "app_pages/run.py", run_id=fx["run_a"][:8])
    assert [t.label for t in at.tabs] == ["retrieval", "agent"]
    all_text = texts(at)
    assert f"run: {fx['run_a']}" in all_text
    # Retrieval: aggregates, metric@k curve (recall@10, recall@100), per query worst first.
    metrics = frames(at)[0]
    assert metrics.set_index("metric").loc["pass_rate", "value"] == pytest.approx(0.75)
    per_query = next(f for f in frames(at) if "hit@10" in f.columns)
    assert per_query["case_id"].tolist() == ["q2", "q1", "q3", "q4"]  # hit@10 asc, then id
    at.selectbox(key="ret_sort").set_value("ndcg@10").run()
    per_query = next(f for f in frames(at) if "hit@10" in f.columns)
    assert per_query["case_id"].tolist() == ["q2", "q3", "q4", "q1"]
    at.multiselect(key="ret_outcome").select("fail").run()
    per_query = next(f for f in frames(at) if "hit@10" in f.columns)
    assert per_query["case_id"].tolist() == ["q2"]
    # Agent: error codes, pass rate by category, call diff with the XSS text kept literal.
    assert len(at.get("vega_lite_chart")) == 3  # metric@k, error codes, pass rate by category
    at.selectbox(key="ag_case").set_value("a2").run()
    diff = next(f for f in frames(at) if "expected_index" in f.columns)
    assert fx["xss"] in diff["detail"].iloc[0]
    assert_no_html(at, fx)


def test_run_page_shows_only_present_stages(fx: dict[str, Any]) -> None:
    at = open_page(fx, "app_pages/run.py", run_id=fx["run_other"])
    assert [t.label for t in at.tabs] == ["retrieval"]


def test_run_page_agent_filters(fx: dict[str, Any]) -> None:
    at = open_page(fx, "app_pages/run.py", run_id=fx["run_b"])
    agent_table = next(f for f in frames(at) if {"call_f1", "case_id"} <= set(f.columns))
    assert sorted(agent_table["case_id"]) == ["a1", "a2", "a3"]
    at.selectbox(key="ag_code").set_value("value_mismatch").run()
    agent_table = next(f for f in frames(at) if {"call_f1", "case_id"} <= set(f.columns))
    assert agent_table["case_id"].tolist() == ["a2"]


def test_compare_page_deltas_and_changes(fx: dict[str, Any]) -> None:
    at = open_page(fx, "app_pages/compare.py", a=fx["run_a"], b=fx["run_b"])
    tables = frames(at)
    retrieval = tables[0].set_index("metric")
    assert retrieval.loc["pass_rate", "delta"] == pytest.approx(0.0)
    assert retrieval.loc["ndcg@10", "delta"] == pytest.approx((2.15 - 2.25) / 4)
    assert retrieval.loc["ndcg@10", "pairs"] == 4
    assert 0 < retrieval.loc["ndcg@10", "p_value"] <= 1
    agent = next(t for t in tables if "metric" in t.columns and "call_f1" in set(t["metric"]))
    agent = agent.set_index("metric")
    assert agent.loc["pass_rate", "delta"] == pytest.approx(1 / 3)
    assert agent.loc["pass_rate", "p_value"] == pytest.approx(1.0)  # one changed pair
    assert agent.loc["pass_rate", "ci_low"] <= 1 / 3 <= agent.loc["pass_rate", "ci_high"]
    all_text = texts(at)
    assert "newly failing: 1   newly fixed: 1" in all_text  # retrieval: q1 broke, q2 fixed
    assert "newly failing: 0   newly fixed: 1" in all_text  # agent: a3 fixed
    links = [(p.proto.page, p.proto.query_string) for p in at.get("page_link")]
    assert ("case", f"run_id={fx['run_b']}&case_id=q1&stage=retrieval") in links
    assert ("case", f"run_id={fx['run_b']}&case_id=a3&stage=agent") in links
    categories = next(t for t in tables if "change" in t.columns and "A" in t.columns)
    row = categories.set_index("category").loc["retrieval_miss"]
    assert (row["A"], row["B"], row["change"]) == (1, 1, 0)


def test_case_page_agent_xss_is_text(fx: dict[str, Any]) -> None:
    at = AppTest.from_file(fx["main"], default_timeout=TIMEOUT)
    at.switch_page("app_pages/case.py")
    at.query_params["run_id"] = fx["run_a"]
    at.query_params["case_id"] = "a2"
    at.run()
    at.text_input(key="case_suite_folder").set_value(str(fx["suite"])).run()
    assert not at.exception
    all_text = texts(at)
    assert "outcome: fail" in all_text
    assert "note: agent note 2" in all_text
    assert f"argument 'q' = '{fx['xss']}'" in all_text
    assert any(fx["xss"] in c.value for c in at.code)  # the conversation, as code
    assert any("raw_tool_made" in c.value for c in at.code)  # the agent's raw calls
    assert_no_html(at, fx)
    history = frames(at)[-1]
    assert history["run_id"].tolist() == [fx["run_b"], fx["run_a"]]
    assert history["outcome"].tolist() == ["fail", "fail"]


def test_case_page_retrieval_marks_relevant(fx: dict[str, Any]) -> None:
    at = AppTest.from_file(fx["main"], default_timeout=TIMEOUT)
    at.switch_page("app_pages/case.py")
    at.query_params["run_id"] = fx["run_a"]
    at.query_params["case_id"] = "q1"
    at.run()
    at.text_input(key="case_suite_folder").set_value(str(fx["suite"])).run()
    top = next(f for f in frames(at) if "rank" in f.columns)
    assert top["doc_id"].tolist() == ["d9", "d1", "d2"]
    assert top["relevant"].tolist() == ["", "✓", ""]
    assert any(c.value == "query 1" for c in at.code)
    history = frames(at)[-1]
    assert history["outcome"].tolist() == ["fail", "pass"]


def test_case_page_unknown_case(fx: dict[str, Any]) -> None:
    at = open_page(fx, "app_pages/case.py", run_id=fx["run_a"], case_id="nope")
    assert any("no result for this case id" in w.value for w in at.warning)


def test_suite_page(fx: dict[str, Any]) -> None:
    at = open_page(fx, "app_pages/suite.py", folder=str(fx["suite"]))
    all_text = texts(at)
    assert "suite fx 1.0: retrieval 5 cases, agent 3 cases" in all_text
    assert "5 cases, 1 canaries, 1 retired" in all_text
    retrieval = frames(at)[0]
    assert retrieval.set_index("case_id").loc["q1", "note"] == "guards query 1"
    at.checkbox(key="suite_retired").uncheck().run()
    assert "4 cases, 1 canaries, 0 retired" in texts(at)
    agent = frames(at)[1]
    assert fx["xss"] in agent.set_index("case_id").loc["a2", "input"]
    at.checkbox(key="suite_canaries").check().run()
    assert frames(at)[0]["case_id"].tolist() == ["q1"]
    assert_no_html(at, fx)


def generation_tab(fx: dict[str, Any], run: str) -> AppTest:
    at = open_page(fx, "app_pages/run.py", run_id=run)
    assert [t.label for t in at.tabs] == ["generation"]
    return at


def test_run_page_generation_tab(fx: dict[str, Any]) -> None:
    at = generation_tab(fx, fx["run_gen_a"])
    all_text = texts(at)
    assert "verifier: test:lexical@1|agg@" in all_text
    badges = "\n".join(str(m.value) for m in at.markdown)
    for badge in (":green-badge[pass 7]", ":red-badge[fail 8]", ":orange-badge[error 1]"):
        assert badge in badges  # outcomes as coloured counts, not a dict
    assert "'pass'" not in all_text and "{'" not in all_text
    headline = frames(at)[0].set_index("metric")
    assert headline.loc["pass_rate", "value"] == pytest.approx(7 / 15)
    assert headline.loc["pass_rate", "n"] == 15
    assert headline.loc["over_refusal_rate", "value"] == pytest.approx(4 / 10)
    assert headline.loc["counterfactual_adoption_rate", "value"] == pytest.approx(1.0)
    for rate in ("abstention_recall", "over_refusal_rate"):
        low, high = headline.loc[rate, ["ci_low", "ci_high"]]
        assert low <= headline.loc[rate, "value"] <= high
    # per variant: the original passes 3 of 4 (yn over-refuses)
    per_variant = next(f for f in frames(at) if "ci_low" in f.columns and "variant" in f.columns)
    per_variant = per_variant.set_index("variant")
    assert per_variant.loc["original", "pass_rate"] == pytest.approx(0.75)
    assert per_variant.loc["noisy_context", "pass_rate"] == pytest.approx(1 / 3)
    assert per_variant.loc["noisy_context", "ci_low"] <= 1 / 3
    # the adversarial matrix, with counts
    matrix = next(f for f in frames(at) if "retrieval_miss" in f.columns).set_index("variant")
    assert matrix.loc["original", "pass"] == 3 and matrix.loc["original", "over_refusal"] == 1
    assert matrix.loc["retrieved", "retrieval_miss"] == 2
    assert matrix.loc["contradictory_context", "counterfactual_adopted"] == 1
    assert matrix.loc["contradictory_context", "error"] == 1
    assert matrix.loc["noisy_context", "hallucination"] == 1
    assert matrix.loc["original", "error"] == 0
    assert matrix.columns[0] == "pass" and matrix.columns[-1] == "unmeasured"
    # skipped variants are listed
    skipped = next(f for f in frames(at) if "reason" in f.columns and "key" in f.columns)
    assert "ent#contradictory_context" in skipped["key"].tolist()
    # charts: behaviour rates, failure categories, matrix heatmap, faithfulness, citations
    assert len(at.get("vega_lite_chart")) == 5
    # per case, worst first (pass ascending, unscored last), XSS answer kept as a table cell
    per_case = next(f for f in frames(at) if "key" in f.columns and "pass" in f.columns)
    assert len(per_case) == 18
    assert (per_case["pass"].iloc[:8] == 0.0).all() and (per_case["pass"].iloc[8:15] == 1).all()
    # among failures, the least faithful first, abstentions (no faithfulness) after
    faithfulness = per_case["faithfulness"].iloc[:8]
    answered = faithfulness.dropna()
    assert answered.is_monotonic_increasing and answered.iloc[0] == 0.0
    assert faithfulness.iloc[len(answered) :].isna().all()
    assert per_case["key"].iloc[-3:].tolist() == [
        "abs#retrieved",
        "yn#contradictory_context",
        "yn#counterfactual_only",
    ]
    at.multiselect(key="gen_failure").select("hallucination").run()
    per_case = next(f for f in frames(at) if "key" in f.columns and "pass" in f.columns)
    assert per_case["key"].tolist() == ["num#noisy_context"]
    links = [(p.proto.page, p.proto.query_string) for p in at.get("page_link")]
    expected = f"run_id={fx['run_gen_a']}&case_id=num&stage=generation&variant=noisy_context"
    assert ("case", expected) in links
    assert_no_html(at, fx)


def test_run_page_generation_filters_by_variant(fx: dict[str, Any]) -> None:
    at = generation_tab(fx, fx["run_gen_a"])
    at.multiselect(key="gen_variant").select("original").run()
    per_case = next(f for f in frames(at) if "key" in f.columns and "pass" in f.columns)
    assert per_case["key"].tolist() == ["yn", "ent", "num", "abs"]  # the failing original first
    at.selectbox(key="gen_sort").set_value("faithfulness").run()
    per_case = next(f for f in frames(at) if "key" in f.columns and "pass" in f.columns)
    assert per_case["key"].tolist() == ["ent", "num", "abs", "yn"]  # abstentions: no faithfulness


def open_case(fx: dict[str, Any], run: str, case_id: str, **params: str) -> AppTest:
    return open_page(fx, "app_pages/case.py", run_id=run, case_id=case_id, **params)


def test_case_page_generation_variant_claims_and_provenance(fx: dict[str, Any]) -> None:
    at = open_case(fx, fx["run_gen_a"], "num", variant="noisy_context", stage="generation")
    assert at.selectbox(key="case_variant_generation").value == "noisy_context"
    variants = next(f for f in frames(at) if list(f.columns)[:2] == ["variant", "outcome"])
    assert variants["variant"].tolist()[0] == "original" and len(variants) == 6
    all_text = texts(at)
    assert "variant: noisy_context" in all_text
    assert "failure category: hallucination" in all_text
    assert "distractor passages: " in all_text and "(rank 1)" in all_text
    # the answer, with <b> and <script>, is shown literally as code
    answer = next(c.value for c in at.code if fx["xss"] in c.value)
    assert answer.startswith(fx["bold"])
    # claims: both unsupported, the deciding evidence and its passage number shown
    claims = next(f for f in frames(at) if "label" in f.columns and "evidence" in f.columns)
    assert claims["label"].tolist() == ["unsupported", "unsupported"]
    assert claims["text"].iloc[0].startswith(fx["bold"])
    assert claims["text"].iloc[1] == fx["xss"]
    assert any("Claim 1: unsupported" in w.value for w in at.warning)
    assert f"claim: {fx['xss']}" in all_text
    # contexts: the cited passage [1] is marked, distractors have their role
    contexts = next(f for f in frames(at) if "cited by claims" in f.columns)
    assert contexts.set_index("n").loc[1, "cited"] == "✓"
    assert contexts["cited"].tolist().count("✓") == 1
    assert "distractor" in contexts["role"].tolist()
    assert "[1] " in all_text and "← cited" in all_text
    assert_no_html(at, fx)
    for alert in (*at.warning, *at.error, *at.success):
        assert "<" not in alert.value.replace("\\<", "")


def test_case_page_generation_planted_counterfactual(fx: dict[str, Any]) -> None:
    at = open_case(fx, fx["run_gen_a"], "num#contradictory_context")  # a result key works too
    assert at.selectbox(key="case_variant_generation").value == "contradictory_context"
    all_text = texts(at)
    assert "failure category: counterfactual_adopted" in all_text
    assert "planted in passage of d1 by number_perturbation: span '32%'" in all_text
    assert "replaced by '48%' (original value '32%')" in all_text
    assert "planted value: 48%" in all_text
    contexts = next(f for f in frames(at) if "cited by claims" in f.columns)
    roles = contexts[contexts["doc_id"] == "d1"].set_index("role")["text"]
    assert "48%" in roles["planted"] and "32%" in roles["source of planted"]
    assert contexts.set_index("role").loc["planted", "cited"] == "✓"
    # switching the variant shows the original, which passes
    at.selectbox(key="case_variant_generation").set_value("original").run()
    assert not at.exception
    all_text = texts(at)
    assert "outcome: pass" in all_text and "contexts: oracle" in all_text
    claims = next(f for f in frames(at) if "label" in f.columns and "evidence" in f.columns)
    assert claims["label"].tolist() == ["supported"]
    assert any("Claim 1: supported" in s.value for s in at.success)
    history = frames(at)[-1]
    assert set(history["variant"]) >= {"original", "noisy_context"}


def test_case_page_generation_unscored_variant(fx: dict[str, Any]) -> None:
    at = open_case(fx, fx["run_gen_a"], "yn", variant="contradictory_context")
    all_text = texts(at)
    assert "outcome: error" in all_text
    assert "No answer was scored (error): TargetError: HTTP 500" in all_text


def test_compare_page_pairs_generation_variants(fx: dict[str, Any]) -> None:
    at = open_page(fx, "app_pages/compare.py", a=fx["run_gen_a"], b=fx["run_gen_b"])
    table = frames(at)[0].set_index("metric")
    assert table.loc["pass_rate", "pairs"] == 15  # scored in both runs, paired by case#variant
    assert table.loc["pass_rate", "delta"] == pytest.approx(0.0)
    assert "newly failing: 1   newly fixed: 1" in texts(at)
    changes = [f for f in frames(at) if "change" in f.columns and "variant" in f.columns]
    assert {(r.case_id, r.variant, r.change) for f in changes for r in f.itertuples()} == {
        ("ent", "original", "newly failing"),
        ("num", "noisy_context", "newly fixed"),
    }
    links = [(p.proto.page, p.proto.query_string) for p in at.get("page_link")]
    b = fx["run_gen_b"]
    assert ("case", f"run_id={b}&case_id=ent&stage=generation") in links
    assert ("case", f"run_id={b}&case_id=num&stage=generation&variant=noisy_context") in links


def test_scenarios_page_shows_every_group_with_ci_and_not_measured(fx: dict[str, Any]) -> None:
    at = open_page(fx, "app_pages/scenarios.py", run_id=fx["run_gen_a"])
    headers = [h.value for h in at.subheader]
    for group in ("quality", "robustness", "calibration", "safety", "efficiency"):
        assert group in headers
    assert "Why cells are not measured" in headers
    quality = frames(at)[0]
    rows = quality.data if hasattr(quality, "data") else quality
    assert list(rows["scenario"])[-1] == "all" and set(rows["stage"]) == {"generation"}
    assert all(" n=" in v or v == "not measured" for v in rows["pass_rate"])
    assert any(" n=" in v for v in rows["pass_rate"])
    safety = frames(at)[3]
    safety = safety.data if hasattr(safety, "data") else safety
    assert set(safety["leak_rate"]) == {"not measured"}  # the fixture run has no probes
