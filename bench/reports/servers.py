"""gunicorn as bench/run starts it (the production image's command), with its logs in
this benchmark's folder, and the wait for it to finish what a wrk run left queued."""

import time
from pathlib import Path

from bench.reports import WORK_REPORTS
from bench.runner.servers import Server
from bench.runner.servers import start_gunicorn as start_bench_gunicorn

ACCESS_LOG = WORK_REPORTS / "gunicorn-access.log"


def start_gunicorn(workers: int, port: int, env: dict) -> Server:
    """bench/run's gunicorn, without worker recycling, logging into this benchmark's folder."""
    return start_bench_gunicorn(workers, port, env, max_requests=0, work=WORK_REPORTS)


def settle(
    quiet: float, limit: float = 60.0, log: Path = ACCESS_LOG, ignore: str | None = None
) -> float:
    """Wait until no request has ended for ``quiet`` seconds (at most ``limit``).

    wrk stops counting at the end of its run, but the requests its connections had
    sent are still queued on the sync workers, and a slow page leaves seconds of them:
    the next run would measure that backlog, not its own page. Each request that ends
    adds a line to the access log; ``quiet`` must exceed the slowest request's time.
    Lines containing ``ignore`` (a background load's path) do not count.
    """
    started = time.monotonic()
    offset = log.stat().st_size if log.exists() else 0
    last_change = started
    while time.monotonic() - started < limit:
        time.sleep(0.1)
        size = log.stat().st_size if log.exists() else 0
        if size > offset:
            with log.open("rb") as handle:
                handle.seek(offset)
                added = handle.read(size - offset).decode(errors="replace")
            offset = size
            if any(line and (ignore is None or ignore not in line) for line in added.split("\n")):
                last_change = time.monotonic()
        if time.monotonic() - last_change >= quiet:
            break
    return round(time.monotonic() - started, 1)
