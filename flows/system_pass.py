"""One call per case: the run asks the end-to-end system every question once, up front.

When stages select ``target: {name: system}``, the run asks the suite's ``system:`` every
question those stages ask without passages (retrieval queries, RAG questions; one call per
distinct question) and hands each stage a replies file (``target.args.replies``) to read them
from, so the retrieval ranking and the generation stage's ``retrieved`` answer of a case come
from the same single call. A repeat asks again (its own file). A recorded system needs no pass.
"""

from __future__ import annotations

from pathlib import Path

from evalstage.evalcore.progress import counting
from evalstage.evalcore.suite import Suite, TargetSpec
from evalstage.evalcore.system import ask_questions, open_system, system_is_deterministic
from evalstage.evalcore.targets import TargetContext, closing_target

SYSTEM = "system"


def system_stages(suite: Suite, stages: list[str], overrides: dict[str, TargetSpec]) -> list[str]:
    """The stages (of ``stages``) whose target is the end-to-end system."""
    return [
        s for s in stages if (overrides.get(s) or suite.manifest.stages[s].target).name == SYSTEM
    ]


def stage_questions(suite: Suite, stages: list[str]) -> list[tuple[str, str]]:
    """``(case id, question)`` of every active case the stages ask without passages."""
    from evalstage.generation_eval import load_generation_inputs
    from evalstage.retrieval_eval import load_retrieval_inputs

    found: list[tuple[str, str]] = []
    if "retrieval" in stages:
        found += [(c.query_id, c.query) for c in load_retrieval_inputs(suite).active_cases]
    if "generation" in stages:
        found += [(c.case_id, c.question) for c in load_generation_inputs(suite).active_cases]
    return found


def ask_system(
    suite: Suite, stages: list[str], folder: Path, repeats: int = 1
) -> list[TargetSpec] | None:
    """Ask the suite's system the stages' questions once per repeat, all repeats together.

    Returns each repeat's ``system`` target spec (its replies file); None when the system
    replays recorded replies (nothing to ask up front).
    """
    context = TargetContext(suite.root)
    if system_is_deterministic(context):
        return None
    questions = stage_questions(suite, stages)
    paths = [folder / f"system-replies-{repeat}.jsonl" for repeat in range(repeats)]
    system = open_system(context)
    calls = len({q for _, q in questions}) * repeats
    with closing_target(system), counting("system: end-to-end calls", calls) as done:
        ask_questions(system, questions, paths, done)
    return [TargetSpec(name=SYSTEM, args={"replies": str(path)}) for path in paths]
