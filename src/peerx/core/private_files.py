"""Files and folders the platform writes (the database, uploads, mail, keys) hold card images,
personal data and secrets: they are created 0600 in 0700 folders. Set explicitly, never through
the process umask, which the platform does not own (an operator's shell, a service manager or a
test runner sets it, and 022 is the common default). What already exists keeps its mode: a data
directory an operator prepared is the operator's decision."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """Create `path` and its missing parents, each 0700; folders that exist are left as they are."""
    missing: list[Path] = []
    current = path
    while not current.exists():
        missing.append(current)
        current = current.parent
    for folder in reversed(missing):
        try:
            os.mkdir(folder, DIR_MODE)
        except FileExistsError:  # a racing process made it (with this function)
            continue
        os.chmod(folder, DIR_MODE)  # mkdir's mode passes through the umask
    return path


def create_private_file(path: Path) -> bool:
    """Create `path` empty with mode 0600 unless it exists; True when this call created it."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return False
    try:
        os.fchmod(descriptor, FILE_MODE)
    finally:
        os.close(descriptor)
    return True


def write_private(path: Path, data: bytes) -> None:
    """Write `data` to `path` as a 0600 file, atomically: written whole under a unique temporary
    name in the same folder, then renamed over `path`, so a reader never sees half a file."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            os.fchmod(handle.fileno(), FILE_MODE)
            handle.write(data)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
