"""Everything before the servers start: a fresh database and Redis, migrations, static
files, the seeded learners and the in-process profile."""

import json
import re
import subprocess
from urllib.parse import urlsplit, urlunsplit

from bench.runner import PYTHON, ROOT, WORK, BenchError, say
from bench.runner.servers import run, run_bench_module


def reset_database(db_url: str) -> None:
    import psycopg

    parts = urlsplit(db_url)
    name = parts.path.lstrip("/")
    if not re.fullmatch(r"[A-Za-z0-9_]+", name) or "bench" not in name:
        raise BenchError(f"refusing to drop database {name!r}: its name must contain 'bench'")
    say(f"recreate database {name}")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def flush_redis(url: str) -> None:
    import redis

    say(f"flush Redis {url}")
    redis.Redis.from_url(url).flushdb()


def migrate_and_collectstatic(env: dict) -> None:
    say("migrate and collectstatic")
    # collectstatic needs no database: it runs alongside migrate to save time.
    collect = subprocess.Popen(
        [str(PYTHON), "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    run([str(PYTHON), "manage.py", "migrate", "--noinput", "-v0"], env, "migrate")
    output, _ = collect.communicate(timeout=600)
    if collect.returncode != 0:
        raise BenchError(f"collectstatic failed:\n{output}")


def seed(learners: int, quiz_learners: int, env: dict) -> dict:
    """bench.seed's output: the lesson, the activities and each learner's session
    (max(learners, quiz_learners) of them; wrk's pool is the first ``learners``)."""
    say(f"seed {max(learners, quiz_learners)} learners")
    argv = ["--learners", str(learners), "--quiz-learners", str(quiz_learners)]
    run_bench_module("seed", argv, env, "seeding")
    return json.loads((WORK / "seed.json").read_text("utf-8"))


def profile(requests: int, env: dict) -> dict:
    say("profile the measured requests in-process")
    run_bench_module("profile", ["--requests", str(requests)], env, "profiling")
    return json.loads((WORK / "profile.json").read_text("utf-8"))
