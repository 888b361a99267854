"""An on-disk cache of pair probabilities keyed by content hash (scorer identity + texts)."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Mapping
from contextlib import closing
from pathlib import Path

from evalstage.evalcore.env import cache_dir

__all__ = ["PairCache", "pair_key"]


def pair_key(identity: str, premise: str, hypothesis: str) -> str:
    """SHA-256 of the scorer identity, premise and hypothesis (NUL-separated)."""
    data = "\0".join((identity, premise, hypothesis)).encode("utf-8")
    return hashlib.sha256(data).hexdigest()


class PairCache:
    """A SQLite table ``key -> (p_supported, p_contradicted, p_unsupported)``."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else cache_dir("verifier") / "pairs.sqlite"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as db, db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS pairs "
                "(key TEXT PRIMARY KEY, p0 REAL NOT NULL, p1 REAL NOT NULL, p2 REAL NOT NULL)"
            )

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=30.0)

    def get_many(self, keys: Iterable[str]) -> dict[str, tuple[float, float, float]]:
        """The cached rows among ``keys``."""
        wanted = list(dict.fromkeys(keys))
        found: dict[str, tuple[float, float, float]] = {}
        with closing(self._connect()) as db, db:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                marks = ",".join("?" * len(chunk))
                rows = db.execute(
                    f"SELECT key, p0, p1, p2 FROM pairs WHERE key IN ({marks})", chunk
                )
                for key, p0, p1, p2 in rows:
                    found[key] = (p0, p1, p2)
        return found

    def put_many(self, rows: Mapping[str, tuple[float, float, float]]) -> None:
        """Store ``rows`` (replacing existing keys)."""
        if not rows:
            return
        with closing(self._connect()) as db, db:
            db.executemany(
                "INSERT OR REPLACE INTO pairs (key, p0, p1, p2) VALUES (?, ?, ?, ?)",
                [(key, *values) for key, values in rows.items()],
            )
