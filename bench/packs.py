"""The course-pack benchmark: a course carrying about 1 GB of generated media exported
to a signed pack by one installation and imported by another, each a fresh process of
the product's own commands (pack_export, pack_import) on its own SQLite database and
storage.

Reports, for each pack size asked for: the pack's size, export and import wall time and
MB/s, and the peak resident memory (RSS) of the export and import processes; and, as
the machine's baselines in the same run, the RSS of the same Django process doing
nothing (``manage.py check``) and the MB/s of copying the pack file. Bar: the import's
peak RSS under 300 MB at every size (memory flat however large the pack).

    bench/run-packs [--sizes-mb 256,1024] [--files-mb 64]
"""

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
BARS = {"import_peak_rss_mb_max": 300}
SEED = """
import os, uuid
from pathlib import Path
from cms.media.storage import media_storage
from cms.models import MediaAsset
from courses.models import CourseWorkspace, LessonPage
from tests.factories import build_course

total, per_file = int(os.environ["BENCH_BYTES"]), int(os.environ["BENCH_FILE_BYTES"])
tree = build_course(title="Khoa hoc nang", slug="khoa-hoc-nang")
collection = CourseWorkspace.objects.get(course=tree.course).collection
storage = media_storage()
written, n = 0, 0
while written < total:
    key = uuid.uuid4()
    rendition_set = f"renditions/{key}/bench"
    size = min(per_file, total - written)
    files = {}
    for name in ("hls/720p/seg.ts", "download.mp4"):
        part = size // 2
        path = Path(storage.path(f"{rendition_set}/{name}"))
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as out:
            left = part
            while left:
                chunk = os.urandom(min(left, 1 << 20))
                out.write(chunk)
                left -= len(chunk)
        files[name.split("/")[-1].split(".")[0]] = {"path": name, "bytes": part}
        written += part
    asset = MediaAsset.objects.create(
        key=key, title=f"Video {n}", type="video", duration=600, collection=collection,
        status="ready", rendition_set=rendition_set, renditions={"files": files},
    )
    lesson = tree.lessons[n % len(tree.lessons)]
    lesson = LessonPage.objects.get(pk=lesson.pk)
    lesson.body = [*lesson.body.raw_data, {"type": "video", "value": {
        "title": asset.title, "video": asset.pk, "transcript": "", "required": False}}]
    lesson.save_revision().publish()
    n += 1
print(tree.course.pk)
"""


def _environment(home: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"sqlite:///{home / 'db.sqlite3'}",
        "PRIVATE_ROOT": str(home / "private"),
        "MEDIA_ROOT": str(home / "media"),
        "CONTENT_PACK_SIGNING_KEY_FILE": str(home / "signing.pem"),
        **extra,
    }


def _run(args: list[str], env: dict[str, str], stdin: str | None = None) -> tuple[float, str]:
    """(wall seconds, standard output) of one process."""
    started = time.perf_counter()
    done = subprocess.run(args, cwd=ROOT, env=env, input=stdin, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return time.perf_counter() - started, done.stdout


def _manage(*args: str, env: dict[str, str], stdin: str | None = None) -> str:
    return _run([sys.executable, "manage.py", *args], env, stdin)[1]


def _measured(home: Path, *args: str, env: dict[str, str]) -> tuple[float, int]:
    """(wall seconds, peak RSS in MB) of one command of the product in a process of its
    own, whose peak alone is read from the kernel's accounting."""
    report = home / "rss.txt"
    wall, _out = _run(
        [sys.executable, "-c", _RSS_WRAPPER, str(report), sys.executable, "manage.py", *args], env
    )
    return wall, int(report.read_text())


# Runs the command as a child and writes that child's own peak RSS (MB): the figure
# for exactly one process, whatever ran before it in this benchmark.
_RSS_WRAPPER = """
import os, subprocess, sys
report, *command = sys.argv[1:]
process = subprocess.Popen(command)
_pid, status, usage = os.wait4(process.pid, 0)
open(report, "w").write(str(usage.ru_maxrss // 1024))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def _one_size(work: Path, size_mb: int, file_mb: int) -> dict:
    source, target = work / f"source-{size_mb}", work / f"target-{size_mb}"
    source.mkdir()
    target.mkdir()
    pack = work / f"course-{size_mb}.lmspack"
    env_source = _environment(
        source, BENCH_BYTES=str(size_mb * 1024 * 1024), BENCH_FILE_BYTES=str(file_mb * 1024 * 1024)
    )
    print(f"==> {size_mb} MB: seeding the source installation", flush=True)
    _manage("migrate", "--noinput", "-v0", env=env_source)
    course = _manage("shell", env=env_source, stdin=SEED).strip().splitlines()[-1]
    public = _manage("pack_keys", env=env_source).strip()

    print(f"==> {size_mb} MB: export", flush=True)
    export_wall, export_rss = _measured(
        source, "pack_export", course, str(pack), "-v0", env=env_source
    )
    pack_bytes = pack.stat().st_size
    copy_started = time.perf_counter()
    shutil.copyfile(pack, work / "copy.lmspack")
    copy_wall = time.perf_counter() - copy_started
    (work / "copy.lmspack").unlink()

    env_target = _environment(target, CONTENT_PACK_TRUSTED_KEYS=public)
    _manage("migrate", "--noinput", "-v0", env=env_target)
    _idle_wall, idle_rss = _measured(target, "check", env=env_target)
    print(f"==> {size_mb} MB: import", flush=True)
    import_wall, import_rss = _measured(target, "pack_import", str(pack), "-v0", env=env_target)
    mb = pack_bytes / 1024 / 1024
    result = {
        "pack_mb": round(mb, 1),
        "baseline_copy_mb_s": round(mb / copy_wall, 1),
        "baseline_idle_rss_mb": idle_rss,
        "export_s": round(export_wall, 1),
        "export_mb_s": round(mb / export_wall, 1),
        "export_peak_rss_mb": export_rss,
        "import_s": round(import_wall, 1),
        "import_mb_s": round(mb / import_wall, 1),
        "import_peak_rss_mb": import_rss,
    }
    shutil.rmtree(source)
    shutil.rmtree(target)
    pack.unlink()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes-mb", default="256,1024", help="pack sizes to run, in MB")
    parser.add_argument("--files-mb", type=int, default=64, help="media per recording, in MB")
    parser.add_argument("--work", default="", help="folder for the installations and packs")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes_mb.split(",") if s.strip()]
    with tempfile.TemporaryDirectory(prefix="bench-packs-", dir=args.work or None) as folder:
        runs = [_one_size(Path(folder), size, args.files_mb) for size in sizes]
    result = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "loadavg_at_start": os.getloadavg(),
        },
        "runs": runs,
        "bars": BARS,
    }
    ok = all(run["import_peak_rss_mb"] < BARS["import_peak_rss_mb_max"] for run in runs)
    print()
    print(f"{'pack MB':>8} {'export MB/s':>12} {'RSS MB':>7} {'import MB/s':>12} {'RSS MB':>7}"
          f" {'copy MB/s':>10} {'idle RSS':>9}")  # fmt: skip
    for run in runs:
        print(
            f"{run['pack_mb']:8.0f} {run['export_mb_s']:12.1f} {run['export_peak_rss_mb']:7d}"
            f" {run['import_mb_s']:12.1f} {run['import_peak_rss_mb']:7d}"
            f" {run['baseline_copy_mb_s']:10.1f} {run['baseline_idle_rss_mb']:9d}"
        )
    print()
    print("Bars")
    for run in runs:
        passed = run["import_peak_rss_mb"] < BARS["import_peak_rss_mb_max"]
        print(
            f"  import_peak_rss_mb at {run['pack_mb']:.0f} MB  {run['import_peak_rss_mb']:5d}"
            f"  (bar < 300)  {'PASS' if passed else 'FAIL'}"
        )
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "packs-latest.json").write_text(json.dumps(result, indent=2) + "\n")
    print("\nFull results: bench/results/packs-latest.json")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
