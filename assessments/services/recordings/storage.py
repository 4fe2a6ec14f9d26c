"""Where recordings live (private files) and how they are written, renamed and removed."""

import logging
from pathlib import Path

from django.conf import settings

from assessments.models import Recording

logger = logging.getLogger(__name__)


def recordings_root() -> Path:
    return Path(settings.PRIVATE_ROOT) / "recordings"


def _part_path(recording: Recording) -> Path:
    return recordings_root() / str(recording.attempt_id) / f"{recording.pk}.part"


def recording_file(recording: Recording) -> Path | None:
    """The checked file of a complete recording (None before it is complete)."""
    if not recording.complete or not recording.path:
        return None
    return Path(settings.PRIVATE_ROOT) / recording.path


def _files_of(recording: Recording) -> list[Path]:
    files = [_part_path(recording)]
    if recording.path:
        files.append(Path(settings.PRIVATE_ROOT) / recording.path)
    return files


def _unlink(paths: list[Path]) -> None:
    for path in paths:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            # Left for the sweep, which removes files without a live row.
            logger.warning("could not delete %s", path, exc_info=True)
    for path in paths:
        try:
            path.parent.rmdir()  # the attempt's folder, once it holds nothing
        except OSError:
            pass


def _discard(recording: Recording) -> None:
    """Delete a recording's row and its files (the files whatever the transaction does:
    bytes that were refused are of no use to anyone)."""
    files = _files_of(recording)
    recording.delete()
    _unlink(files)
