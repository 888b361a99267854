"""The error codes the checker reports: :class:`ErrorCode`, each member with its description."""

from __future__ import annotations

from enum import StrEnum
from typing import Self


class ErrorCode(StrEnum):
    """Every code the checker can report (per call and, as a sorted union, per turn and case).

    A member *is* its string value (``ErrorCode.TYPE_ERROR == "type_error"``), so verdicts store,
    print and serialise exactly the strings they always did; ``repr`` is the string's as well, so
    a list of codes prints as ``['type_error']``. Each member carries a one-line ``description``.
    Adding a code means adding a member here (value and description) and producing it.
    """

    _value_: str
    description: str

    def __new__(cls, value: str, description: str) -> Self:
        """A member with value ``value`` and ``description``."""
        member = str.__new__(cls, value)
        member._value_ = value
        member.description = description
        return member

    def __repr__(self) -> str:
        return repr(self._value_)

    MALFORMED_ARGUMENTS = (
        "malformed_arguments",
        "arguments are not valid JSON or not a JSON object",
    )
    HALLUCINATED_TOOL = (
        "hallucinated_tool",
        "the called tool is not among the case's tools",
    )
    SCHEMA_VIOLATION = (
        "schema_violation",
        "(strict) the arguments fail the tool's JSON Schema; details give the path",
    )
    WRONG_TOOL = (
        "wrong_tool",
        "a call paired with an expected call of another (offered) tool",
    )
    MISSING_REQUIRED = (
        "missing_required",
        "an argument that must be passed was left out",
    )
    UNEXPECTED_PARAM = (
        "unexpected_param",
        "an argument that the expected call does not allow",
    )
    TYPE_ERROR = (
        "type_error",
        "a value of the wrong type",
    )
    VALUE_MISMATCH = (
        "value_mismatch",
        "a value of the right type that is not acceptable",
    )
    MISSING_CALL = (
        "missing_call",
        "an expected call with no call paired to it (or an expected turn missing)",
    )
    EXTRA_CALL = (
        "extra_call",
        "a call with no expected call paired to it",
    )
    ORDER_VIOLATION = (
        "order_violation",
        "``order: ordered`` and the matched calls came in another order",
    )
    CALLED_WHEN_IRRELEVANT = (
        "called_when_irrelevant",
        "calls made where no call was expected",
    )
    NO_CALL_WHEN_NEEDED = (
        "no_call_when_needed",
        "no call made where calls were expected",
    )


ERROR_CODES: tuple[ErrorCode, ...] = tuple(ErrorCode)
"""Every code the checker can report, in :class:`ErrorCode` order."""
