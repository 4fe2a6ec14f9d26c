"""What was measured and on what: the product's commit and sources, the machine, and
the versions of the server's and the clients' software."""

import subprocess

from bench.runner import ROOT
from bench.runner.report import machine_info as runner_machine_info


def product_version() -> dict:
    """What was measured: the commit, whether the classroom's files differ from it, and
    a digest of those files as they were (the room's code changes between commits)."""
    import hashlib

    paths = sorted(
        p
        for pattern in ("live/**/*.py", "config/*.py", "config/settings/*.py")
        for p in ROOT.glob(pattern)
        if "/tests/" not in p.as_posix() and "/migrations/" not in p.as_posix()
    )
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())

    def git(*argv: str) -> str:
        try:
            done = subprocess.run(
                ["git", *argv], cwd=ROOT, capture_output=True, text=True, timeout=30
            )
            return done.stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            return ""

    changed = git("status", "--porcelain", "--", "live", "config").splitlines()
    return {
        "commit": git("rev-parse", "--short", "HEAD") or None,
        "live_and_config_changed_files": len(changed),
        "sources_sha256": digest.hexdigest()[:16],
    }


def machine_info() -> dict:
    return runner_machine_info(
        tools={"redis": ["redis-server", "--version"], "postgres": ["psql", "--version"]},
        packages=("uvicorn", "websockets", "channels", "channels-redis", "Django", "uvloop"),
    )
