"""Atomic file writes, and the one reader of user text files (plain or gzipped).

Writes: readers never see half a file, and a failed write leaves nothing. Reads: a byte-order
mark, CRLF line ends, bytes that are not UTF-8 and corrupt gzip all get a :class:`SuiteError` that
names the file and line, never a raw decoding error.
"""

from __future__ import annotations

import codecs
import gzip
import os
import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, cast

from evalstage.evalcore.errors import SuiteError


def write_bytes_atomic(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder, then rename."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; give the file ordinary permissions
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def check_writable(path: str | Path, field: str | None = None) -> None:
    """Raise :class:`SuiteError` now if :func:`write_bytes_atomic` could not write ``path``.

    For long jobs: a bad output path fails before the work, not after it. Creates the missing
    folders (as the write would), then a temporary file beside the target, removed at once.
    """
    target = Path(path)
    hint = "pass an --output path in a folder you can write to"
    if target.is_dir():
        raise SuiteError("the output path is a folder", path=target, field=field, hint=hint)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        os.close(fd)
        os.unlink(tmp)
        if target.exists() and not os.access(target, os.W_OK):
            raise PermissionError(f"{target} is read-only")
    except OSError as exc:
        raise SuiteError(
            f"cannot write the output ({exc.strerror or exc})",
            path=target,
            field=field,
            hint=hint,
        ) from None


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write UTF-8 ``text`` atomically (see :func:`write_bytes_atomic`)."""
    return write_bytes_atomic(path, text.encode("utf-8"))


# ---------------------------------------------------------------------------------------------
# Reading user files: one place for BOM, CRLF, non-UTF-8 bytes and corrupt gzip.

_GZIP_MAGIC = b"\x1f\x8b"
_UTF8_HINT = "save the file as UTF-8 (in most editors: 'Save with encoding' → UTF-8)"


def _decode(raw: bytes, path: Path, line: int) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SuiteError(
            f"not valid UTF-8: byte 0x{raw[exc.start]:02x} at column {exc.start + 1}",
            path=path,
            line=line,
            hint=_UTF8_HINT,
        ) from None


def _gzip_error(path: Path, line: int | None, exc: BaseException) -> SuiteError:
    detail = str(exc) or type(exc).__name__
    return SuiteError(
        f"corrupt or truncated gzip file ({detail})",
        path=path,
        line=line,
        hint="re-create the file with gzip (or gunzip it and give the plain file)",
    )


def is_file(path: Path) -> bool:
    """``path.is_file()``, False (not an error) for a name too long or otherwise impossible."""
    try:
        return path.is_file()
    except (OSError, ValueError):  # ENAMETOOLONG, a NUL byte in the name, ...
        return False


def _open_binary(path: Path, what: str, hint: str) -> BinaryIO:
    if not is_file(path):
        raise SuiteError(f"{what} not found", path=path, hint=hint)
    try:
        handle: BinaryIO = path.open("rb")
        if path.suffix == ".gz":
            if handle.read(2) != _GZIP_MAGIC:
                handle.close()
                raise SuiteError(
                    "not a gzip file (it ends in .gz but does not start with gzip's header)",
                    path=path,
                    hint="gzip the file, or drop the .gz from its name",
                )
            handle.seek(0)
            return cast(BinaryIO, gzip.GzipFile(fileobj=handle, mode="rb"))
        return handle
    except OSError as exc:
        raise SuiteError(
            f"cannot read the file: {exc.strerror or exc}", path=path, hint="check its permissions"
        ) from None


def iter_lines(
    path: str | Path, *, what: str = "file", hint: str = "check the path"
) -> Iterator[tuple[int, str]]:
    """Yield ``(line_number, text)`` for every line of a plain or gzipped (``*.gz``) text file.

    The one reader of user files: a UTF-8 byte-order mark is dropped, CRLF and LF both
    end a line (the text has neither), and a missing file, bytes that are not UTF-8 or a corrupt or
    truncated gzip stream raise :class:`SuiteError` naming the file and line.
    """
    source = Path(path)
    handle = _open_binary(source, what, hint)
    number = 0
    try:
        with handle:
            while True:
                try:
                    raw = handle.readline()
                except (OSError, EOFError, zlib.error) as exc:
                    raise _gzip_error(source, number + 1, exc) from None
                if not raw:
                    return
                number += 1
                if number == 1 and raw.startswith(codecs.BOM_UTF8):
                    raw = raw[len(codecs.BOM_UTF8) :]
                if raw.endswith(b"\n"):
                    raw = raw[:-2] if raw.endswith(b"\r\n") else raw[:-1]
                yield number, _decode(raw, source, number)
    except (OSError, EOFError, zlib.error) as exc:  # closing a truncated stream
        raise _gzip_error(source, number or None, exc) from None


def read_text(path: str | Path, *, what: str = "file", hint: str = "check the path") -> str:
    """The whole text of a user file (see :func:`iter_lines`), its lines joined with LF."""
    lines = [text for _, text in iter_lines(path, what=what, hint=hint)]
    return "\n".join(lines) + ("\n" if lines else "")
