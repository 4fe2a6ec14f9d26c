"""What an upload holds, asked of ffprobe (and a short decode by ffmpeg) before anything
is kept: a file that is not audio or video, too large, too long, or that ffmpeg cannot
decode is refused with the reason."""

from dataclasses import dataclass
from pathlib import Path

import ffmpeg
from django.conf import settings
from django.utils.translation import gettext as _

from lms.errors import ServiceError

# The demuxers an upload may be read with. Playlists (HLS, concat), image sequences and
# the like are never opened: they make ffmpeg read other files on the server's behalf.
DEMUXERS = ("mov", "matroska", "mp3", "ogg", "wav", "flac", "aac", "avi", "mpegts", "mpeg")
FORMAT_WHITELIST = ",".join(DEMUXERS)
READ_OPTIONS = {"format_whitelist": FORMAT_WHITELIST, "protocol_whitelist": "file"}

MAX_SIDE = 4096
# Seconds decoded at upload time: enough to catch a file whose header is right and body
# is not, cheap enough to answer at once.
DECODE_CHECK_SECONDS = 3


@dataclass(frozen=True)
class MediaInfo:
    demuxer: str
    duration: float
    has_video: bool
    has_audio: bool
    width: int | None = None
    height: int | None = None
    fps: float | None = None

    @property
    def kind(self) -> str:
        return "video" if self.has_video else "audio"


def max_bytes() -> int:
    return int(settings.MEDIA_MAX_BYTES)


def max_seconds() -> int:
    return int(settings.MEDIA_MAX_SECONDS)


def _number(value) -> float | None:
    try:
        found = float(value)
    except (TypeError, ValueError):
        return None
    return found if found > 0 else None


def _rate(text: str | None) -> float | None:
    if not text or "/" not in text:
        return _number(text)
    top, bottom = text.split("/", 1)
    top_n, bottom_n = _number(top), _number(bottom)
    return top_n / bottom_n if top_n and bottom_n else None


def _rotated(stream: dict) -> bool:
    rotation = stream.get("tags", {}).get("rotate")
    for side in stream.get("side_data_list") or []:
        rotation = side.get("rotation", rotation)
    try:
        return abs(int(float(rotation or 0))) % 180 == 90
    except ValueError:
        return False


def clock(seconds: float) -> str:
    """1:02:03 or 2:03, as a player shows a length."""
    whole = int(round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def ffmpeg_complaint(stderr: bytes | None) -> str:
    """The last line ffmpeg wrote: what it could not do."""
    last = (stderr or b"").decode("utf-8", "replace").strip().splitlines()[-1:]
    return (last or ["ffmpeg failed"])[0][:300]


def _not_media() -> ServiceError:
    return ServiceError(
        _("Tệp này không phải video hay âm thanh mà hệ thống đọc được."), code="not_media"
    )


def media_check_size(size: int) -> None:
    if size <= 0:
        raise ServiceError(_("Tệp rỗng."), code="empty")
    if size > max_bytes():
        raise ServiceError(
            _("Tệp quá lớn (%(s)s MB); tối đa %(m)s MB.")
            % {"s": round(size / 1024**2, 1), "m": max_bytes() // 1024**2},
            code="too_large",
        )


def media_probe(path: Path, *, expected: str | None = None) -> MediaInfo:
    """What the file at ``path`` holds, or ServiceError saying why it is refused.

    ``expected`` ("video" or "audio") is what the trainer said they upload: a video needs
    a picture, and either needs a duration within the limit.
    """
    media_check_size(path.stat().st_size)
    try:
        info = ffmpeg.probe(str(path), v="error", **READ_OPTIONS)
    except (ffmpeg.Error, ValueError, OSError):
        raise _not_media() from None
    fmt = info.get("format") or {}
    demuxer = next((d for d in DEMUXERS if d in (fmt.get("format_name") or "").split(",")), None)
    streams = info.get("streams") or []
    # A cover picture in an MP3 is a "video" stream of one frame: not a video.
    video = [
        s
        for s in streams
        if s.get("codec_type") == "video" and not (s.get("disposition") or {}).get("attached_pic")
    ]
    audio = [s for s in streams if s.get("codec_type") == "audio"]
    if demuxer is None or not (video or audio):
        raise _not_media()
    if expected == "video" and not video:
        raise ServiceError(
            _("Tệp này chỉ có tiếng, không có hình: hãy tải lên dưới dạng âm thanh."),
            code="no_video",
        )
    if expected == "audio" and not audio:
        raise ServiceError(_("Tệp này không có tiếng."), code="no_audio")
    duration = _number(fmt.get("duration")) or max(
        (_number(s.get("duration")) or 0 for s in streams), default=0
    )
    if not duration:
        raise ServiceError(_("Không đọc được độ dài của tệp."), code="no_duration")
    if duration > max_seconds():
        raise ServiceError(
            _("Tệp dài %(d)s; tối đa %(m)s.") % {"d": clock(duration), "m": clock(max_seconds())},
            code="too_long",
        )
    width = height = fps = None
    if video and expected != "audio":
        stream = video[0]
        width, height = int(stream.get("width") or 0), int(stream.get("height") or 0)
        if _rotated(stream):
            width, height = height, width
        if not (16 <= width <= MAX_SIDE and 16 <= height <= MAX_SIDE):
            raise ServiceError(
                _("Khung hình %(w)s×%(h)s không được hỗ trợ (tối đa %(m)s điểm ảnh mỗi cạnh).")
                % {"w": width, "h": height, "m": MAX_SIDE},
                code="dimensions",
            )
        fps = _rate(stream.get("avg_frame_rate")) or _rate(stream.get("r_frame_rate"))
    has_video = bool(video) and expected != "audio"
    _decode_check(path, demuxer)
    return MediaInfo(
        demuxer=demuxer,
        duration=round(duration, 3),
        has_video=has_video,
        has_audio=bool(audio),
        width=width,
        height=height,
        fps=round(fps, 3) if fps else None,
    )


def _decode_check(path: Path, demuxer: str) -> None:
    try:
        (
            ffmpeg.input(str(path), f=demuxer, t=DECODE_CHECK_SECONDS, **READ_OPTIONS)
            .output("-", f="null")
            .global_args("-v", "error", "-xerror", "-nostdin")
            .run(capture_stdout=True, capture_stderr=True)
        )
    except ffmpeg.Error as exc:
        raise ServiceError(
            _("ffmpeg không giải mã được tệp này (%(d)s).") % {"d": ffmpeg_complaint(exc.stderr)},
            code="undecodable",
        ) from None
