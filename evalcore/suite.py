"""The suite manifest (``suite.yaml``) and the suite folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from evalcore.errors import SuiteError
from evalcore.hashing import files_hash
from evalcore.loaders import load_yaml_model, yaml_line

STAGES = ("retrieval", "generation", "agent")


class TargetSpec(BaseModel):
    """A system under test as ``{name, args}``: round-trips through YAML and JSON."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    args: dict[str, Any] = Field(default_factory=dict)


class StageSpec(BaseModel):
    """One stage of a suite: its cases file, its target and stage-specific options."""

    model_config = ConfigDict(extra="forbid")

    cases: str = Field(min_length=1, description="Cases file, relative to the suite folder.")
    target: TargetSpec
    options: dict[str, Any] = Field(default_factory=dict)


class SuiteManifest(BaseModel):
    """``suite.yaml``."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    version: str = Field(min_length=1)
    description: str = ""
    stages: dict[str, StageSpec] = Field(min_length=1)


class Suite(BaseModel):
    """A loaded suite folder: its manifest, location and content hash."""

    root: Path
    manifest: SuiteManifest
    content_hash: str

    def path(self, relative: str) -> Path:
        """Resolve a path named in the manifest against the suite folder."""
        return (self.root / relative).resolve()

    @property
    def manifest_path(self) -> Path:
        """The ``suite.yaml`` file."""
        return self.root / "suite.yaml"


def load_suite(root: str | Path) -> Suite:
    """Load ``root/suite.yaml`` and hash every file of the suite folder."""
    folder = Path(root)
    if not folder.is_dir():
        raise SuiteError(
            "suite folder not found", path=folder, hint="pass a folder holding suite.yaml"
        )
    manifest_path = folder / "suite.yaml"
    manifest = load_yaml_model(manifest_path, SuiteManifest)
    for stage in manifest.stages:
        if stage not in STAGES:
            raise SuiteError(
                f"unknown stage '{stage}'",
                path=manifest_path,
                line=yaml_line(manifest_path, manifest_path.read_text("utf-8"), ("stages", stage)),
                field=f"stages.{stage}",
                hint=f"use one of: {', '.join(STAGES)}",
            )
    files = [p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")]
    return Suite(root=folder.resolve(), manifest=manifest, content_hash=files_hash(files, folder))
