"""The media pipeline's benchmark: a generated 60-second 720p clip through the product's
own probe and transcode, on this machine.

Reports the wall time of the whole ladder (both video rungs, the audio-only rendition,
poster and downloads) as a multiple of real time, the size of every rendition, and the
bytes per minute of the audio-only rendition; and, as the machine's baseline in the same
run, how fast ffmpeg merely decodes the clip. Bars: the ladder at least 1x real time,
the audio-only rendition under 400 KB per minute.

    bench/run-media [--seconds 60] [--runs 2] [--size 1280x720]
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
BARS = {"ladder_x_realtime_min": 1.0, "audio_only_kb_per_min_max": 400}


def _generate(target: Path, seconds: int, size: str) -> None:
    # testsrc2 moves everywhere in the frame, a harder picture than a talking head.
    subprocess.run(
        [
            "ffmpeg", "-v", "error", "-y",
            "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=30",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
            "-f", "lavfi", "-i", "anoisesrc=amplitude=0.05:sample_rate=48000",
            "-filter_complex", "[1:a][2:a]amix=inputs=2[a]",
            "-map", "0:v", "-map", "[a]", "-t", str(seconds),
            "-c:v", "libx264", "-preset", "fast", "-b:v", "4M", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-b:a", "128k", "-ac", "2", str(target),
        ],
        check=True,
    )  # fmt: skip


def _decode_seconds(source: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        ["ffmpeg", "-v", "error", "-nostdin", "-i", str(source), "-f", "null", "-"], check=True
    )
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=60, help="length of the clip")
    parser.add_argument("--size", default="1280x720", help="frame size of the clip")
    parser.add_argument("--runs", type=int, default=2, help="transcodes to time (best counts)")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from cms.media.probe import media_probe
    from cms.media.transcode import transcode

    with tempfile.TemporaryDirectory(prefix="bench-media-") as folder:
        work = Path(folder)
        source = work / "clip.mp4"
        print(f"==> generating a {args.seconds}-second {args.size} clip", flush=True)
        _generate(source, args.seconds, args.size)
        decode = _decode_seconds(source)
        runs = []
        for run in range(1, args.runs + 1):
            out = work / f"out-{run}"
            out.mkdir()
            started = time.perf_counter()
            info = media_probe(source, expected="video")
            description = transcode(source, info, out, lambda fraction: None)
            wall = time.perf_counter() - started
            runs.append((wall, description))
            print(f"    run {run}: {wall:.1f} s, {info.duration / wall:.2f}x real time", flush=True)
        wall, description = min(runs, key=lambda pair: pair[0])
        files = description["files"]
        minutes = description["duration"] / 60
        result = {
            "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": {
                "cpus": os.cpu_count(),
                "platform": platform.platform(),
                "ffmpeg": subprocess.run(
                    ["ffmpeg", "-version"], capture_output=True, text=True
                ).stdout.splitlines()[0],
                "loadavg_at_start": os.getloadavg(),
            },
            "clip": {
                "seconds": description["duration"],
                "size": args.size,
                "bytes": source.stat().st_size,
            },
            "baseline_decode_x_realtime": round(description["duration"] / decode, 2),
            "runs_s": [round(w, 2) for w, _ in runs],
            "ladder_wall_s": round(wall, 2),
            "ladder_x_realtime": round(description["duration"] / wall, 2),
            "renditions": {
                name: {k: v for k, v in entry.items() if k != "path"}
                for name, entry in files.items()
                if "bytes" in entry
            },
            "audio_only_kb_per_min": round(files["audio"]["bytes"] / 1024 / minutes, 1),
            "bars": BARS,
        }
    ok_speed = result["ladder_x_realtime"] >= BARS["ladder_x_realtime_min"]
    ok_audio = result["audio_only_kb_per_min"] < BARS["audio_only_kb_per_min_max"]
    print()
    print(f"clip: {args.seconds} s {args.size}, {result['clip']['bytes'] / 1024**2:.1f} MB")
    print(f"baseline: ffmpeg decodes the clip at {result['baseline_decode_x_realtime']}x real time")
    print("renditions (bytes, mean bit rate):")
    for name, entry in result["renditions"].items():
        rate = f", {entry['bitrate'] / 1000:.0f} kbit/s" if "bitrate" in entry else ""
        print(f"  {name:15} {entry['bytes'] / 1024:9.0f} KB{rate}")
    print()
    print("Bars")
    print(
        f"  ladder_x_realtime      {result['ladder_x_realtime']:6.2f}  (bar >= 1.0)  "
        f"{'PASS' if ok_speed else 'FAIL'}   [{result['ladder_wall_s']} s wall]"
    )
    print(
        f"  audio_only_kb_per_min  {result['audio_only_kb_per_min']:6.1f}  (bar <  400)  "
        f"{'PASS' if ok_audio else 'FAIL'}"
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "media-latest.json").write_text(json.dumps(result, indent=2) + "\n")
    print("\nFull results: bench/results/media-latest.json")
    return 0 if ok_speed and ok_audio else 1


if __name__ == "__main__":
    sys.exit(main())
