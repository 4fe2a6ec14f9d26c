"""Where the CPU went during a run: the bench's servers, wrk, the services, the rest.

Read from /proc, so that a run disturbed by other work on the machine can be told
apart from a slow product.
"""

import os
import time
from pathlib import Path

# Other processes using more than this (% of one core) during a run make it "disturbed".
DISTURBED_PCT = 15

BENCH_GROUPS: dict[int, str] = {}  # process group id -> name, for the bench's own processes
# Shared services by process name (a private redis-server is labelled by its group;
# its and PostgreSQL's are the only processes besides the bench's that serve the load).
SERVICES = {"postgres": "postgres"}


def disturbed(cpu: dict) -> bool:
    """Whether other processes took enough CPU during a run to depress its figures."""
    return cpu["cpu_pct"].get("other", 0) >= DISTURBED_PCT


def cpu_snapshot() -> dict:
    """CPU seconds used so far by each process, labelled: the bench's own servers and wrk
    by their process group, PostgreSQL by name, everything else "other"; and the
    machine's totals from /proc/stat."""
    ticks = os.sysconf("SC_CLK_TCK")
    me = os.getpid()
    procs: dict[int, tuple[str, str, float, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue
        pid = int(entry.name)
        name = raw[raw.index("(") + 1 : raw.rindex(")")]
        if name.startswith("kworker"):
            name = "kworker"  # a kernel worker's name changes with the queue it serves
        fields = raw[raw.rindex(")") + 2 :].split()
        # Own time plus that of children already ended and waited for: a gunicorn
        # worker recycled by --max-requests, or a PostgreSQL backend whose connection
        # closed, still counts, in its parent's figures.
        used = sum(int(x) for x in fields[11:15]) / ticks
        own = (int(fields[11]) + int(fields[12])) / ticks
        label = BENCH_GROUPS.get(int(fields[2])) or SERVICES.get(name) or "other"
        if pid == me:
            # This runner: during a measurement it only waits for wrk, whose time lands
            # in its children's figures when wrk ends.
            label = "wrk"
        procs[pid] = (label, name, used, own)
    with open("/proc/stat") as f:
        cpu = [int(x) / ticks for x in f.readline().split()[1:]]
    cpu += [0.0] * (8 - len(cpu))
    return {
        "procs": procs,
        # user + nice + system: what processes ran; interrupts and steal apart.
        "process_time": cpu[0] + cpu[1] + cpu[2],
        "irq": cpu[5] + cpu[6],
        "steal": cpu[7],
        "busy": sum(cpu) - cpu[3] - cpu[4],
        "total": sum(cpu),
        "at": time.monotonic(),
    }


def cpu_delta(before: dict, after: dict) -> dict:
    """Per label, the share of one CPU used between two snapshots (100 = one core)."""
    wall = after["at"] - before["at"]
    # Per label, all its processes' time (children ended and waited for included) after,
    # minus the same before: a recycled worker's lifetime moves into its parent's
    # figures without being counted twice.
    by_label: dict[str, float] = {}
    for sign, snapshot in ((1, after), (-1, before)):
        for label, _name, used, _own in snapshot["procs"].values():
            by_label[label] = by_label.get(label, 0.0) + sign * used
    # Other processes by name, for the record: their own time, those alive at both ends.
    other: dict[str, float] = {}
    for pid, (label, name, _used, own) in after["procs"].items():
        previous = before["procs"].get(pid)
        if label == "other" and previous is not None and own > previous[3]:
            other[name] = other.get(name, 0.0) + own - previous[3]

    def shares(seconds: dict, minimum: float) -> dict:
        out = {k: round(100 * v / wall) for k, v in seconds.items() if v >= minimum * wall}
        return dict(sorted(out.items(), key=lambda kv: -kv[1]))

    cpu_pct = shares(by_label, 0.005)
    # Processes that ended within the window are missing from the per-process figures;
    # process time on the machine beyond the labelled processes counts as "other" too.
    process_time = 100 * (after["process_time"] - before["process_time"]) / wall
    known = sum(v for k, v in cpu_pct.items() if k != "other")
    cpu_pct["other"] = max(cpu_pct.get("other", 0), round(process_time - known))
    if cpu_pct["other"] <= 0:
        cpu_pct.pop("other")
    irq = round(100 * (after["irq"] - before["irq"]) / wall)
    if irq > 0:
        cpu_pct["irq"] = irq
    steal = round(100 * (after["steal"] - before["steal"]) / wall)
    if steal > 0:
        cpu_pct["steal"] = steal
    total = after["total"] - before["total"]
    return {
        "machine_busy_pct": round(100 * (after["busy"] - before["busy"]) / total)
        if total
        else None,
        "cpu_pct": dict(sorted(cpu_pct.items(), key=lambda kv: -kv[1])),
        # What else ran on the machine meanwhile (not the bench, not its services).
        "other_processes_pct": shares(other, 0.02),
    }


def background_cpu(seconds: float = 1.0) -> int:
    """CPU used by processes other than the bench's, as % of one core, just now."""
    before = cpu_snapshot()
    time.sleep(seconds)
    return cpu_delta(before, cpu_snapshot())["cpu_pct"].get("other", 0)


def wait_quiet(limit: float) -> tuple[int, float]:
    """Wait (at most ``limit`` seconds) until other processes leave the CPU to the bench:
    two consecutive seconds under DISTURBED_PCT. Returns the last reading and the wait."""
    started = time.monotonic()
    calm = 0
    while True:
        other = background_cpu()
        calm = calm + 1 if other < DISTURBED_PCT else 0
        waited = time.monotonic() - started
        if calm >= 2 or waited >= limit:
            return other, round(waited, 1)
