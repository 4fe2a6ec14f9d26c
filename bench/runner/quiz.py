"""The exam-start spike: N learners (300) start the same 20-question quiz at once, each
autosaves its 20 answers and submits; then the database must hold every answer.

Runs after the other phases (they measure the course without the quiz, see
bench/quizseed.py), on a gunicorn with the primary worker count behind the same nginx:

1. bench.quizseed builds the quiz;
2. one learner's quiz page must offer the start (anything else stops the run);
3. bench.quizload ``bare``: the bare view at the spike's concurrency, same client;
4. bench.quizload ``spike``;
5. the database: one response row per learner and question, every attempt graded, and
   every answer the server acknowledged stored as it was sent.
"""

import argparse
import json
import os
import signal
import subprocess
import unicodedata
from collections import Counter

from bench.runner import PYTHON, ROOT, WORK, BenchError, say
from bench.runner.cpu import BENCH_GROUPS, cpu_delta, cpu_snapshot, disturbed, wait_quiet
from bench.runner.servers import Server, run_bench_module, start_gunicorn, wait_ready
from bench.traffic import http_request

REQUEST_TYPES = ("start", "page", "autosave", "submit")


def quiz_phase(
    args: argparse.Namespace,
    env: dict,
    seed: dict,
    base: str,
    gunicorn_port: int,
    nginx: Server | None,
) -> dict:
    """The whole phase, its gunicorn started and stopped here; its figures."""
    quiz_file = WORK / "quiz.json"
    say("quiz: a published 20-question quiz in the learners' course")
    run_bench_module("quizseed", ["--out", str(quiz_file)], env, "quiz seeding")
    quiz = json.loads(quiz_file.read_text("utf-8"))
    sessions = _sessions_file(seed, args.quiz_learners)

    say(f"[quiz] gunicorn with {args.workers} sync workers")
    gunicorn = start_gunicorn(args.workers, gunicorn_port, env, args.max_requests)
    try:
        wait_ready(f"http://127.0.0.1:{gunicorn_port}", gunicorn)
        if nginx is not None:
            wait_ready(base, nginx)
        _sanity(base, quiz, seed)
        n = args.quiz_learners
        say(f"[quiz] bare view, {n} learners at once, {quiz['questions']} requests each")
        bare = _client("bare", base, sessions, args, ["--rounds", str(quiz["questions"])])
        say(f"[quiz] spike: {n} learners start, autosave {quiz['questions']} answers, submit")
        extra = ["--start-url", quiz["start_url"], "--think", str(args.quiz_think)]
        spike = _client("spike", base, sessions, args, extra)
    finally:
        gunicorn.stop()
    verify = check_answers(args.db_url, quiz, spike["records"], n)
    return {"workers": args.workers, **_figures(quiz, gunicorn, bare, spike, verify)}


def _sessions_file(seed: dict, count: int) -> str:
    """The spike's learners, one "sessionid csrftoken" line each (sessions.txt's format)."""
    chosen = seed["sessions"][:count]
    if len(chosen) < count:
        raise BenchError(f"the quiz needs {count} learners, the seed has {len(chosen)}")
    path = WORK / "quiz-sessions.txt"
    path.write_text("".join(f"{x['sessionid']} {x['csrftoken']}\n" for x in chosen), "ascii")
    return str(path)


def _sanity(base: str, quiz: dict, seed: dict) -> None:
    """The quiz page offers the start to an enrolled learner (no attempt is made)."""
    who = seed["sessions"][0]
    cookie = f"sessionid={who['sessionid']}; csrftoken={who['csrftoken']}"
    status, headers, body = http_request(base + quiz["url"], headers={"Cookie": cookie})
    if status != 200 or quiz["start_url"].encode() not in body:
        raise BenchError(
            f"quiz page: HTTP {status} (Location: {headers.get('Location')}); expected 200 "
            "with the start form for an enrolled learner"
        )
    print(f"sanity: quiz page 200 ({len(body)} B) with its start form", flush=True)


def _client(
    mode: str, base: str, sessions: str, args: argparse.Namespace, extra: list[str]
) -> dict:
    """One bench.quizload run in a process group of its own; its figures and the CPU."""
    out = WORK / f"quiz-{mode}.json"
    out.unlink(missing_ok=True)
    argv = [str(PYTHON), "-m", "bench.quizload", mode, "--base", base, "--sessions", sessions]
    argv += ["--learners", str(args.quiz_learners), "--out", str(out), *extra]
    quiet_before, waited = wait_quiet(args.quiet_wait)
    if waited >= 3:
        print(
            f"    waited {waited:.0f} s for other processes to quiet down "
            f"(now {quiet_before}% of a core)",
            flush=True,
        )
    before = cpu_snapshot()
    proc = subprocess.Popen(
        argv,
        cwd=ROOT,
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    BENCH_GROUPS[proc.pid] = "client"
    try:
        output, _ = proc.communicate(timeout=1800)
    except subprocess.TimeoutExpired:
        output = "bench.quizload did not finish in 30 minutes"
    finally:
        # Its own session keeps it out of reach of a ^C: it is stopped here, by its group.
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    after = cpu_snapshot()
    BENCH_GROUPS.pop(proc.pid, None)
    (WORK / f"quiz-{mode}.txt").write_text(output)
    if proc.returncode != 0 or not out.exists():
        raise BenchError(f"bench.quizload {mode} failed ({proc.returncode}):\n{output}")
    data = json.loads(out.read_text("utf-8"))
    cpu = cpu_delta(before, after)
    # The runner's own line counts its waited-for children, i.e. this client (there is no
    # wrk in this phase): name it after what it is.
    cpu["cpu_pct"] = {("client" if k == "wrk" else k): v for k, v in cpu["cpu_pct"].items()}
    data["cpu"] = cpu
    data["other_cpu_pct_just_before"] = quiet_before
    data["waited_for_quiet_s"] = waited
    return data


def stored_answer(kind: str, fields: dict[str, list[str]]) -> dict:
    """What the product stores for these form fields (assessments.grading.answer_from_form):
    the option id, the sorted option ids, a boolean, the NFC text stripped."""
    if kind == "single":
        return {"option": int(fields["option"][0])}
    if kind == "multiple":
        return {"options": sorted({int(v) for v in fields["option"]})}
    if kind == "truefalse":
        return {"value": fields["value"][0] == "true"}
    if kind == "short":
        return {"text": unicodedata.normalize("NFC", fields["text"][0]).strip()}
    return {"value": unicodedata.normalize("NFC", fields["value"][0]).strip()}


def check_answers(db_url: str, quiz: dict, records: list[dict], learners: int) -> dict:
    """The database after the spike. A graded attempt has a response row for every
    question, answered or not, so the rows alone cannot tell a lost answer: each answer
    the server acknowledged must be there, as it was sent."""
    import psycopg

    with psycopg.connect(db_url, autocommit=True) as conn:
        attempts = dict(
            conn.execute(
                "SELECT id::text, state FROM assessments_attempt WHERE quiz_id = %s",
                (quiz["id"],),
            ).fetchall()
        )
        rows = conn.execute(
            "SELECT r.attempt_id::text, r.question_id, r.answer, r.fraction "
            "FROM assessments_response r JOIN assessments_attempt a ON a.id = r.attempt_id "
            "WHERE a.quiz_id = %s",
            (quiz["id"],),
        ).fetchall()
    stored = {(attempt, question): answer for attempt, question, answer, _ in rows}
    acknowledged = [
        (record["attempt"], answer)
        for record in records
        for answer in record["answers"]
        if answer["acknowledged"]
    ]
    as_sent = sum(
        stored.get((attempt, a["q"])) == stored_answer(a["kind"], a["fields"])
        for attempt, a in acknowledged
    )
    expected_rows = learners * quiz["questions"]
    graded = sum(state == "graded" for state in attempts.values())
    out = {
        "attempts": len(attempts),
        "attempts_graded": graded,
        "attempts_by_state": dict(Counter(attempts.values())),
        "submitted_by_client": sum(r["submitted"] for r in records),
        "response_rows": len(rows),
        "expected_rows": expected_rows,
        "rows_graded": sum(fraction is not None for *_, fraction in rows),
        "rows_answered": sum(bool(answer) for _, _, answer, _ in rows),
        "answers_sent": sum(len(r["answers"]) for r in records),
        "answers_acknowledged": len(acknowledged),
        "answers_stored_as_sent": as_sent,
        "answers_lost": len(acknowledged) - as_sent,
    }
    out["ok"] = (
        out["answers_lost"] == 0
        and len(rows) == expected_rows
        and out["attempts"] == graded == learners
        and out["rows_graded"] == len(rows)
    )
    return out


def _figures(quiz: dict, gunicorn: Server, bare: dict, spike: dict, verify: dict) -> dict:
    bare_run = bare["bare"]
    out = {
        "quiz": quiz,
        "learners": spike["learners"],
        "gunicorn": " ".join(gunicorn.argv[1:]),
        "bare": {**bare_run, "rounds": bare["rounds"], "cpu": bare["cpu"]},
        **{name: spike[name] for name in REQUEST_TYPES},
        "think_s": spike["think_s"],
        "phases_s": spike["phases_s"],
        "spike_cpu": spike["cpu"],
        "spike_seconds": spike["seconds"],
        "errors": sum(spike[name]["error_count"] for name in REQUEST_TYPES),
        "verify": verify,
    }
    bare_rps = bare_run["ok_rps"] or 0
    bare_p95 = bare_run["latency_ms"].get("p95") or 0
    autosave_rps = spike["autosave"]["ok_rps"] or 0
    start_p95 = spike["start"]["latency_ms"].get("p95")
    out["autosave_vs_bare"] = round(autosave_rps / bare_rps, 3) if bare_rps else None
    out["start_p95_vs_bare_p95"] = (
        round(start_p95 / bare_p95, 2) if start_p95 is not None and bare_p95 else None
    )
    _warn(out)
    return out


def _warn(out: dict) -> None:
    for name in ("bare", *REQUEST_TYPES):
        run_ = out[name]
        if run_["error_count"]:
            print(
                f"WARNING: quiz {name}: {run_['error_count']} errors {run_['errors']}; first: "
                + "; ".join(run_["error_samples"][:3]),
                flush=True,
            )
    for name, cpu in (("bare", out["bare"]["cpu"]), ("spike", out["spike_cpu"])):
        if disturbed(cpu):
            other = cpu["cpu_pct"]["other"]
            names = ", ".join(f"{k} {v}" for k, v in cpu["other_processes_pct"].items())
            print(
                f"WARNING: quiz {name}: other processes used {other}% CPU during the run "
                f"({names}); its figures are depressed",
                flush=True,
            )
    if not out["verify"]["ok"]:
        print(f"WARNING: quiz: the database disagrees: {out['verify']}", flush=True)


def lost_answer_summary(verify: dict) -> str:
    """One line for the table: what was checked and what it found."""
    v = verify
    verdict = "no answer lost" if v["ok"] else "ANSWERS LOST OR UNGRADED"
    return (
        f"answers acknowledged {v['answers_acknowledged']}/{v['answers_sent']}, stored as "
        f"sent {v['answers_stored_as_sent']}; response rows {v['response_rows']} (expected "
        f"{v['expected_rows']}); attempts graded {v['attempts_graded']}/{v['attempts']} "
        f"-> {verdict}"
    )
