"""The deployment files are checked as far as this machine allows (no Docker engine)."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(not shutil.which("docker-compose"), reason="docker-compose not installed")
def test_compose_file_is_valid():
    result = subprocess.run(
        ["docker-compose", "-f", "docker/compose.yaml", "config", "-q"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


def test_compose_runs_every_tier():
    compose = (ROOT / "docker" / "compose.yaml").read_text()
    for service in ("postgres:", "redis:", "migrate:", "web:", "ws:", "worker:", "beat:", "nginx:"):
        assert f"\n  {service}" in compose, service
    assert "\nname:" not in compose, "docker-compose 1.29 rejects a top-level name"
