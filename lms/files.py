"""Writing a file a piece at a time, as resumable uploads arrive."""

import os
from pathlib import Path


def write_at(path: Path, offset: int, chunk: bytes) -> None:
    """Put ``chunk`` at ``offset`` and cut what follows: bytes a failed request left
    past the last recorded offset never stay in the file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        os.lseek(fd, offset, os.SEEK_SET)
        view = memoryview(chunk)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.ftruncate(fd, offset + len(chunk))
        os.fsync(fd)
    finally:
        os.close(fd)
