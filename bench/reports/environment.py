"""The environment every process of the reports benchmark runs with: bench/run's
(production settings through ``bench.settings``, plain HTTP on loopback), with this
benchmark's own folders so that its files never meet bench/run's."""

from bench.reports import WORK_REPORTS
from bench.runner.cli import bench_environment

DEFAULT_DB_URL = "postgres://postgres@127.0.0.1:5432/lms_bench_reports"


def reports_environment(db_url: str) -> dict:
    # gunicorn is reached directly, without nginx: the client address is the socket's.
    env = bench_environment(db_url, behind_nginx=False)
    env.update(
        {
            "STATIC_ROOT": str(WORK_REPORTS / "static"),
            "LMS_VAR_DIR": str(WORK_REPORTS / "var"),
            "MEDIA_ROOT": str(WORK_REPORTS / "var" / "media"),
            "PRIVATE_ROOT": str(WORK_REPORTS / "var" / "private"),
            "BENCH_WORK_DIR": str(WORK_REPORTS),
        }
    )
    return env
