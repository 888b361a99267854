"""The agent stage: tool-calling cases, BFCL import, the call checker and ``score_agent``."""

from evalstage.agent_eval._baseline import BaselineAgent, BaselineConfig
from evalstage.agent_eval._bfcl import (
    bfcl_category,
    expand_dict_pattern,
    import_bfcl,
    write_cases_jsonl,
)
from evalstage.agent_eval._cases import (
    AgentCase,
    AgentOutput,
    AgentTurn,
    ExpectedCall,
    ExpectedTurn,
    ToolCall,
)
from evalstage.agent_eval._checker import (
    ERROR_CODES,
    CallDetail,
    CaseVerdict,
    CheckMode,
    TurnVerdict,
    bfcl_standardize,
    check_case,
    json_equal,
)
from evalstage.agent_eval._outputs import load_outputs
from evalstage.agent_eval._probe_scores import score_injected, with_probes
from evalstage.agent_eval._probes import AGENT_PROBES, InjectedCase, injected_cases
from evalstage.agent_eval._schema import bfcl_function_to_tool, bfcl_to_json_schema, bfcl_type
from evalstage.agent_eval._stage import AGENT_METRICS, AgentContext, AgentReport, score_agent
from evalstage.agent_eval._suite import (
    AgentInputs,
    AgentOptions,
    load_agent_cases,
    load_agent_inputs,
)
from evalstage.agent_eval._targets import AGENT_TARGETS, Agent, AgentRun, build_agent, run_agent

__all__ = [
    "AGENT_METRICS",
    "AGENT_PROBES",
    "AGENT_TARGETS",
    "ERROR_CODES",
    "Agent",
    "AgentCase",
    "AgentContext",
    "AgentInputs",
    "AgentOptions",
    "AgentOutput",
    "AgentReport",
    "AgentRun",
    "AgentTurn",
    "BaselineAgent",
    "BaselineConfig",
    "CallDetail",
    "CaseVerdict",
    "CheckMode",
    "ExpectedCall",
    "ExpectedTurn",
    "InjectedCase",
    "ToolCall",
    "TurnVerdict",
    "bfcl_category",
    "bfcl_function_to_tool",
    "bfcl_standardize",
    "bfcl_to_json_schema",
    "bfcl_type",
    "build_agent",
    "check_case",
    "expand_dict_pattern",
    "import_bfcl",
    "injected_cases",
    "json_equal",
    "load_agent_cases",
    "load_agent_inputs",
    "load_outputs",
    "run_agent",
    "score_agent",
    "score_injected",
    "with_probes",
    "write_cases_jsonl",
]
