"""Batch verification of a JSONL file of ``{id, context, claim[, question]}`` records."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from evalstage.evalcore.errors import SuiteError
from evalstage.evalcore.files import check_writable, write_text_atomic
from evalstage.evalcore.loaders import load_jsonl
from evalstage.generation_eval.verifier._discourse import checked_sentences
from evalstage.generation_eval.verifier._protocol import ClaimVerdict
from evalstage.generation_eval.verifier._sentences import split_sentences
from evalstage.generation_eval.verifier._verifier import Verifier

__all__ = ["PairRecord", "combine", "record_texts", "verify_file", "verify_texts"]


class PairRecord(BaseModel):
    """One input line: an id, the context, the claim and optionally its question.

    The context is a passage or a list of passages; the claim one sentence or several (an
    answer, a summary).
    """

    model_config = ConfigDict(extra="ignore")

    id: str | int
    context: str | list[str]
    claim: str = Field(min_length=1)
    question: str | None = None

    @field_validator("claim")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise SuiteError(
                "the claim is blank", field="claim", hint="write the sentence to verify in 'claim'"
            )
        return value


def _load(path: Path) -> list[PairRecord]:
    return load_jsonl(path, PairRecord, id_field="id")


def record_texts(records: Sequence[PairRecord]) -> list[tuple[str, list[str], str | None]]:
    """``(claim, contexts, question)`` of each record, as :func:`verify_texts` takes them."""
    return [
        (r.claim, [r.context] if isinstance(r.context, str) else r.context, r.question)
        for r in records
    ]


def combine(verdicts: list[ClaimVerdict]) -> ClaimVerdict:
    """One verdict for a text of several sentences: its weakest sentence decides.

    Contradicted if any sentence is, else unsupported if any is, else supported; support is the
    lowest sentence support, contradiction the highest; the evidence is the deciding sentence's.
    """
    if len(verdicts) == 1:
        return verdicts[0]
    failed = [v for v in verdicts if "error" in v.checks]
    if failed:
        return failed[0]  # a sentence the verifier could not judge: the text is not judged
    for label in ("contradicted", "unsupported", "supported"):
        hits = [v for v in verdicts if v.label == label]
        if hits:
            deciding = min(hits, key=lambda v: v.support)
            break
    return ClaimVerdict(
        support=min(v.support for v in verdicts),
        contradiction=max(v.contradiction for v in verdicts),
        label=deciding.label,
        context_index=deciding.context_index,
        evidence=deciding.evidence,
        checks=deciding.checks,
    )


def verify_texts(
    verifier: Verifier, records: Sequence[tuple[str, Sequence[str], str | None]]
) -> list[tuple[ClaimVerdict, list[tuple[str, ClaimVerdict | None]]]]:
    """Verify ``(claim, contexts, question)`` records whose claims may hold several sentences.

    Every sentence of every claim goes to the verifier in one batch, except those that state
    nothing to check (:func:`checked_sentences`: "Yes it can.", "I hope this helps."); per
    record, the combined verdict of the checked sentences (:func:`combine`) and each sentence
    with its own verdict (``None`` for one left out).
    """
    items: list[tuple[str, Sequence[str]]] = []
    questions: list[str | None] = []
    plans: list[list[tuple[str, int | None]]] = []
    for claim, contexts, question in records:
        sentences = split_sentences(claim) or [claim.strip()]
        plan: list[tuple[str, int | None]] = []
        checked_ones = checked_sentences(sentences, question)
        for sentence, checked in zip(sentences, checked_ones, strict=True):
            plan.append((sentence, len(items) if checked else None))
            if checked:
                items.append((sentence, contexts))
                questions.append(question)
        plans.append(plan)
    verdicts = verifier.verify(items, questions)
    return [
        (
            combine([verdicts[i] for _, i in plan if i is not None]),
            [(text, None if i is None else verdicts[i]) for text, i in plan],
        )
        for plan in plans
    ]


def verify_file(input_path: str | Path, output_path: str | Path, verifier: Verifier) -> int:
    """Verify every line of ``input_path``; write one score line per input line.

    Input lines are ``{"id", "context": str | [str], "claim": str, "question"?: str}``; output
    lines are ``{"id", "support", "contradiction", "label", "context_index", "evidence"}`` (a
    claim the scorer could not judge — its request failed — has ``"label": "error"``, null
    scores and ``"error"``; the other lines are still written), plus
    ``"sentences"`` (each sentence's label and support) when the claim has several sentences:
    each is verified on its own and the weakest decides (:func:`combine`); a sentence that
    states nothing to check ("Yes it can.") is listed with ``"skipped"`` instead and does not
    count, unless every sentence is such. With a ``question``,
    a short answer is rewritten into the claim it makes first (``"claim_from_question"``). Every
    line is validated before anything is scored; a bad line raises :class:`SuiteError` naming
    the file, line and field, and no output is written. The output is written atomically.
    Returns the number of records.
    """
    source = Path(input_path)
    check_writable(output_path)  # fail before verifying, not after
    records = _load(source)
    checked = verify_texts(verifier, record_texts(records))
    lines = []
    for record, (verdict, parts) in zip(records, checked, strict=True):
        row = {"id": record.id, **verdict.model_dump(include={"support", "contradiction", "label"})}
        row |= {"context_index": verdict.context_index, "evidence": verdict.evidence}
        if "error" in verdict.checks:  # not judged: no scores to read
            row |= {"support": None, "contradiction": None, "label": "error"}
            row["error"] = verdict.checks["error"]
        if "claim_from_question" in verdict.checks:
            row["claim_from_question"] = verdict.checks["claim_from_question"]
        if len(parts) > 1:
            row["sentences"] = [
                {"text": text, "label": v.label, "support": round(v.support, 4)}
                if v is not None
                else {"text": text, "skipped": "states nothing to check"}
                for text, v in parts
            ]
        lines.append(json.dumps(row, ensure_ascii=False))
    write_text_atomic(output_path, "".join(f"{line}\n" for line in lines))
    return len(records)
