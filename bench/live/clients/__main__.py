"""``python -m bench.live.clients``, as bench.live.load.workers starts each process."""

from bench.live.clients.commands import main

if __name__ == "__main__":
    main()
