"""The prompt the ``openai`` generation target sends: the bundled one, or the team's own file.

The bundled prompt is :data:`PROMPT_TEMPLATE` (version :data:`PROMPT_VERSION`). A team's prompt
is a text file (``args.prompt_file``, and optionally ``args.system_prompt_file`` for a system
message) written with :class:`string.Template` placeholders from a fixed set,
:data:`PROMPT_VARIABLES`: ``$question``, ``$passages``, ``$passages_json``, ``$n_passages``
(``${question}`` also works; ``$$`` is a literal dollar sign). Nothing else is evaluated: no
attribute access, no expressions. An unknown placeholder, a stray ``$`` or a user prompt without
the question or the passages is a :class:`~evalcore.errors.SuiteError` when the suite is
loaded, naming the file, line and field. The file's sha256 (first 12 hex digits) is recorded
with every run beside its path.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Any, Literal

from evalstage.evalcore.errors import SuiteError
from evalstage.generation_eval._cases import Passage

PROMPT_VERSION = "rag-answer-v1"
PROMPT_TEMPLATE = """\
Answer the question using only the numbered passages below.
- Cite the passages that support each sentence with their numbers in square brackets, e.g. [1] \
or [1][3], at the end of the sentence.
- If the passages do not contain the answer, say that you cannot answer from the passages; do \
not guess.
- If the passages contradict each other on the answer, say so and cite both sides.
- Be brief: one to three sentences.

Passages:
{passages}

Question: {question}
Answer:"""
"""The bundled prompt of the ``openai`` target; its version and hash are recorded with every run."""

PROMPT_HASH = hashlib.sha256(PROMPT_TEMPLATE.encode()).hexdigest()[:12]

PROMPT_VARIABLES: dict[str, str] = {
    "question": "the question of the case (the same in every variant of it)",
    "passages": "the passages, one a line, as '[n] title: text' numbered from 1 (the numbers "
    "the answer cites)",
    "passages_json": 'the passages as a JSON list of {"n", "doc_id", "title", "text"}',
    "n_passages": "how many passages there are",
}
"""Every placeholder a prompt file may use, and what it is replaced with."""


def number_passages(passages: Sequence[Passage]) -> str:
    """Passages as the prompt shows them: ``[n] title: text`` from 1."""
    return "\n".join(
        f"[{n}] {p.title + ': ' if p.title else ''}{p.text}" for n, p in enumerate(passages, 1)
    )


def numbered(passages: Sequence[Passage]) -> list[dict[str, Any]]:
    """Passages as plain dicts numbered from 1, as a team's system gets them (``n`` is [n])."""
    return [{"n": n, **p.model_dump()} for n, p in enumerate(passages, 1)]


def passages_json(passages: Sequence[Passage]) -> str:
    """Passages as ``$passages_json`` shows them."""
    return json.dumps(numbered(passages), ensure_ascii=False)


def render_prompt(question: str, passages: Sequence[Passage]) -> str:
    """The bundled prompt for one question."""
    return PROMPT_TEMPLATE.format(passages=number_passages(passages), question=question)


@dataclass(frozen=True)
class Prompt:
    """One prompt: its text, how it is filled in, and what the run records of it."""

    text: str
    name: str
    style: Literal["format", "template"] = "template"

    @property
    def sha(self) -> str:
        """The first 12 hex digits of the text's sha256."""
        return hashlib.sha256(self.text.encode()).hexdigest()[:12]

    def render(self, question: str, passages: Sequence[Passage]) -> str:
        """The prompt for one question over its passages."""
        if self.style == "format":
            return self.text.format(passages=number_passages(passages), question=question)
        return Template(self.text).substitute(
            question=question,
            passages=number_passages(passages),
            passages_json=passages_json(passages),
            n_passages=str(len(passages)),
        )


BUNDLED_PROMPT = Prompt(PROMPT_TEMPLATE, PROMPT_VERSION, "format")
"""The default prompt (:data:`PROMPT_TEMPLATE`)."""


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def load_prompt(
    path: Path,
    field: str,
    *,
    user: bool = True,
    where: Path | None = None,
    label: str | None = None,
) -> Prompt:
    """Read and check a prompt file; ``field`` names the arg (``target.args.prompt_file``).

    ``user``: the user prompt, which must show the question and the passages. Errors name the
    prompt file and line (``where``, the manifest, when the file cannot be read). ``label``:
    how the run records the file (``file:<label>``; its name by default).
    """
    names = ", ".join(f"${n}" for n in PROMPT_VARIABLES)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SuiteError(
            f"the prompt file {path} does not exist",
            path=where,
            field=field,
            hint="give the path relative to the suite folder",
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SuiteError(
            f"cannot read the prompt file {path}: {exc}", path=where, field=field
        ) from None
    if not text.strip():
        raise SuiteError("the prompt file is empty", path=path, field=field)
    template = Template(text)
    for match in template.pattern.finditer(text):
        offset = match.start()
        if match.group("invalid") is not None:
            raise SuiteError(
                "a '$' that starts no placeholder",
                path=path,
                line=_line_of(text, offset),
                field=field,
                hint=f"write $$ for a literal dollar sign; the placeholders are {names}",
            )
        name = match.group("named") or match.group("braced")
        if name is not None and name not in PROMPT_VARIABLES:
            raise SuiteError(
                f"unknown placeholder '${name}'",
                path=path,
                line=_line_of(text, offset),
                field=field,
                hint=f"use only {names} (write $$ for a literal dollar sign)",
            )
    used = set(template.get_identifiers())
    if user:
        missing = [
            label
            for label, ok in (
                ("$question", "question" in used),
                ("$passages (or $passages_json)", bool(used & {"passages", "passages_json"})),
            )
            if not ok
        ]
        if missing:
            braces = re.search(r"\{(question|passages)\}", text)
            hint = (
                f"this file writes {braces.group(0)}: placeholders are written ${braces.group(1)}"
                if braces
                else f"the placeholders are {names}"
            )
            raise SuiteError(
                f"the prompt never shows {' nor '.join(missing)}",
                path=path,
                field=field,
                hint=hint,
            )
    return Prompt(text, f"file:{label or path.name}")
