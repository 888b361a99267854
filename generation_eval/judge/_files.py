"""Finding a judge's prompt or rubric: by bundled name, or by path next to the judge spec."""

from __future__ import annotations

from pathlib import Path

from evalstage.evalcore.errors import SuiteError
from evalstage.evalcore.files import is_file


def find_file(
    ref: str | Path, base: Path | None, bundled: Path, suffix: str, *, what: str, field: str
) -> Path:
    """``base/ref`` first, then the bundled ``bundled/<ref><suffix>``, then ``ref`` itself.

    Raises :class:`SuiteError` naming the bundled choices when none exists.
    """
    candidates = [bundled / f"{ref}{suffix}"]
    if base is not None:
        candidates.insert(0, base / ref)
    candidates.append(Path(ref))
    path = next((p for p in candidates if is_file(p)), None)
    if path is None:
        known = ", ".join(sorted(p.stem for p in bundled.glob(f"*{suffix}")))
        kind = "a .md file" if suffix == ".md" else "a YAML file"
        raise SuiteError(
            f"{what} '{ref}' not found",
            field=field,
            hint=f"name a bundled {field} ({known}) or {kind} next to the judge spec",
        )
    return path
