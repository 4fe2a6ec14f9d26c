"""``python -m bench.reports [options]``, as bench/run-reports starts it."""

import sys

from bench.reports.run import main
from bench.runner import BenchError

if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as error:
        print(f"\nBENCH FAILED: {error}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
