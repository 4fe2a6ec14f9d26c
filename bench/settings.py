"""Production settings plus the benchmark's own baseline view.

Everything the product reads from the environment (DATABASE_URL, REDIS_URL, SECRET_KEY,
the cookie and TLS switches) is set by bench/run; this module only adds a URLconf with
the bare view and the template folders it renders from.
"""

import os
from pathlib import Path

from config.settings.production import *  # noqa: F403
from config.settings.production import RATE_LIMITS, TEMPLATES

BENCH_DIR = Path(__file__).resolve().parent
# Where bench/run writes the generated filler template (sized like the lesson page).
BENCH_WORK_DIR = Path(os.environ.get("BENCH_WORK_DIR", BENCH_DIR / ".work"))

ROOT_URLCONF = "bench.urls"
TEMPLATES[0]["DIRS"] = [
    *TEMPLATES[0]["DIRS"],
    BENCH_DIR / "bareapp" / "templates",
    BENCH_WORK_DIR / "templates",
]

# wrk sends each learner's batches far faster than a person does (about one a second
# each, for minutes on end). The limiter still counts every request, so its cost stays
# in the figures; it only never refuses one.
RATE_LIMITS["progress"]["rate"] = "1000000/m"
