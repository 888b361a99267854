"""Every generation variant's exact inputs, as JSONL any system can answer offline.

One line per variant, in run order, keyed exactly as the ``recorded`` target reads answers
back (``case_id`` and ``variant``)::

    {"case_id": "g1", "variant": "noisy_context", "key": "g1#noisy_context",
     "question": "...", "passages": [{"n": 1, "doc_id": "d1", "title": "...", "text": "..."}],
     "prompt": "...the full prompt the openai target would send...",
     "planted": null}

``passages`` are in the order the system is shown them; ``n`` is the number an answer cites
(``[n]``). ``prompt`` is the user prompt the suite's ``openai`` target sends (its
``prompt_file``, else the bundled rag-answer-v1); ``system_prompt`` is there when the target
has one. ``planted`` says what a counterfactual variant planted in its passages (``value``,
``doc_id``, ``method``), an injection variant its instruction, a private-data variant its
value (``probe`` names the family; see docs/robustness.md) — for your records only: a system
shown it is no longer tested. What a variant expects (an answer, an abstention, a flagged
conflict) and the correct answers are not written.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from evalstage.evalcore.files import write_text_atomic
from evalstage.generation_eval._prompt import BUNDLED_PROMPT, Prompt, numbered
from evalstage.generation_eval._variants import CaseVariant

__all__ = ["export_record", "write_inputs"]


def _planted(item: CaseVariant) -> dict[str, Any] | None:
    family = item.provenance.get("family")
    if family == "injection":
        keys = ("injection", "templates", "doc_id", "instruction")
        return {"probe": family, **{k: item.provenance.get(k) for k in keys}}
    if family == "private_data":
        return {"probe": family, **{k: item.provenance.get(k) for k in ("kind", "value", "doc_id")}}
    if item.counterfactual is None:
        return None
    made = item.provenance
    return {
        "value": item.counterfactual,
        "doc_id": made.get("doc_id"),
        "method": made.get("method"),
    }


def export_record(
    item: CaseVariant, prompt: Prompt = BUNDLED_PROMPT, system: Prompt | None = None
) -> dict[str, Any]:
    """The exported line of one variant (see the module docstring)."""
    record: dict[str, Any] = {
        "case_id": item.case_id,
        "variant": item.variant,
        "key": item.key,
        "question": item.question,
        "passages": numbered(item.passages),
        "prompt": prompt.render(item.question, item.passages),
    }
    if system is not None:
        record["system_prompt"] = system.render(item.question, item.passages)
    record["planted"] = _planted(item)
    return record


def write_inputs(
    variants: Iterable[CaseVariant],
    path: Path,
    prompt: Prompt = BUNDLED_PROMPT,
    system: Prompt | None = None,
) -> int:
    """Write every variant's line to ``path`` (atomically); the number of lines written."""
    import json

    lines = [
        json.dumps(export_record(v, prompt, system), ensure_ascii=False) + "\n" for v in variants
    ]
    write_text_atomic(path, "".join(lines))
    return len(lines)
