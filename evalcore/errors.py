"""User-input errors that say where the problem is and how to fix it."""

from __future__ import annotations

from pathlib import Path


class SuiteError(ValueError):
    """Bad input from the user: names the file, line and field, and says how to fix it."""

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        field: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.path = str(path) if path is not None else None
        self.line = line
        self.field = field
        self.hint = hint
        self.message = message
        super().__init__(self.render())

    def render(self) -> str:
        """Return ``file:line: field: message (fix: hint)``."""
        where = ""
        if self.path is not None:
            where = self.path
            if self.line is not None:
                where += f":{self.line}"
            where += ": "
        what = f"field '{self.field}': " if self.field else ""
        fix = f"\n  how to fix: {self.hint}" if self.hint else ""
        return f"{where}{what}{self.message}{fix}"
