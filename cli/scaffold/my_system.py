"""Your system under test, as Python functions evalstage calls (see suite.yaml's comments).

Point a stage's target at one of them with ``name: callable`` and
``args: {function: "my_system:search"}``. This file sits beside suite.yaml, which is on the
import path; so is the folder you run evalstage from (your repository), so
``"my_package.rag:answer"`` works too. Replace the bodies with calls into your own code.
"""

from __future__ import annotations

from typing import Any


def search(query: str, k: int) -> list[str]:
    """Retrieval: the ids of the ``k`` best documents for ``query``, best first."""
    raise NotImplementedError("call your retriever here")


def answer(question: str, passages: list[dict[str, Any]]) -> str | dict[str, Any]:
    """Generation: the answer to ``question`` from ``passages``, citing them as [n].

    Passages are ``{"n", "doc_id", "title", "text"}``; return the answer, or a dict with
    "answer" (and "citations", "latency_ms", ...).
    """
    raise NotImplementedError("call your generator here")


def respond(messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> Any:
    """Agent: the tool calls your agent makes for ``messages``.

    Return an OpenAI-style assistant message or a list of ``{"name", "arguments"}``.
    """
    raise NotImplementedError("call your agent here")
