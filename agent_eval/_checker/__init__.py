"""The tool-call checker: one case and what the agent did in, one :class:`CaseVerdict` out.

Two modes (``docs/agent-checker.md`` explains where and why they differ):

``strict``
    Arguments must be a JSON object, the tool must be offered, the arguments must validate against
    the tool's JSON Schema (Draft 2020-12), and every value must equal one of the acceptable values
    as JSON (no string normalisation; ``1 == 1.0`` only where the schema type is ``number``).
    Calls are paired with expected calls by an optimal assignment (most fully-correct pairs).
``bfcl``
    BFCL's AST-checker rules, reproduced so that the verdict is exactly BFCL's: string
    normalisation, ``int`` -> ``float`` coercion for float parameters only, exact ``type()``
    checks, the "variable" path, one-level dict / list-of-dict answers, dispatch by BFCL category
    and BFCL's greedy first-fit matching of parallel calls. Cases imported from BFCL are graded
    against their verbatim answer key (``source["bfcl_ground_truth"]``).

Error codes (per call and, as a sorted union, per case) are the members of :class:`ErrorCode`,
each with its ``description``; :data:`ERROR_CODES` lists them.

Modules: ``_codes`` (the codes), ``_verdicts`` (what comes out), ``_calls`` (tools, parsed calls,
JSON Schema), ``_schemas`` (meta-schema checks and validators, cached by schema content),
``_strict`` and ``_bfcl_rules`` (each mode's value rules), ``_pairing`` (which call answers which
expected call), ``_turns`` (one turn) and ``_case`` (:func:`check_case`).
"""

from evalstage.agent_eval._checker._bfcl_rules import bfcl_standardize
from evalstage.agent_eval._checker._case import check_case
from evalstage.agent_eval._checker._codes import ERROR_CODES, ErrorCode
from evalstage.agent_eval._checker._strict import json_equal
from evalstage.agent_eval._checker._verdicts import CallDetail, CaseVerdict, CheckMode, TurnVerdict

__all__ = [
    "ERROR_CODES",
    "CallDetail",
    "CaseVerdict",
    "CheckMode",
    "ErrorCode",
    "TurnVerdict",
    "bfcl_standardize",
    "check_case",
    "json_equal",
]
