"""What a finished upload holds, asked of ffprobe: audio in WebM or Ogg, and how long."""

from dataclasses import dataclass
from pathlib import Path

import ffmpeg
from django.conf import settings
from django.utils.translation import gettext as _

from lms.errors import ServiceError

from .storage import logger

DEFAULT_MAX_BYTES = 5 * 1024 * 1024

DEFAULT_MAX_SECONDS = 120

# What each container's first bytes are: checked before ffprobe is asked anything, so a
# playlist or a picture dressed up as audio never reaches a demuxer that would follow it.
MAGIC = {b"\x1a\x45\xdf\xa3": "matroska", b"OggS": "ogg"}

CONTAINERS = {"matroska": ("webm", "audio/webm"), "ogg": ("ogg", "audio/ogg")}

CODECS = {"opus", "vorbis"}


def max_bytes() -> int:
    return int(getattr(settings, "SPOKEN_ANSWER_MAX_BYTES", DEFAULT_MAX_BYTES))


def max_seconds() -> float:
    return float(getattr(settings, "SPOKEN_ANSWER_MAX_SECONDS", DEFAULT_MAX_SECONDS))


@dataclass
class Probed:
    container: str  # a key of CONTAINERS
    duration: float


def _number(value) -> float | None:
    try:
        found = float(value)
    except (TypeError, ValueError):
        return None
    return found if found >= 0 else None


def recording_probe(path: Path) -> Probed:
    """What the file holds, or ServiceError saying why it is not a spoken answer."""
    not_audio = ServiceError(
        _("Tệp gửi lên không phải bản ghi âm (cần âm thanh Opus trong WebM hoặc Ogg)."),
        code="not_audio",
    )
    with path.open("rb") as handle:
        head = handle.read(4)
    container = MAGIC.get(head)
    if container is None:
        raise not_audio
    limit = max_seconds()
    try:
        info = ffmpeg.probe(
            str(path),
            v="error",
            f=container,
            protocol_whitelist="file",
            # Browsers' recordings carry no duration in the header: the packets say how
            # long it is, read only a little past the limit.
            show_entries="packet=stream_index,pts_time,duration_time",
            read_intervals=f"%+{int(limit) + 2}",
        )
    except (ffmpeg.Error, ValueError, OSError):
        raise not_audio from None
    streams = info.get("streams") or []
    audio = [s for s in streams if s.get("codec_type") == "audio"]
    if len(audio) != 1 or len(streams) != 1 or audio[0].get("codec_name") not in CODECS:
        raise not_audio
    index = audio[0].get("index", 0)
    duration = _number((info.get("format") or {}).get("duration")) or _number(
        audio[0].get("duration")
    )
    if duration is None:
        ends = [
            (_number(p.get("pts_time")) or 0) + (_number(p.get("duration_time")) or 0)
            for p in info.get("packets") or []
            if p.get("stream_index") == index
        ]
        duration = max(ends, default=None)
    if not duration:
        raise ServiceError(_("Bản ghi âm không có tiếng (độ dài bằng 0)."), code="not_audio")
    if duration > limit:
        raise ServiceError(
            # Past the limit the packets are not read: how much longer is not known.
            _("Bản ghi âm dài hơn %(m)d giây cho phép; hãy ghi âm ngắn hơn.") % {"m": int(limit)},
            code="too_long",
        )
    return Probed(container, round(duration, 3))


def _seekable(source: Path, container: str) -> Path | None:
    """A copy of a WebM recording with its duration and cues written: browsers write
    neither while recording, and a player then shows no length and seeks badly (the
    trainer goes back and forth in it). Ogg needs none. None if ffmpeg could not."""
    if container != "matroska":
        return None
    target = source.with_name(f"{source.name.split('.', 1)[0]}.prepared")
    try:
        (
            ffmpeg.input(str(source), f="matroska", protocol_whitelist="file")
            .output(str(target), f="webm", c="copy", map="0:a:0")
            .global_args("-v", "error")
            .overwrite_output()
            .run(capture_stdout=True, capture_stderr=True)
        )
    except (ffmpeg.Error, OSError):
        logger.warning("could not rewrite %s; kept as received", source, exc_info=True)
        target.unlink(missing_ok=True)
        return None
    return target
