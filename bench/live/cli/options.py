"""bench/run-live's options."""

import argparse
import os

import bench.live


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/run-live",
        description=bench.live.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--learners", type=int, default=1000, help="learners in the room")
    parser.add_argument("--messages", type=int, default=100, help="chat lines the host sends")
    parser.add_argument(
        "--rate",
        type=float,
        default=5,
        help="chat lines a second (the room closes a socket sending more than 12 "
        "frames a second, pings included, so at most 11)",
    )
    parser.add_argument(
        "--port", type=int, default=0, help="the server's port (default: a free one)"
    )
    parser.add_argument(
        "--client-procs",
        type=int,
        default=2,
        help="processes the learners' sockets are shared among",
    )
    parser.add_argument(
        "--vote-within",
        type=float,
        default=5,
        help="each learner answers the poll a random 0..S seconds after it opens",
    )
    parser.add_argument(
        "--drain",
        type=float,
        default=45,
        help="seconds to wait, after the last line is sent, for every learner to have it",
    )
    parser.add_argument(
        "--join-over",
        type=float,
        default=0,
        help="learners arrive evenly over this many seconds (default 0: all at once, "
        "the worst case: a class told to join at 14:00 sharp)",
    )
    parser.add_argument(
        "--connect-concurrency",
        type=int,
        default=50,
        help="handshakes in flight at once, per client process",
    )
    parser.add_argument(
        "--no-deflate",
        dest="deflate",
        action="store_false",
        help="do not offer permessage-deflate (browsers offer it, and uvicorn accepts)",
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=30,
        help="before each phase, wait up to this many seconds for other processes on "
        "the machine to stop using the CPU",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="profile the server (cProfile, bench/live/profiler.py) and print where each "
        "phase's time went (bench/.work/live/profile.jsonl); it slows the server down, so "
        "the figures of such a run are not for the bars",
    )
    parser.add_argument(
        "--db-url",
        default=os.environ.get(
            "BENCH_LIVE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/lms_bench_live"
        ),
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("BENCH_LIVE_REDIS_URL"),
        help="use this Redis database (flushed first) instead of a private redis-server",
    )
    parser.add_argument(
        "--enforce", action="store_true", help="exit with status 3 when a bar is missed"
    )
    args = parser.parse_args(argv)
    if args.rate <= 0 or args.rate > 11:
        parser.error("--rate must be above 0 and at most 11 (the room's flood limit)")
    if args.learners < 1 or args.messages < 1 or args.client_procs < 1:
        parser.error("--learners, --messages and --client-procs must be at least 1")
    return args
