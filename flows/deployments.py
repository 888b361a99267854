"""The flows as Prefect sees them: the objects ``prefect.yaml`` entrypoints name.

The stage code declares its flows and tasks without importing Prefect (:mod:`flows.runtime`),
so a local ``evalstage run`` never loads it; a deployment's worker imports this module, which
makes the Prefect flows (the same ones a Prefect-orchestrated ``evalstage run`` uses).
"""

from __future__ import annotations

from evalstage.flows import agent, evaluate, generation, judge, retrieval
from evalstage.flows.runtime import as_prefect

evaluate_suite = as_prefect(evaluate.evaluate_suite)
retrieval_stage = as_prefect(retrieval.retrieval_stage)
generation_stage = as_prefect(generation.generation_stage)
agent_stage = as_prefect(agent.agent_stage)
judge_calibration = as_prefect(judge.judge_calibration)

__all__ = [
    "agent_stage",
    "evaluate_suite",
    "generation_stage",
    "judge_calibration",
    "retrieval_stage",
]
