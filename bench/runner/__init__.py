"""The benchmark: seeds a bench database, starts the production server, measures.

Started by bench/run (which picks the Python environment and starts PostgreSQL and
Redis); see bench/README.md. Steps:

1. drop and create the bench database, start a private Redis (or flush --redis-url's),
   migrate, collect static files, seed N enrolled learners with a logged-in session
   each (bench.seed);
2. profile the three measured requests in-process (bench.profile);
3. start gunicorn (sync workers, production settings plus the bench's bare view) and,
   when installed, nginx in front of it as in production;
4. check one request of each kind returns what it should (fail loudly otherwise);
5. wrk: the lesson page, the bare view, and POSTs of 10 progress events, each request
   from a different learner; the stored events are counted in the database afterwards;
6. page weight and time to text in Chromium (bench.pageweight);
7. again 3-5 with other worker counts;
8. the exam-start spike (bench.runner.quiz): a 20-question quiz created now, 300
   learners starting it at once, autosaving every answer and submitting, against the
   bare view at the same concurrency; then every acknowledged answer looked up in the
   database;
9. a table, and bench/results/latest.json.
"""

from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent
ROOT = BENCH.parent
WORK = BENCH / ".work"
RESULTS = BENCH / "results"
VENV_BIN = ROOT / ".venv" / "bin"
PYTHON = VENV_BIN / "python"


class BenchError(RuntimeError):
    """The bench could not measure (exit status 1), as opposed to a bar being missed."""


def say(message: str) -> None:
    print(f"\033[1m==> {message}\033[0m", flush=True)
