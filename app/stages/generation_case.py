"""Generation case view: one case variant with its contexts, claims, provenance and judge.

Everything the generator wrote (answers, claims) and every passage is shown as plain text, code
or table cells, never as Markdown or HTML.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import streamlit as st

from evalstage.app import fmt, ui
from evalstage.app.judge import calibration_panel
from evalstage.evalcore.records import CaseResult, RunRecord

LABEL_COLOURS = {
    "supported": "#d7f2dd",
    "unsupported": "#fff1c2",
    "contradicted": "#f9d0d0",
}
"""Row background of a claim by its verifier label."""


def provenance_lines(variant: str, provenance: dict[str, Any]) -> list[str]:
    """How a variant's contexts were made, in words (one line per fact; unknown keys verbatim)."""
    rest = dict(provenance)
    lines: list[str] = []

    def docs(items: list[Any]) -> str:
        return ", ".join(
            f"{i.get('doc_id')} (rank {i.get('rank')})" if isinstance(i, dict) else str(i)
            for i in items
        )

    if "doc_id" in rest and "span" in rest:
        lines.append(
            f"planted in passage of {rest.pop('doc_id')} by {rest.pop('method', '?')}: "
            f"span '{rest.pop('span')}' at offset {rest.pop('offset', '?')} replaced by "
            f"'{rest.pop('substitute', '?')}' (original value '{rest.pop('original_value', '?')}')"
        )
    if "contexts" in rest:
        lines.append(f"contexts: {rest.pop('contexts')}")
    if "doc_ids" in rest:
        lines.append(f"retrieved documents: {', '.join(map(str, rest.pop('doc_ids')))}")
    if "gold_retrieved" in rest:
        gold = rest.pop("gold_retrieved")
        lines.append(f"gold documents retrieved: {', '.join(map(str, gold)) or 'none'}")
    if "removed" in rest:
        lines.append(f"removed gold documents: {', '.join(map(str, rest.pop('removed')))}")
    if "kept" in rest:
        lines.append(f"kept: {', '.join(map(str, rest.pop('kept'))) or 'none'}")
    if "substitutes" in rest:
        lines.append(f"substitute passages: {docs(rest.pop('substitutes'))}")
    if "distractors" in rest:
        lines.append(f"distractor passages: {docs(rest.pop('distractors'))}")
    if "ranker" in rest:
        lines.append(f"chosen by: {rest.pop('ranker')}")
    lines.extend(f"{k}: {v}" for k, v in rest.items())
    if not lines:
        lines.append(f"{variant}: no provenance recorded")
    return lines


def passage_role(passage: dict[str, Any], provenance: dict[str, Any]) -> str:
    """What a passage is in its variant, read from the variant's provenance.

    ``planted`` (the counterfactual copy: the substitute sits at the recorded offset), ``source
    of planted``, ``substitute``, ``distractor`` or ``gold (retrieved)``; empty otherwise.
    """
    doc_id = str(passage.get("doc_id"))
    if provenance.get("span") and str(provenance.get("doc_id")) == doc_id:
        offset = provenance.get("offset")
        substitute = str(provenance.get("substitute", ""))
        text = str(passage.get("text", ""))
        if isinstance(offset, int) and text[offset : offset + len(substitute)] == substitute:
            return "planted"
        return "source of planted"
    for name, role in (("substitutes", "substitute"), ("distractors", "distractor")):
        for item in provenance.get(name) or []:
            if isinstance(item, dict) and str(item.get("doc_id")) == doc_id:
                return role
    if doc_id in map(str, provenance.get("gold_retrieved") or []):
        return "gold (retrieved)"
    return ""


def passages_table(details: dict[str, Any]) -> pd.DataFrame:
    """The contexts, numbered from 1, with the claims citing them and the evidence they gave."""
    claims = details.get("claims") or []
    provenance = details.get("provenance") or {}
    rows = []
    for n, passage in enumerate(details.get("passages") or [], 1):
        citing = [i for i, c in enumerate(claims, 1) if n in (c.get("citations") or [])]
        deciding = [i for i, c in enumerate(claims, 1) if c.get("context") == n]
        rows.append(
            {
                "n": n,
                "cited": "✓" if citing else "",
                "cited by claims": ", ".join(map(str, citing)),
                "evidence for claims": ", ".join(map(str, deciding)),
                "role": passage_role(passage, provenance),
                "doc_id": passage.get("doc_id"),
                "title": passage.get("title", ""),
                "text": passage.get("text", ""),
            }
        )
    return pd.DataFrame(rows)


def claims_table(details: dict[str, Any]) -> pd.DataFrame:
    """One row per claim: label, support, contradiction, citations and the deciding evidence."""
    rows = [
        {
            "claim": i,
            "label": c.get("label"),
            "text": c.get("text", ""),
            "citations": ", ".join(map(str, c.get("citations") or [])),
            "citations support it": c.get("citations_support"),
            "irrelevant citations": ", ".join(map(str, c.get("irrelevant_citations") or [])),
            "support": c.get("support"),
            "contradiction": c.get("contradiction"),
            "evidence passage": c.get("context"),
            "evidence": c.get("evidence", ""),
        }
        for i, c in enumerate(details.get("claims") or [], 1)
    ]
    return pd.DataFrame(rows)


def _colour_rows(row: pd.Series) -> list[str]:
    colour = LABEL_COLOURS.get(str(row.get("label")), "")
    return [f"background-color: {colour}" if colour else ""] * len(row)


def generation_case_view(
    url: str, run: RunRecord, result: CaseResult, case: dict[str, Any] | None
) -> None:
    """One case variant: question, expectation, answer, contexts, claims, provenance, cues."""
    details = result.details
    st.text("Question:")
    st.code(str(details.get("question") or (case or {}).get("question", "")), language=None)
    facts: dict[str, Any] = {
        "expect": details.get("expect"),
        "acceptable answers": details.get("answers"),
    }
    if details.get("counterfactual"):
        facts["planted value"] = details["counterfactual"]
    if details.get("own_category"):
        facts["own failure category (before attribution to retrieval)"] = details["own_category"]
    ui.kv_text(facts)

    st.subheader("Provenance of the contexts")
    st.text("\n".join(provenance_lines(result.variant, details.get("provenance") or {})))

    st.subheader("Answer")
    if "answer" not in details:
        st.text(f"No answer was scored ({result.outcome.value}): {result.reason or fmt.DASH}")
    else:
        st.code(str(details["answer"]), language=None, wrap_lines=True)
        t = fmt.text

        def cue(flag: str, why: str) -> str:
            return f"{t(details.get(flag))} (cue: {t(details.get(why))})"

        ui.kv_text(
            {
                "abstained": cue("abstained", "abstention_cue"),
                "conflict flagged": cue("conflict_flagged", "conflict_cue"),
                "citation format": cue("format_ok", "format_reason").replace("cue: ", ""),
                "counterfactual adopted": details.get("counterfactual_adopted"),
                "faithfulness": details.get("faithfulness"),
                "citation recall": details.get("citation_recall"),
                "citation precision": details.get("citation_precision"),
                "answer match / token F1 / exact": (
                    f"{t(details.get('alias_match'))} / {t(details.get('token_f1'))} / "
                    f"{t(details.get('exact_match'))}"
                ),
            }
        )

    claims = claims_table(details)
    if not claims.empty:
        st.subheader("Claims (coloured by support)")
        st.dataframe(ui.display(claims).style.apply(_colour_rows, axis=1), hide_index=True)
        for claim in claims.to_dict("records"):
            label = str(claim["label"]) if claim["label"] in LABEL_COLOURS else "unlabelled"
            number = claim["evidence passage"]
            where = f"passage {int(number)}" if number else "no passage"
            # only fixed words and numbers go through Markdown here; the claim text below is text
            heading = f"Claim {claim['claim']}: {label} (evidence from {where})"
            if label == "contradicted":
                st.error(heading, icon="✖")
            elif label == "unsupported":
                st.warning(heading, icon="⚠")
            else:
                st.success(heading, icon="✔")
            st.text(f"claim: {claim['text']}\nevidence: {claim['evidence']}")

    passages = passages_table(details)
    if not passages.empty:
        st.subheader("Contexts (cited passages marked)")
        ui.table(passages)
        for row in passages.itertuples():
            mark = "  ← cited" if row.cited else ""
            role = f"  ({row.role})" if row.role else ""
            st.text(f"[{row.n}] {row.doc_id} · {row.title}{role}{mark}")
            st.code(str(row.text), language=None, wrap_lines=True)

    usage = {
        k: details[k]
        for k in ("latency_ms", "prompt_tokens", "completion_tokens")
        if details.get(k) is not None
    }
    if "latency_ms" in usage:
        usage["latency_ms"] = fmt.duration_ms(usage["latency_ms"])
    if usage:
        ui.facts({k.replace("_", " "): v for k, v in usage.items()})
    if isinstance(details.get("judge"), dict):  # a judge score beside the deterministic checks
        st.subheader("Judge")
        st.text(f"decided by: {', '.join(details.get('decided_by') or []) or 'unknown'}")
        calibration_panel(url, details["judge"])
    with st.expander("Stored details (JSON)"):
        st.code(json.dumps(details, indent=2, ensure_ascii=False, default=str), language="json")
