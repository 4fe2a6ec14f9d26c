"""One upload in, everything a weak link needs out, in a local folder:

- an HLS ladder in fragmented MP4 with keyframes every SEGMENT_SECONDS in every rung, so
  a player can switch rung at any segment boundary: 360p (~500 kbit/s) and 240p
  (~250 kbit/s), each with mono audio;
- an audio-only rendition (mono AAC, 40 kbit/s), kept out of the video master playlist
  (players drop audio-only rungs from a video ladder) and played on its own when the
  learner chooses "audio only";
- a poster, a small MP4 (the 240p rung) and an M4A of the audio to keep offline.

Audio lessons get loudness normalisation and the audio-only rendition. The video rungs
and the audio-only rendition come out of one ffmpeg run, which decodes the source once.
"""

import math
import re
import signal
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import ffmpeg

from .probe import READ_OPTIONS, MediaInfo, ffmpeg_complaint

SEGMENT_SECONDS = 4
MAX_FPS = 30
AUDIO_ONLY_KBPS = 40
AUDIO_RATE = 44100
# Broadcast-style loudness for speech heard on a phone's speaker (EBU R128 scaled to -16).
LOUDNORM = {"I": -16, "TP": -1.5, "LRA": 11}
AVC_CODECS = "avc1.4d401e"  # Main profile, level 3.0: every phone of the last decade
AAC_CODECS = "mp4a.40.2"


@dataclass(frozen=True)
class Rung:
    name: str
    short_side: int
    video_kbps: int
    audio_kbps: int


LADDER = (Rung("360p", 360, 440, 48), Rung("240p", 240, 200, 40))
DOWNLOAD_RUNG = "240p"

Progress = Callable[[float], None]


class TranscodeError(Exception):
    """ffmpeg failed; the message is its last words."""


def _even(value: float) -> int:
    return max(2, int(round(value / 2)) * 2)


def _frame(info: MediaInfo, rung: Rung) -> tuple[int, int]:
    """The rung's size: its short side (never upscaled), the source's aspect ratio."""
    width, height = info.width or 16, info.height or 9
    short = min(rung.short_side, min(width, height))
    if width >= height:
        return _even(short * width / height), _even(short)
    return _even(short), _even(short * height / width)


def _hls_options(folder: Path) -> dict:
    return {
        "f": "hls",
        "hls_time": SEGMENT_SECONDS,
        "hls_playlist_type": "vod",
        "hls_segment_type": "fmp4",
        "hls_flags": "independent_segments",
        "hls_fmp4_init_filename": "init.mp4",
        "hls_segment_filename": str(folder / "seg_%05d.m4s"),
    }


def _audio_options(kbps: int) -> dict:
    return {"c:a": "aac", "b:a": f"{kbps}k", "ac": 1, "ar": AUDIO_RATE}


def _video_options(rung: Rung, fps: float) -> dict:
    gop = max(1, round(fps * SEGMENT_SECONDS))
    return {
        "c:v": "libx264",
        "preset": "veryfast",
        "profile:v": "main",
        "level": "3.0",
        "pix_fmt": "yuv420p",
        "b:v": f"{rung.video_kbps}k",
        "maxrate": f"{int(rung.video_kbps * 1.1)}k",
        "bufsize": f"{rung.video_kbps * 2}k",
        # Keyframes at the same instants in every rung, and only there.
        "g": gop,
        "keyint_min": gop,
        "sc_threshold": 0,
        "force_key_frames": f"expr:gte(t,n_forced*{SEGMENT_SECONDS})",
    }


def transcode(source: Path, info: MediaInfo, out: Path, on_progress: Progress) -> dict:
    """Renditions of ``source`` written under ``out``; their description (paths relative
    to ``out``). Raises TranscodeError."""
    hls = out / "hls"
    source_in = ffmpeg.input(str(source), f=info.demuxer, **READ_OPTIONS)
    outputs = []
    files: dict[str, dict] = {}
    audio = None
    if info.has_audio:
        audio = source_in["a:0"]
        if not info.has_video:
            audio = audio.filter("loudnorm", **LOUDNORM)
    if info.has_video:
        fps = min(info.fps or 25.0, MAX_FPS)
        video = source_in["v:0"]
        if (info.fps or 0) > MAX_FPS:
            video = video.filter("fps", fps=MAX_FPS)
        # Audio split too: one decoded stream cannot feed several outputs in a graph.
        copies = video.filter_multi_output("split", len(LADDER))
        audio_copies = audio.filter_multi_output("asplit", len(LADDER) + 1) if audio else None
        for index, rung in enumerate(LADDER):
            width, height = _frame(info, rung)
            folder = hls / rung.name
            folder.mkdir(parents=True)
            streams = [copies[index].filter("scale", width, height)]
            options = _hls_options(folder) | _video_options(rung, fps)
            if audio_copies is not None:
                streams.append(audio_copies[index])
                options |= _audio_options(rung.audio_kbps)
            outputs.append(ffmpeg.output(*streams, str(folder / "index.m3u8"), **options))
            files[rung.name] = {
                "path": f"hls/{rung.name}/index.m3u8",
                "width": width,
                "height": height,
            }
        if audio_copies is not None:
            audio = audio_copies[len(LADDER)]
    if audio is not None:
        folder = hls / "audio"
        folder.mkdir(parents=True)
        outputs.append(
            ffmpeg.output(
                audio,
                str(folder / "index.m3u8"),
                **(_hls_options(folder) | _audio_options(AUDIO_ONLY_KBPS)),
            )
        )
        files["audio"] = {"path": "hls/audio/index.m3u8"}

    _run(ffmpeg.merge_outputs(*outputs), info.duration, on_progress)

    for entry in files.values():
        entry.update(_measure(out / entry["path"]))
    if info.has_video:
        _poster(source, info, out / "poster.jpg")
        files["poster"] = {"path": "poster.jpg"}
        _remux(hls / DOWNLOAD_RUNG / "index.m3u8", out / "video.mp4")
        files["download"] = {"path": "video.mp4"}
    if "audio" in files:
        _remux(hls / "audio" / "index.m3u8", out / "audio.m4a")
        files["audio_download"] = {"path": "audio.m4a"}
    for name in ("poster", "download", "audio_download"):
        if name in files:
            files[name]["bytes"] = (out / files[name]["path"]).stat().st_size
    master = _write_master(out, files, info)
    if master:
        files["master"] = {"path": master}
    on_progress(1.0)
    return {
        "kind": info.kind,
        "duration": info.duration,
        "segment_seconds": SEGMENT_SECONDS,
        "files": files,
    }


PROGRESS_LINE = re.compile(rb"^out_time_(?:us|ms)=(\d+)")


def _run(stream, duration: float, on_progress: Progress) -> None:
    """Run ffmpeg, reporting the fraction done from its ``-progress`` output."""
    args = (
        stream.global_args("-v", "error", "-nostdin", "-nostats", "-progress", "pipe:1")
        .overwrite_output()
        .compile()
    )
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(
            args, stdout=subprocess.PIPE, stderr=errors, preexec_fn=_die_with_parent
        )
        assert process.stdout is not None
        for line in process.stdout:
            match = PROGRESS_LINE.match(line)
            if match and duration:
                on_progress(min(int(match.group(1)) / 1e6 / duration, 0.99))
        if process.wait() != 0:
            errors.seek(0)
            raise TranscodeError(ffmpeg_complaint(errors.read()))


def _die_with_parent() -> None:  # in the child, between fork and exec
    """ffmpeg stops when the worker dies, rather than writing on for nobody."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def _run_quietly(stream) -> None:
    try:
        stream.global_args("-v", "error", "-nostdin").overwrite_output().run(
            capture_stdout=True, capture_stderr=True
        )
    except ffmpeg.Error as exc:
        raise TranscodeError(ffmpeg_complaint(exc.stderr)) from None


def _poster(source: Path, info: MediaInfo, target: Path) -> None:
    at = min(2.0, info.duration / 3)
    width, height = _frame(info, LADDER[0])
    _run_quietly(
        ffmpeg.input(str(source), ss=at, f=info.demuxer, **READ_OPTIONS)
        .filter("scale", width, height)
        .output(str(target), vframes=1, **{"q:v": 5})
    )


def _remux(playlist: Path, target: Path) -> None:
    """One file from a rendition's segments, playable while it downloads."""
    _run_quietly(
        ffmpeg.input(str(playlist), f="hls", protocol_whitelist="file").output(
            str(target), c="copy", movflags="+faststart"
        )
    )


SEGMENT_LINE = re.compile(r"^#EXTINF:([\d.]+),")


def segment_durations(playlist: Path) -> list[float]:
    return [
        float(m.group(1)) for m in map(SEGMENT_LINE.match, playlist.read_text().splitlines()) if m
    ]


def _measure(playlist: Path) -> dict:
    """Bytes, mean and peak bit rate of one rendition, from its files."""
    folder = playlist.parent
    durations = segment_durations(playlist)
    segments = sorted(folder.glob("seg_*.m4s"))
    sizes = [p.stat().st_size for p in segments]
    init = (folder / "init.mp4").stat().st_size if (folder / "init.mp4").exists() else 0
    total = sum(sizes) + init
    seconds = sum(durations) or 1.0
    peak = max(
        (size * 8 / d for size, d in zip(sizes, durations, strict=False) if d > 0.5),
        default=total * 8 / seconds,
    )
    return {
        "bytes": total + playlist.stat().st_size,
        "bitrate": int(total * 8 / seconds),
        "peak_bitrate": int(math.ceil(peak)),
        "segments": len(segments),
    }


def _write_master(out: Path, files: dict, info: MediaInfo) -> str | None:
    """The master playlist: the video ladder, or the audio rendition of an audio lesson."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS"]
    if info.has_video:
        codecs = f"{AVC_CODECS},{AAC_CODECS}" if info.has_audio else AVC_CODECS
        for rung in LADDER:
            entry = files[rung.name]
            lines.append(
                f"#EXT-X-STREAM-INF:BANDWIDTH={entry['peak_bitrate']},"
                f"AVERAGE-BANDWIDTH={entry['bitrate']},"
                f"RESOLUTION={entry['width']}x{entry['height']},"
                f'CODECS="{codecs}"'
            )
            lines.append(f"{rung.name}/index.m3u8")
    elif "audio" in files:
        entry = files["audio"]
        lines.append(
            f"#EXT-X-STREAM-INF:BANDWIDTH={entry['peak_bitrate']},"
            f'AVERAGE-BANDWIDTH={entry["bitrate"]},CODECS="{AAC_CODECS}"'
        )
        lines.append("audio/index.m3u8")
    else:
        return None
    (out / "hls" / "master.m3u8").write_text("\n".join(lines) + "\n")
    return "hls/master.m3u8"
