"""``python -m bench.runner [options]``, as bench/run starts it."""

import sys

from bench.runner import BenchError
from bench.runner.cli import main

if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as error:
        print(f"\nBENCH FAILED: {error}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
