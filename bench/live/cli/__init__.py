"""bench/run-live's options and the run from start to end.

* bench.live.cli.options: the command line;
* bench.live.cli.run: the run, from the data to the report;
* bench.live.cli.environment: the server's settings and environment, the open files;
* bench.live.cli.services: the run's own Redis, and waiting for a server to listen;
* bench.live.cli.sanity: the checks before any load;
* bench.live.cli.provenance: what was measured, on what machine.
"""

from bench.live.cli.options import parse_args
from bench.live.cli.run import main

__all__ = ["main", "parse_args"]
