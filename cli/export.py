"""``evalstage export-inputs``: every variant's exact inputs, for a system to answer offline."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from evalstage.cli._common import err, fail
from evalstage.evalcore.errors import SuiteError

EXPORTABLE = ("generation", "agent")


def export_inputs_command(
    suite_dir: Annotated[Path, typer.Argument(help="Suite folder holding suite.yaml.")],
    out: Annotated[Path, typer.Option("--out", help="The JSONL file to write.")],
    stage: Annotated[
        str, typer.Option("--stage", help="The stage whose inputs to export.")
    ] = "generation",
) -> None:
    """Write every generation variant's (or agent turn's) exact inputs, for offline answers.

    Generation: one JSONL line per case variant (question, numbered passages, prompt), keyed by
    case_id and variant; answer each with your system, write {"case_id", "variant", "answer"}
    lines, and score them with
    `evalstage run SUITE --stage generation --target recorded --target-args '{"path": FILE}'`.
    Agent (--stage agent): one line per turn (messages, tools), keyed by case_id and turn;
    write {"case_id", "turn", "tool_calls"} lines back. See docs/own-system.md.
    """
    from evalstage.evalcore.files import check_writable

    try:
        check_writable(out, "--out")  # before the suite is read: nothing done for nothing
        if stage == "agent":
            count, cases = export_agent_inputs(suite_dir, out)
            noun = "turns"
        else:
            count, cases = export_inputs(suite_dir, stage, out)
            noun = "variants"
    except SuiteError as exc:
        raise fail(exc) from exc
    err.print(f"wrote {count} {noun} of {cases} cases to {out}", highlight=False)


def export_agent_inputs(suite_dir: Path, out: Path) -> tuple[int, int]:
    """Export the agent stage's turns of the suite to ``out``: (turns written, cases)."""
    from evalstage.agent_eval import load_agent_inputs
    from evalstage.agent_eval._export import write_agent_inputs
    from evalstage.evalcore.suite import load_suite

    suite = load_suite(suite_dir)
    if "agent" not in suite.manifest.stages:
        raise SuiteError(
            "the suite has no agent stage", path=suite.root / "suite.yaml", field="stages.agent"
        )
    cases = load_agent_inputs(suite).active_cases
    return write_agent_inputs(cases, out), len(cases)


def export_inputs(suite_dir: Path, stage: str, out: Path) -> tuple[int, int]:
    """Export ``stage``'s inputs of the suite to ``out``: (variants written, cases)."""
    from evalstage.evalcore.suite import TargetSpec, load_suite
    from evalstage.evalcore.targets import TargetContext
    from evalstage.flows.generation import make_variants_batch
    from evalstage.generation_eval import GENERATION_TARGETS, load_generation_inputs
    from evalstage.generation_eval._export import write_inputs
    from evalstage.generation_eval._prompt import BUNDLED_PROMPT, Prompt
    from evalstage.generation_eval._targets import GenerationChatConfig, target_prompts

    if stage not in EXPORTABLE:
        raise SuiteError(
            f"cannot export the inputs of stage '{stage}'",
            field="--stage",
            hint=f"use one of: {', '.join(EXPORTABLE)}",
        )
    suite = load_suite(suite_dir)
    if stage not in suite.manifest.stages:
        raise SuiteError(
            f"the suite has no {stage} stage",
            path=suite.root / "suite.yaml",
            field=f"stages.{stage}",
        )
    inputs = load_generation_inputs(suite)
    prompt: Prompt = BUNDLED_PROMPT
    system: Prompt | None = None
    if inputs.target.name == "openai":  # the prompt its openai target would send
        context = TargetContext(suite.root)
        args = GENERATION_TARGETS.args(inputs.target, context)
        assert isinstance(args, GenerationChatConfig)
        prompt, system = target_prompts(args, context)
    if inputs.target.name == "system":  # its end-to-end call is the question alone: not exported
        oracle = inputs.options.model_copy(update={"contexts": "oracle"})
        inputs = inputs.model_copy(
            update={"target": TargetSpec(name="extractive"), "options": oracle}
        )
    variants, _skipped = make_variants_batch(inputs)
    count = write_inputs(variants, out, prompt, system)
    return count, len({v.case_id for v in variants})
