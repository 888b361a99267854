"""Offline defaults and the project data folder."""

from __future__ import annotations

import os
from pathlib import Path

OFFLINE_DEFAULTS = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",  # model-loading bars: evalstage shows its own progress
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_API_HOST": "127.0.0.1",
    "TOKENIZERS_PARALLELISM": "false",
    # Prefect's temporary server (EVALSTAGE_ORCHESTRATION=prefect without PREFECT_API_URL) may
    # take longer than Prefect's 20 s to start on a loaded machine: wait, don't die.
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
}


def data_dir() -> Path:
    """The project data folder: ``$EVALSTAGE_HOME``, else ``.evalstage`` in the working folder."""
    return Path(os.environ.get("EVALSTAGE_HOME", ".evalstage")).resolve()


def default_store_url() -> str:
    """``$EVALSTAGE_STORE``, else the SQLite file ``runs.db`` in the data folder."""
    url = os.environ.get("EVALSTAGE_STORE")
    return url or f"sqlite:///{data_dir() / 'runs.db'}"


def cache_dir(kind: str) -> Path:
    """A cache folder inside the data folder, e.g. ``cache_dir("embeddings")``."""
    return data_dir() / "cache" / kind


def apply_offline_defaults() -> None:
    """Set offline and privacy defaults (never overriding what the user set) and PREFECT_HOME."""
    for key, value in OFFLINE_DEFAULTS.items():
        os.environ.setdefault(key, value)
    home = Path(os.environ.setdefault("PREFECT_HOME", str(data_dir() / "prefect")))
    home.mkdir(parents=True, exist_ok=True)
