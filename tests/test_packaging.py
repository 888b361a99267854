"""The distribution: one top-level name, what the wheel holds, and adoption in another repository.

The wheel is built from this checkout (``pip wheel --no-build-isolation``) and installed into a
fresh virtual environment outside the repository. Its dependencies come from this test run's
own environment (a ``.pth`` line naming its site-packages: paths only, so its editable
evalstage is not loaded), which keeps the test offline and minutes shorter than reinstalling
torch; the wheel itself is installed with ``--no-deps`` and is the only evalstage there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import tomllib
import urllib.request
import zipfile
from email.parser import Parser
from pathlib import Path
from typing import Any

import pytest
from prefect_procs import base_env, prefect_server, start, stop

import evalstage

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ["evalcore", "retrieval_eval", "generation_eval", "agent_eval", "flows", "app", "cli"]


def python_packages(folder: Path) -> set[str]:
    """Dotted names of every folder under ``folder`` holding Python modules."""
    found = set()
    for module in folder.rglob("*.py"):
        parent = module.parent
        if "__pycache__" in parent.parts or "scaffold" in parent.parts:
            continue
        found.add(".".join(parent.relative_to(ROOT).parts))
    return found


def test_the_package_list_covers_every_folder_on_disk() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    on_disk = {"evalstage"} | {
        f"evalstage.{name}" for f in FOLDERS for name in python_packages(ROOT / f)
    }
    assert listed == on_disk
    assert config["package-dir"] == {
        "evalstage": "evalstage",
        **{f"evalstage.{f}": f for f in FOLDERS},
    }


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(out), str(ROOT)],
        check=True, capture_output=True, timeout=600, cwd=out,
    )  # fmt: skip
    (built,) = out.glob("evalstage-*.whl")
    return built


@pytest.mark.slow
def test_the_wheel_holds_one_top_level_name_and_what_the_package_needs(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    info = f"evalstage-{evalstage.__version__}.dist-info"
    assert {n.split("/")[0] for n in names} == {"evalstage", info}
    for needed in (
        "evalstage/__init__.py",
        "evalstage/app/main.py",
        "evalstage/app/app_pages/runs.py",
        "evalstage/flows/evaluate.py",
        "evalstage/cli/scaffold/suite.yaml",
        "evalstage/cli/scaffold/workflow.yml.in",
        "evalstage/generation_eval/verifier/weights/offline_minilm.safetensors",
        "evalstage/generation_eval/judge/prompts/pairwise-v1.md",
    ):
        assert needed in names
    assert not [n for n in names if n.startswith("evalstage/tests") or "/suites/" in n]
    assert not [n for n in names if n.endswith(".pyc") or "__pycache__" in n]
    meta = Parser().parsestr(zipfile.ZipFile(wheel).read(f"{info}/METADATA").decode())
    assert meta["Version"] == evalstage.__version__
    torch = [r for r in meta.get_all("Requires-Dist") or [] if r.startswith("torch")]
    assert torch and "==" not in torch[0]  # a range: the exact CPU pin lives in constraints.txt
    entry = zipfile.ZipFile(wheel).read(f"{info}/entry_points.txt").decode()
    assert "evalstage = evalstage.cli:main" in entry


def fresh_venv(folder: Path, wheel: Path) -> Path:
    """A new venv with the wheel alone installed; dependencies from this environment."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    bin_dir = folder / "bin"
    site = Path(
        subprocess.run(
            [str(bin_dir / "python"), "-c",
             "import sysconfig; print(sysconfig.get_path('purelib'))"],
            check=True, capture_output=True, text=True,
        ).stdout.strip()
    )  # fmt: skip
    (site / "_evalstage_test_deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(bin_dir / "python"), "install", "-q",
         "--no-deps", "--no-index", str(wheel)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    return bin_dir


def sh(args: list[str], env: dict[str, str], cwd: Path, timeout: float = 600) -> Any:
    done = subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{args}:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.mark.slow
def test_a_team_adopts_evalstage_in_its_own_repository(wheel: Path, tmp_path: Path) -> None:
    repo = tmp_path / "team-repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    bin_dir = fresh_venv(tmp_path / "venv", wheel)
    env = base_env(tmp_path / "home") | {"PATH": f"{bin_dir}:{os.environ['PATH']}"}
    env.pop("PYTHONPATH", None)
    store = f"sqlite:///{repo / '.evalstage' / 'runs.db'}"
    env["EVALSTAGE_STORE"] = store
    evalstage_bin = str(bin_dir / "evalstage")

    where = sh([str(bin_dir / "python"), "-c", "import evalstage; print(evalstage.__file__)"],
               env, repo)  # fmt: skip
    assert where.stdout.startswith(str(tmp_path / "venv"))
    assert sh([evalstage_bin, "--version"], env, repo).stdout.strip() == (
        f"evalstage {evalstage.__version__}"
    )
    sh([evalstage_bin, "init"], env, repo)
    assert (repo / "evals/suite/suite.yaml").is_file() and (repo / "prefect.yaml").is_file()

    # the team's own `app` package: evalstage's app no longer shadows it
    (repo / "app").mkdir()
    (repo / "app" / "__init__.py").write_text("")
    (repo / "app" / "rag.py").write_text(
        "def search(query, k):\n"
        "    words = set(query.lower().split())\n"
        "    docs = {'account-01': 'password reset link',\n"
        "            'billing-02': 'refund money back yearly',\n"
        "            'api-01': 'requests 429 too many'}\n"
        "    return sorted(docs, key=lambda d: -len(words & set(docs[d].split())))[:k]\n"
    )
    manifest = repo / "evals/suite/suite.yaml"
    manifest.write_text(
        manifest.read_text().replace(
            "      name: bm25 ",
            "      name: callable\n      args: {function: 'app.rag:search'}\n#",
            1,
        )
    )
    run = sh([evalstage_bin, "run", "evals/suite", "--json"], env, repo)
    summary = json.loads(run.stdout)
    assert summary["stages"]["retrieval"]["outcomes"] == {"pass": 3}
    assert set(summary["stages"]) == {"retrieval", "generation", "agent"}
    gate = sh([evalstage_bin, "gate", "evals/suite", "--json"], env, repo)
    assert json.loads(gate.stdout)["passed"] is True

    # the scaffolded prefect.yaml: deployed to a real server, run by a worker from the wheel
    python = str(bin_dir / "python")
    with prefect_server(tmp_path / "server") as server_env:
        server_env |= {
            "PATH": env["PATH"],
            "EVALSTAGE_STORE": store,
            "PREFECT_WORKER_QUERY_SECONDS": "1",
        }
        server_env.pop("PYTHONPATH", None)
        prefect = [python, "-m", "prefect"]
        sh([*prefect, "work-pool", "create", "evalstage", "--type", "process"], server_env, repo)
        sh([*prefect, "--no-prompt", "deploy", "--all"], server_env, repo)
        worker = start([*prefect, "worker", "start", "--pool", "evalstage"], server_env,
                       tmp_path / "worker.log", cwd=repo)  # fmt: skip
        try:
            done = sh(
                [*prefect, "deployment", "run", "evaluate-suite/my-system-nightly", "--watch",
                 "--watch-interval", "1", "--watch-timeout", "300"],
                server_env, repo,
            )  # fmt: skip
            assert "COMPLETED" in done.stdout.upper(), done.stdout
        finally:
            stop(worker)
        with urllib.request.urlopen(f"{server_env['PREFECT_API_URL']}/health", timeout=5) as r:
            assert r.status == 200
    from evalstage.evalcore import ResultStore

    flow_runs = [r.flow_run_id for r in ResultStore(store).list_runs()]
    # run and gate ran in-process (no Prefect API set); the deployment's run is a flow run
    assert len(flow_runs) == 3 and sum(1 for f in flow_runs if f) == 1, flow_runs
