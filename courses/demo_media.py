"""Sample audio and video for the demo, made with ffmpeg when the demo is seeded.

A newcomer should see a player work, so the demo's vocabulary items get a
"pronunciation", one lesson a dialogue and one a video. No recording ships with the
project: the audio is a voice-like buzz whose pitch follows each syllable's tone mark
(Tày is written with the Vietnamese tone marks), the video is a test pattern with a tone.
Every title says it is sample media, so nobody takes the buzz for real Tày speech.

Files are made once and kept in ``VAR_DIR/demo-media`` under a name that carries a hash
of their recipe, so seeding again costs nothing and a changed recipe makes a new file.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import unicodedata
from collections.abc import Callable
from pathlib import Path

import ffmpeg
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from wagtail.documents import get_document_model

# Bump when a recipe changes in a way its parameters do not show.
RECIPE_VERSION = 1
SAMPLE_RATE = 22050

# Pitch (as a share of the voice's base pitch) at the start, middle and end of a
# syllable, per tone mark, and the syllable's length as a share of a plain one.
TONES = {
    "ngang": ((1.0, 1.0, 0.97), 1.0),
    "huyen": ((0.9, 0.82, 0.74), 1.0),
    "sac": ((1.0, 1.12, 1.35), 1.0),
    "hoi": ((0.9, 0.72, 0.88), 1.1),
    "nga": ((1.0, 0.88, 1.4), 1.1),
    "nang": ((0.86, 0.74, 0.64), 0.6),
}
TONE_MARKS = {
    "\u0300": "huyen",
    "\u0301": "sac",
    "\u0309": "hoi",
    "\u0303": "nga",
    "\u0323": "nang",
}
VOICES = {"female": 200.0, "male": 125.0}
SYLLABLE_SECONDS = 0.3
GAP_SECONDS = 0.07
LINE_GAP_SECONDS = 0.6
VIDEO_SECONDS = 8


class MediaUnavailable(Exception):
    """ffmpeg is missing or failed: the demo goes on without sample media."""


def ffmpeg_available() -> bool:
    return shutil.which("ffmpeg") is not None


def cache_dir() -> Path:
    return Path(getattr(settings, "VAR_DIR", Path(settings.BASE_DIR) / "var")) / "demo-media"


def tone_of(syllable: str) -> str:
    for mark in unicodedata.normalize("NFD", syllable):
        if mark in TONE_MARKS:
            return TONE_MARKS[mark]
    return "ngang"


def _syllable_source(syllable: str, base: float, rising: bool) -> tuple[str, float]:
    """An aevalsrc graph for one syllable: a few harmonics on a pitch curve through the
    tone's three points, with soft edges and, for the broken tone, a catch in the middle."""
    (p0, pm, p1), length = TONES[tone_of(syllable)]
    if rising:  # a question lifts its last syllable
        p1 *= 1.15
    p0, pm, p1 = p0 * base, pm * base, p1 * base
    d = SYLLABLE_SECONDS * length
    # f(t) = p0 + b t + c t^2 through (0, p0), (d/2, pm), (d, p1); the phase is its integral.
    c = 2 * (p1 - 2 * pm + p0) / d**2
    b = (p1 - p0) / d - c * d
    phase = f"2*PI*({p0:.3f}*t+{b / 2:.4f}*t*t+{c / 3:.4f}*t*t*t)"
    voice = "+".join(
        f"{amp}*sin({n}*{phase})" for n, amp in ((1, 1), (2, 0.55), (3, 0.3), (4, 0.15))
    )
    envelope = f"max(0,min(1,t/0.02)*min(1,({d:.3f}-t)/0.05))"
    if tone_of(syllable) == "nga":
        envelope += f"*(1-0.85*between(t,{0.45 * d:.3f},{0.55 * d:.3f}))"
    total = d + GAP_SECONDS
    return f"aevalsrc=exprs='0.18*{envelope}*({voice})':s={SAMPLE_RATE}:d={total:.3f}", total


def _speech_streams(lines: list[tuple[str, str]]):
    streams = []
    for index, (voice, text) in enumerate(lines):
        words = [w for w in text.replace(",", " ").replace(".", " ").split() if w.strip("?!")]
        for position, word in enumerate(words):
            rising = text.rstrip().endswith("?") and position == len(words) - 1
            graph, _ = _syllable_source(word.strip("?!"), VOICES[voice], rising)
            streams.append(ffmpeg.input(graph, f="lavfi"))
        if index < len(lines) - 1:
            pause = f"aevalsrc=exprs=0:s={SAMPLE_RATE}:d={LINE_GAP_SECONDS}"
            streams.append(ffmpeg.input(pause, f="lavfi"))
    return streams


def _run(stream, path: Path) -> None:
    partial = path.with_suffix(".part" + path.suffix)
    try:
        stream.output(str(partial), **_output_options(path)).global_args(
            "-nostdin", "-loglevel", "error"
        ).overwrite_output().run(capture_stdout=True, capture_stderr=True)
    except (ffmpeg.Error, OSError) as error:
        partial.unlink(missing_ok=True)
        detail = getattr(error, "stderr", b"") or b""
        raise MediaUnavailable(detail.decode(errors="replace")[-300:] or str(error)) from error
    partial.replace(path)


def _output_options(path: Path) -> dict:
    if path.suffix == ".mp3":
        # MP3 plays on every phone a learner may have; 32 kbit/s mono is enough for a voice.
        return {"acodec": "libmp3lame", "ac": 1, "ar": SAMPLE_RATE, "audio_bitrate": "32k"}
    return {
        "vcodec": "libx264",
        "pix_fmt": "yuv420p",
        "preset": "veryfast",
        "crf": 32,
        "acodec": "aac",
        "ac": 1,
        "audio_bitrate": "48k",
        "movflags": "+faststart",
        "t": VIDEO_SECONDS,
    }


def speech_file(lines: list[tuple[str, str]]) -> Path:
    """An MP3 of the lines, each ``(voice, text)``, made once and then reused."""

    def build(path: Path) -> None:
        streams = _speech_streams(lines)
        joined = ffmpeg.concat(*streams, v=0, a=1) if len(streams) > 1 else streams[0]
        _run(joined.filter("lowpass", f=3200), path)

    return _cached("speech", repr(lines), "mp3", build)


def _label_font() -> str | None:
    """A font with Vietnamese letters for the "VIDEO MẪU" label, if the system has one."""
    if not shutil.which("fc-match"):
        return None
    try:
        found = subprocess.run(
            ["fc-match", "-f", "%{file}", "sans:lang=vi"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return found if found and Path(found).is_file() else None


def video_file(label: str) -> Path:
    """A short H.264/AAC MP4: a moving test pattern, the label on it, a quiet tone."""
    font = _label_font()

    def build(path: Path) -> None:
        picture = ffmpeg.input(f"testsrc2=size=480x270:rate=12:duration={VIDEO_SECONDS}", f="lavfi")
        if font:
            picture = picture.drawtext(
                text=label,
                fontfile=font,
                fontsize=30,
                fontcolor="white",
                box=1,
                boxcolor="black@0.6",
                boxborderw=10,
                x="(w-text_w)/2",
                y="h-text_h-24",
            )
        sound = ffmpeg.input(
            f"sine=frequency=440:sample_rate={SAMPLE_RATE}:duration={VIDEO_SECONDS}", f="lavfi"
        ).filter("volume", 0.2)
        _run(ffmpeg.concat(picture, sound, v=1, a=1), path)

    return _cached("video", f"{label}|{font}|{VIDEO_SECONDS}", "mp4", build)


def _cached(kind: str, recipe: str, extension: str, build: Callable[[Path], None]) -> Path:
    if not ffmpeg_available():
        raise MediaUnavailable("ffmpeg is not installed")
    digest = hashlib.sha256(f"{RECIPE_VERSION}|{kind}|{recipe}".encode()).hexdigest()[:16]
    path = cache_dir() / f"{kind}-{digest}.{extension}"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        build(path)
    return path


def sample_document(title: str, path: Path, filename: str):
    """The Wagtail document titled ``title``, made from ``path`` the first time.

    The stored name carries the cached file's hash, so a database seeded afresh (the
    tests, say) points at the file already in storage instead of copying it again.
    """
    Document = get_document_model()
    existing = Document.objects.filter(title=title).first()
    if existing is not None:
        return existing
    stored = f"documents/sample/{filename}-{path.stem.rsplit('-', 1)[-1]}{path.suffix}"
    if not (default_storage.exists(stored) and default_storage.size(stored) == path.stat().st_size):
        with path.open("rb") as handle:
            stored = default_storage.save(stored, File(handle))
    document = Document(title=title)
    document.file.name = stored
    document._set_document_file_metadata()
    document.save()
    return document


def sample_asset(title: str, path: Path, kind: str, collection):
    """The media-library asset titled ``title``, made from ``path`` the first time and
    processed by the background worker like any upload."""
    from cms.media.services import media_asset_create
    from cms.models import MediaAsset

    existing = MediaAsset.objects.filter(title=title, type=kind).first()
    if existing is not None:
        return existing
    return media_asset_create(
        title=title, source=path, filename=path.name, collection=collection, kind=kind
    )


class SampleMedia:
    """Turns the media recipes in demo lesson bodies into documents (a word's
    pronunciation) and media-library assets (a lesson's audio and video).

    The first failure (no ffmpeg, say) is kept in ``problem`` and no more is tried: the
    demo is then seeded without media, which are left out of the bodies.
    """

    def __init__(self) -> None:
        self.problem: str | None = None if ffmpeg_available() else "ffmpeg is not installed"

    def _file(self, recipe: dict) -> Path | None:
        if self.problem:
            return None
        try:
            if recipe["sample"] == "speech":
                return speech_file([tuple(line) for line in recipe["lines"]])
            return video_file(recipe["label"])
        except MediaUnavailable as error:
            self.problem = str(error)
            return None

    def document_id(self, recipe: dict) -> int | None:
        path = self._file(recipe)
        return sample_document(recipe["title"], path, recipe["name"]).pk if path else None

    def asset_id(self, recipe: dict, kind: str, collection) -> int | None:
        path = self._file(recipe)
        return sample_asset(recipe["title"], path, kind, collection).pk if path else None

    def realise(self, body: list[dict], collection=None) -> list[dict]:
        """``body`` with each recipe replaced by its document or asset (in the course's
        ``collection``), or left out (and the blocks marked ``with_media`` with them
        when no media are left)."""
        realised, has_media = [], False
        for block in body:
            kind, value = block["type"], block["value"]
            if kind == "vocabulary" and isinstance(value.get("pronunciation"), dict):
                value = {**value, "pronunciation": self.document_id(value["pronunciation"])}
                has_media = has_media or value["pronunciation"] is not None
            elif kind in ("audio", "video"):
                asset = self.asset_id(value[kind], kind, collection)
                if asset is None:
                    continue
                value = {key: v for key, v in value.items() if key != "poster"} | {kind: asset}
                has_media = True
            realised.append(({"type": kind, "value": value}, block.get("with_media", False)))
        return [block for block, with_media in realised if has_media or not with_media]
