import os
import secrets
import subprocess
import sys

from django.conf import settings


def production_env(**extra) -> dict:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_", "DJANGO_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(64),
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres",
        REDIS_URL="redis://127.0.0.1:6379/0",
        ALLOWED_HOSTS="lms.example.vn",
    )
    env.update(extra)
    return env


def manage(*args, env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_check_without_warnings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_with_unsafe_defaults():
    result = manage("check", env=production_env(SECRET_KEY="short"))
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr
    result = manage("check", env=production_env(DATABASE_URL="sqlite:///x.db"))
    assert result.returncode != 0 and "PostgreSQL" in result.stderr


def test_postgres_runs_with_the_pool_and_no_persistent_connections():
    database = settings.DATABASES["default"]
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert database["CONN_MAX_AGE"] == 0
    assert "pool" in database["OPTIONS"]
