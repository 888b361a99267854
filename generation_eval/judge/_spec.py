"""The judge spec: a small YAML file naming the mode, prompt, rubric and backend.

```yaml
mode: pairwise              # or rubric
prompt: pairwise-v1         # a bundled prompt, or a .md file next to this spec
both_orders: true           # pairwise bias control (default on)
backend:
  name: openai              # or recorded
  args: {base_url: http://127.0.0.1:8000/v1, model: judge-model}   # model is required
```
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from evalstage.evalcore.errors import SuiteError
from evalstage.evalcore.files import read_text
from evalstage.evalcore.llm_client import ChatConfig
from evalstage.evalcore.loaders import load_yaml_model, yaml_line
from evalstage.generation_eval.judge._backends import ChatBackend, JudgeBackend, RecordedBackend
from evalstage.generation_eval.judge._judge import Judge
from evalstage.generation_eval.judge._prompts import JudgeMode, load_prompt
from evalstage.generation_eval.judge._rubric import load_rubric


class BackendSpec(BaseModel):
    """``{name, args}`` of the judge backend."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Literal["openai", "recorded"]
    args: dict[str, Any] = Field(default_factory=dict)


class JudgeSpec(BaseModel):
    """A judge spec file (round-trips through YAML)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    mode: JudgeMode
    prompt: str = Field(min_length=1)
    rubric: str | None = None
    both_orders: bool = True
    backend: BackendSpec


def _backend(spec: BackendSpec, path: Path, client_kwargs: dict[str, Any]) -> JudgeBackend:
    base = path.parent
    if spec.name == "recorded":
        recording = spec.args.get("path")
        if not isinstance(recording, str):
            raise SuiteError(
                "a recorded judge needs args.path",
                path=path,
                line=yaml_line(path, read_text(path), ("backend", "args")),
                field="backend.args.path",
                hint="name the recording file (JSONL), relative to the spec",
            )
        return RecordedBackend(base / recording)
    try:
        config = ChatConfig.model_validate(spec.args)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ("backend", "args", *first["loc"])
        raise SuiteError(
            str(first["msg"]),
            path=path,
            line=yaml_line(path, read_text(path), loc),
            field=".".join(str(p) for p in loc),
            hint="give base_url and model explicitly (there is no default judge model)",
        ) from exc
    return ChatBackend(config, **client_kwargs)


def load_judge(path: str | Path, **client_kwargs: Any) -> Judge:
    """Build the judge a spec file describes (``client_kwargs`` go to the live chat client)."""
    spec_path = Path(path)
    spec = load_yaml_model(spec_path, JudgeSpec)
    prompt = load_prompt(spec.prompt, spec_path.parent)
    if prompt.mode != spec.mode:
        raise SuiteError(
            f"prompt {prompt.label} is a {prompt.mode} prompt, the spec says {spec.mode}",
            path=spec_path,
            field="prompt",
            hint="use a prompt of the spec's mode",
        )
    rubric = load_rubric(spec.rubric, spec_path.parent) if spec.rubric else None
    if spec.mode == "rubric" and rubric is None:
        raise SuiteError(
            "a rubric judge needs a rubric",
            path=spec_path,
            field="rubric",
            hint="add e.g. rubric: helpfulness-v1",
        )
    backend = _backend(spec.backend, spec_path, client_kwargs)
    return Judge(prompt, backend, rubric=rubric, both_orders=spec.both_orders)
