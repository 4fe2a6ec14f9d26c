"""The live-classroom benchmark: a thousand learners in one room, against a relay.

Started by bench/run-live (which picks the Python environment, starts PostgreSQL and
Redis and raises the open-files limit); see bench/README.md. Steps:

1. drop and create the database lms_bench_live, start a private Redis (or flush
   --redis-url's), migrate, seed a course with its trainer as host, N enrolled
   learners with a logged-in session each and a live session running now
   (bench.live.seed);
2. start the product's server: uvicorn, one process, as config/serve.py runs it, with
   production settings, PostgreSQL and the Redis channel layer, serving
   bench.live.asgi (the product's application plus the relay socket);
3. sanity: the room refuses an anonymous visitor, a learner of another course and
   another site's page; a learner hears the host's chat line; the relay echoes;
4. the room: N learner sockets (websockets library, shared among --client-procs
   processes) connect and register; once presence has settled the host sends
   --messages chat lines at --rate a second, then opens a poll, every learner votes,
   the host closes it; every learner's events are checked: each once, in order,
   none missing;
5. the baseline: the same learners on the relay socket (same process, same channel
   layer), the host's socket sending the same frames at the same pace;
6. a table, the verdict on the bars, one JSON line, and
   bench/results/live-latest.json plus a copy named after the time.
"""

from bench.runner import BENCH

WORK_LIVE = BENCH / ".work" / "live"
