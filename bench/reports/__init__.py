"""The reports benchmark: rollups rebuilt from scratch and kept up to date under the
event endpoint's load, and the manager dashboard against the bare view, on a
generated province (by default 200,000 learners, 5,000,000 progress events, 30
courses, the 65 current communes) in PostgreSQL.

    bench/run-reports                          # generate at full scale, then measure
    bench/run-reports --generate-only          # generate only (4-6 minutes on 2 cores)
    bench/run-reports --reuse                  # measure the database generated before
    bench/run-reports --learners 2000 --events 50000 --courses 5   # small, for a try
    bench/run-reports --reuse --duration 120 --connections 20 --enforce
    bench/run-reports --help

It needs what bench/run needs (``.venv`` from ``bin/setup --test``, PostgreSQL on
127.0.0.1 as user postgres, redis-server, and wrk, which bench/run-reports installs
with apt-get when it can), and leaves no process behind. One run at a time (a lock in
bench/.work/reports/).

Steps
-----
1. Data (skipped with ``--reuse``, which checks that the database holds what
   bench/.work/reports/generated-<database>.json says). The database ``lms_bench_reports``
   (``--db-url`` or ``BENCH_REPORTS_DATABASE_URL``; the name must contain "bench") is
   dropped, created and migrated with the product's migrations (a reused one is
   migrated too, to the migrations added since); static files are
   collected alongside (bench/.work/reports/static, skipped when up to date).
   ``bench.reports.generate`` then runs the product's ``seed_demo`` (the site tree),
   publishes ``--courses`` courses as Wagtail pages (3 modules of 2 lessons, the last
   lesson optional: the product's signals register their activities), and loads the
   rest with COPY (bench.reports.copyload, bench.reports.population): ``--learners``
   users and profiles (one password hash for all) over the 65 current communes, about
   5 % recorded in a former commune; Nùng ~42 %, Tày ~35 %, Kinh ~16 %, Dao ~3.5 %, a
   few small groups, ~85 % consenting to give it; sexes, birth years 1950-2010 by
   category; about 2 enrolments a learner in courses of uneven popularity (~3 %
   withdrawn); ``--events`` events over the last 18 months played through each course's
   lessons, the learner x lesson summaries and course progress folded from them by the
   product's rules (~35 % of enrolments complete, each with a certificate row). It
   prints each step's time; the total is "generation".
2. ``rollups_rebuild()`` from scratch, timed in a process of its own ("rebuild"): the
   seconds to compute every enrolment's facts ("facts") and to sum the cells
   ("cells"), and how many of each there are. The rewritten tables are then analysed,
   as autovacuum would a minute or so later (where it is off, as on test machines,
   never: every drain's plan would take them for empty and read all of FactMonth).
3. ``--no-explain`` skips this: one drain of 500 queued pairs of the busiest course
   and one rebuild chunk (2,000 learners) run in-process inside a transaction that is
   rolled back; each SQL statement is run again under EXPLAIN (ANALYZE, BUFFERS) and
   the slowest are kept with their plans in the results ("explain"). Pairs per second
   of that drain is the drain's rate when every fact is unchanged (no writes).
4. Sessions: ``--event-learners`` learners (2,000) drawn from those enrolled in the
   busiest generated course; ``--connections`` (20) managers with a province scope and
   as many scoped to the commune with most learners, in the product's managers group.
   The dashboard is rendered once in-process for each (status, bytes, queries), and the
   bare view's filler sized to the province dashboard's bytes.
5. gunicorn (``--workers`` sync workers, production settings through bench.settings,
   the bench URLconf with ``/bench/bare/``, no nginx) and a private redis-server
   (``--redis-url`` to use another, flushed first): sessions, cache and Celery broker.
6. Incremental rollups (bench.reports.incremental): a Celery worker, one process
   (``celery -A config worker -P solo``), drains the queue as the product schedules it.
   A batch of 10 events must be stored and its pair folded (sanity). Then wrk posts
   batches of 10 events (bench/lua/events.lua, ``--event-connections`` 50,
   ``--duration`` 60 s) as the sampled learners, over the course's lessons. Once a
   second the queue's length, its oldest pair's age and any statement waiting for a
   lock are read from PostgreSQL, during the load and until the queue has stayed
   empty for 3 s after it (``--drain-timeout`` at most). The worker's log gives each
   drain's duration and pairs.
7. ``rollups_check()`` once the queue is empty ("check").
8. Dashboard (bench.reports.dashboard): wrk GETs, rotating over the managers' sessions,
   of the bare view, ``/reports/`` (province managers) and ``/reports/?unit=<id>``
   (that commune's managers), at 1 connection and at ``--connections``, each page for
   ``--dashboard-duration`` s (30) in ``--slices`` alternating parts (3); between parts
   the bench waits for the requests wrk left queued to end. A dashboard page that does
   not answer its manager 200 (a 404 before the dashboard lands) is reported as "not
   available (HTTP 404)" and its bars fail; the rest is measured. Then the three pages
   once more at ``--connections`` while ``--background-connections`` (4) wrk
   connections post events and a Celery worker drains them ("while events flow"): a
   dashboard that caches its figures until the rollups change is then read as during
   the day, when every drain changes them. Reported, not a bar.
9. A table, and bench/.work/reports/results-latest.json (plus a copy named after the
   time) with every figure, the samples, the plans, the machine and the commit.

The figures
-----------
- generation: wall seconds of step 1 after migrate, and of each of its steps.
- rebuild: ``rollups_rebuild()`` wall seconds; facts (enrolments folded), cells.
- events accepted by the endpoint: 10 x successful requests per second of wrk's run;
  requests per second is also the rate at which pairs are marked changed.
- pairs folded by the worker: pairs the drains claimed from the load's start until the
  queue was empty, per second of that window; busy: the share of that window the
  worker spent draining; pairs per busy second: its rate while it works (near 100 %
  busy, that is the most it can fold).
- queue at start / middle / end of the load, its mean in each third, its maximum.
- oldest queued pair, last third: the largest age, in the load's last third, of the
  pair waiting longest: how stale the dashboard can be while the load lasts.
- queue empty after the load: seconds from wrk's end until the queue was empty for good.
- events absorbed by the rollups: events stored during the load divided by the load's
  seconds plus that catch-up: the event rate the rollups took in, end to end.
- statements waiting on a lock: the share of the one-second samples during the load
  in which some statement of the database waited for a lock, and which most often.
- events in the database: rows the load added, against what the server said it stored.
- check: ``rollups_check()`` seconds and result: facts checked, differing, cells
  missing or extra, pairs still queued.
- dashboard: p50 / p95 / p99 latency (ms) and successful requests per second of each
  page at each concurrency; at N connections on sync workers, the latency is mostly
  queueing, so p95 over the bare view's p95 approaches what one dashboard costs over
  what one bare page costs. "While events flow": the same at N connections with the
  event load in the background, and how many drains changed the rollups meanwhile.
- in-process: the dashboard rendered by Django's test client, first when nothing is
  cached (queries, milliseconds of SQL, total; the results keep its slowest reads'
  plans), then again.

The bars
--------
- dashboard p95 at ``--connections`` (20) managers <= 2 x the bare view's p95 at the
  same concurrency in the same run, for the province view and the unit view;
- dashboard p95 at 1 connection < 300 ms, for each view;
- incremental rollups keep up with the event endpoint: in the load's last third the
  oldest queued pair is never older than 10 s, and the queue's mean length is at most
  1.5 x the middle third's + 20 pairs (no growth beyond the fill-and-empty of each
  drain); and the queue is empty within 10 s of the load's end. (The queue holds each
  pair once, so it cannot grow past ``--event-learners``: keep that well above a few
  seconds' worth of requests);
- rebuild equals incremental: ``rollups_check()`` finds them equal.

``bench/run-reports`` exits 0 when it measured, whatever the figures; with
``--enforce``, 3 when a bar is missed; 1 when it could not measure (a failed sanity
check, a server that did not start). A shared machine makes the figures noisy: wrk
runs wait up to ``--quiet-wait`` s for other processes to leave the CPU, and every
run's CPU split (``other`` is anything not the bench's) is in the results.
"""

from bench.runner import BENCH

WORK_REPORTS = BENCH / ".work" / "reports"
