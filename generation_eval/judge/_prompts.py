"""Versioned judge prompts: template files with a name, a version and a content hash.

A prompt file is YAML front matter (``name``, ``version``, ``mode``) followed by a ``[system]``
and a ``[user]`` section. Placeholders are ``{question}``, ``{answer_a}``, ``{answer_b}``
(pairwise) and ``{question}``, ``{answer}``, ``{rubric}`` (rubric); they are filled in one pass,
so braces inside answers are left alone. The hash is the SHA-256 of the file's bytes: any edit
makes a new judge.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from evalstage.evalcore.errors import SuiteError
from evalstage.evalcore.files import read_text
from evalstage.evalcore.hashing import content_hash
from evalstage.evalcore.loaders import safe_load_yaml
from evalstage.generation_eval.judge._files import find_file

JudgeMode = Literal["pairwise", "rubric"]
PROMPTS_DIR = Path(__file__).resolve().parent / "prompts"
"""The bundled prompts, named ``<name>-v<version>.md``."""

PLACEHOLDERS: dict[str, frozenset[str]] = {
    "pairwise": frozenset({"question", "answer_a", "answer_b"}),
    "rubric": frozenset({"question", "answer", "rubric"}),
}
_PLACEHOLDER = re.compile(r"\{(question|answer_a|answer_b|answer|rubric)\}")
_SECTION = re.compile(r"^\[(system|user)\]\s*$", re.MULTILINE)


class JudgePrompt(BaseModel):
    """A loaded prompt template."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(min_length=1)
    version: int = Field(ge=1)
    mode: JudgeMode
    system: str
    user: str
    sha256: str
    path: str

    @property
    def label(self) -> str:
        """``name-vN@hash12``, for tables and logs."""
        return f"{self.name}-v{self.version}@{self.sha256[:12]}"

    def render(self, values: dict[str, str]) -> list[dict[str, str]]:
        """The chat messages for one judgement; every placeholder must have a value."""

        def fill(match: re.Match[str]) -> str:
            return values[match.group(1)]

        messages = []
        if self.system:
            messages.append({"role": "system", "content": _PLACEHOLDER.sub(fill, self.system)})
        messages.append({"role": "user", "content": _PLACEHOLDER.sub(fill, self.user)})
        return messages


def _split(path: Path, text: str) -> tuple[dict[str, object], str]:
    if not text.startswith("---\n"):
        raise SuiteError(
            "a judge prompt starts with YAML front matter",
            path=path,
            line=1,
            hint="begin the file with ---, name:, version:, mode:, then --- on its own line",
        )
    head, sep, body = text[4:].partition("\n---\n")
    if not sep:
        raise SuiteError("the front matter is not closed", path=path, hint="add a line ---")
    meta = safe_load_yaml(head, path)
    if not isinstance(meta, dict):
        raise SuiteError("the front matter is not a mapping", path=path, line=2)
    return meta, body


def load_prompt(ref: str | Path, base: Path | None = None) -> JudgePrompt:
    """Load a prompt by bundled name (``pairwise-v1``) or by path (relative to ``base``)."""
    path = find_file(ref, base, PROMPTS_DIR, ".md", what="judge prompt", field="prompt")
    data = path.read_bytes()
    meta, body = _split(path, read_text(path, what="judge prompt"))
    parts = _SECTION.split(body)
    sections = {parts[i]: parts[i + 1].strip("\n") for i in range(1, len(parts) - 1, 2)}
    if "user" not in sections:
        raise SuiteError("the prompt has no [user] section", path=path, hint="add a line [user]")
    try:
        prompt = JudgePrompt(
            name=str(meta.get("name", "")),
            version=meta.get("version", 0),
            mode=meta.get("mode"),
            system=sections.get("system", ""),
            user=sections["user"],
            sha256=content_hash(data),
            path=str(path),
        )
    except ValueError as exc:
        raise SuiteError(
            f"bad front matter: {exc}",
            path=path,
            hint="write name: <text>, version: <integer >= 1>, mode: pairwise or rubric",
        ) from exc
    used = set(_PLACEHOLDER.findall(prompt.system + prompt.user))
    missing = PLACEHOLDERS[prompt.mode] - used
    if missing:
        raise SuiteError(
            f"the {prompt.mode} prompt lacks the placeholders {sorted(missing)}",
            path=path,
            hint="write each as {name} in the [user] section",
        )
    return prompt
