"""cProfile inside the server process, for ``bench/run-live --profile``.

The event loop's thread and every thread started afterwards (the executor threads
that run the ORM for ``database_sync_to_async``) each get a ``cProfile.Profile``.
The bench sends SIGUSR1 at the end of each phase: the calls and times since the
previous signal are appended to the output file under the phase's name (read from a
file the bench writes first), per thread and function: self time, cumulative time,
calls.

Deterministic, so unlike a sampler it does not favour the code that releases the GIL
(zlib, sockets); but it slows the server down (every Python call is counted), so a
profiled run's figures are for finding where the time goes, not for the bars.
"""

import cProfile
import json
import os
import signal
import threading

ROOT = os.getcwd().rstrip("/") + "/"


def _label(code) -> str:
    if isinstance(code, str):  # a built-in: "<built-in method ...>"
        return code
    where = code.co_filename.split("site-packages/")[-1]
    if where.startswith(ROOT):
        where = where[len(ROOT) :]
    return f"{code.co_name} ({where}:{code.co_firstlineno})"


class Profiler:
    def __init__(self, out: str, label_file: str):
        self.out, self.label_file = out, label_file
        self.profiles: dict[str, cProfile.Profile] = {}
        self.previous: dict[str, dict] = {}

    def start(self) -> None:
        """Called in the main thread, which runs the event loop."""
        main = cProfile.Profile()
        self.profiles["event loop"] = main
        main.enable()
        threading.setprofile(self._thread_started)
        signal.signal(signal.SIGUSR1, lambda *_: self.dump())

    def _thread_started(self, frame, event, arg) -> None:
        # The first event of a new thread: from now on its own profiler (enable()
        # replaces this hook for the thread).
        thread = threading.current_thread()
        profile = cProfile.Profile()
        self.profiles[f"{thread.name} (tid {thread.native_id})"] = profile
        profile.enable()

    def _totals(self, profile: cProfile.Profile) -> dict:
        totals: dict[str, list] = {}
        for entry in profile.getstats():
            row = totals.setdefault(_label(entry.code), [0, 0.0, 0.0])
            row[0] += entry.callcount
            row[1] += entry.inlinetime
            # Recursive calls would count twice; the outermost call's total is enough.
            row[2] = max(row[2], entry.totaltime)
        return totals

    def dump(self) -> None:
        try:
            with open(self.label_file) as f:
                label = f.read().strip()
        except OSError:
            label = "?"
        report = {"phase": label, "threads": {}}
        for name, profile in list(self.profiles.items()):
            now = self._totals(profile)
            before = self.previous.get(name, {})
            delta = {}
            for function, (calls, inline, total) in now.items():
                if "bench/live/profiler.py" in function or "_lsprof" in function:
                    continue  # the profiler's own dump
                b = before.get(function, [0, 0.0, 0.0])
                if calls - b[0] > 0 or inline - b[1] > 1e-4:
                    delta[function] = [calls - b[0], inline - b[1], total - b[2]]
            self.previous[name] = now
            if not delta:
                continue
            by_self = sorted(delta.items(), key=lambda kv: -kv[1][1])
            by_total = sorted(delta.items(), key=lambda kv: -kv[1][2])
            report["threads"][name] = {
                "self_s": round(sum(v[1] for v in delta.values()), 2),
                "top_self": [[f, v[0], round(v[1], 3), round(v[2], 3)] for f, v in by_self[:40]],
                "top_total": [[f, v[0], round(v[1], 3), round(v[2], 3)] for f, v in by_total[:120]],
            }
        with open(self.out, "a") as f:
            f.write(json.dumps(report) + "\n")


def install_from_environment() -> None:
    out = os.environ.get("BENCH_LIVE_PROFILE")
    if out:
        Profiler(out, out + ".phase").start()
