"""Shared fixtures: offline defaults, a tiny suite on disk, store URLs."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parent.parent

# Prefect binds its console log handler to the sys.stderr of the moment it is first imported:
# import it now, not inside a CliRunner invocation whose captured stream is closed afterwards.
import prefect  # noqa: E402, F401
from chat_server import FakeServer, serve_chat  # noqa: E402
from suite_fixtures import write_tiny_suite  # noqa: E402


@pytest.fixture(autouse=True)
def evalstage_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test its own data folder: no batch cache, store or Prefect home shared between tests."""
    home = tmp_path / "evalstage-home"
    monkeypatch.setenv("EVALSTAGE_HOME", str(home))
    return home


@pytest.fixture(autouse=True)
def _closed_circuits() -> Iterator[None]:
    """Every test starts with every endpoint's circuit closed (evalcore.circuit)."""
    from evalstage.evalcore.circuit import reset_breakers

    reset_breakers()
    yield


@pytest.fixture
def server() -> Iterator[FakeServer]:
    """A chat-completions test double on 127.0.0.1 (see tests/_support/chat_server.py)."""
    yield from serve_chat()


@pytest.fixture
def tiny_suite(tmp_path: Path) -> Path:
    return write_tiny_suite(tmp_path / "tiny")


PG_URL = os.environ.get(
    "EVALSTAGE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture
def postgres_url() -> str:
    sqlalchemy = pytest.importorskip("sqlalchemy")
    try:
        engine = sqlalchemy.create_engine(PG_URL)
        with engine.connect():
            pass
        engine.dispose()
    except Exception as exc:  # no server: skip with the reason
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}: {exc.__class__.__name__}")
    return PG_URL
