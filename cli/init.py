"""``evalstage init [DIR]``: scaffold a team's evaluation in its own repository.

Writes a starter suite (one example case per stage, every field explained in suite.yaml), a
``prefect.yaml`` whose entrypoints are the installed package's flows, and a GitHub workflow that
installs a pinned evalstage and gates pull requests. Nothing is overwritten unless ``--force``:
every file is checked before the first one is written.
"""

from __future__ import annotations

import re
from importlib.resources import files
from pathlib import Path
from typing import Annotated

import typer

from evalstage import __version__
from evalstage.cli._common import fail, out
from evalstage.evalcore.errors import SuiteError
from evalstage.evalcore.files import write_text_atomic

SUITE_FILES = ("suite.yaml", "corpus.jsonl", "retrieval.jsonl", "rag.jsonl", "agent.jsonl")
SYSTEM_FILE = "my_system.py"
WORKFLOW = Path(".github/workflows/evalstage.yml")
NAME = re.compile(r"[A-Za-z0-9._-]+")


def _template(name: str) -> str:
    return files("evalstage.cli").joinpath("scaffold", name).read_text(encoding="utf-8")


def scaffold(suite_dir: str, install: str, name: str) -> dict[Path, str]:
    """Every file ``init`` writes, relative to the repository, with its content."""
    if not NAME.fullmatch(name):
        raise SuiteError(
            f"'{name}' is not a suite name", field="--name", hint="use letters, digits, . _ -"
        )
    suite = Path(suite_dir)
    if suite.is_absolute() or ".." in suite.parts:
        raise SuiteError(
            f"'{suite_dir}' is not a folder inside the repository",
            field="--suite-dir",
            hint="give a relative path such as evals/suite",
        )
    planned: dict[Path, str] = {}
    for file in (*SUITE_FILES, SYSTEM_FILE):
        text = _template(file)
        if file == "suite.yaml":
            text = text.replace("name: my-system ", f"name: {name} ", 1)
            text = text.replace("evals/suite", suite.as_posix())
        planned[suite / file] = text
    fill = {"@NAME@": name, "@SUITE_DIR@": suite.as_posix(), "@INSTALL@": install}
    templates = ((Path("prefect.yaml"), "prefect.yaml.in"), (WORKFLOW, "workflow.yml.in"))
    for target, template in templates:
        text = _template(template)
        for key, value in fill.items():
            text = text.replace(key, value)
        planned[target] = text
    return planned


def init_command(
    folder: Annotated[
        Path, typer.Argument(help="The repository to scaffold (default: the working folder).")
    ] = Path("."),
    suite_dir: Annotated[
        str, typer.Option("--suite-dir", help="Where the suite goes, inside the repository.")
    ] = "evals/suite",
    name: Annotated[str, typer.Option("--name", help="The suite's name.")] = "my-system",
    install: Annotated[
        str,
        typer.Option(
            "--install",
            help="What the CI workflow installs: a pinned version (the default, this one) or a "
            "git ref such as 'evalstage @ git+https://github.com/ORG/evalstage@v0.2.0'.",
        ),
    ] = f"evalstage=={__version__}",
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing files.")] = False,
) -> None:
    """Scaffold an evaluation in your repository: a starter suite, prefect.yaml and CI workflow."""
    try:
        if folder.exists() and not folder.is_dir():
            raise SuiteError("not a folder", path=folder, hint="pass your repository's folder")
        planned = scaffold(suite_dir, install, name)
        existing = [p for p in planned if (folder / p).exists()]
        if existing and not force:
            raise SuiteError(
                "would overwrite " + ", ".join(str(folder / p) for p in existing),
                path=folder,
                hint="move them away, pick another --suite-dir, or pass --force",
            )
    except SuiteError as exc:
        raise fail(exc) from exc
    for relative, text in planned.items():
        write_text_atomic(folder / relative, text)
    suite = folder / suite_dir
    out.print(f"wrote {len(planned)} files into {folder.resolve()}:", highlight=False)
    for relative in planned:
        out.print(f"  {relative}", highlight=False)
    out.print(
        "\nnext:\n"
        f"  evalstage run {suite}        # run the starter suite (built-in baselines)\n"
        f"  evalstage gate {suite}       # check its gates, as the CI workflow will\n"
        f"  edit {suite / 'suite.yaml'} to point the targets at your system "
        f"({suite / SYSTEM_FILE}), and replace the example cases with your own",
        highlight=False,
    )
