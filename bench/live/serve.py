"""The product's web server (config/serve.py: uvicorn, one process, its options) serving
bench.live.asgi instead of config.asgi. ``python -m bench.live.serve``, LMS_ADDR as for
config.serve.

config.serve.main() is run as it is, with uvicorn.run told to load the bench's
application: whatever options the product gives uvicorn, the bench uses too. With
BENCH_LIVE_PROFILE set (``bench/run-live --profile``) the process is profiled.
"""

import uvicorn

from bench.live import profiler
from config import serve

APP = "bench.live.asgi:application"


def main() -> None:
    product_run = uvicorn.run

    def run(app, **options):
        assert app == "config.asgi:application", app
        product_run(APP, **options)

    serve.uvicorn.run = run
    # bench/run-live --profile: cProfile in this process (bench.live.profiler).
    profiler.install_from_environment()
    serve.main()


if __name__ == "__main__":
    main()
