"""Who the load is sent as: generated learners of one course, and managers.

* The learners: ``learners`` of those actively enrolled in the busiest generated
  course, drawn at random (seeded), each with a logged-in session in the settings'
  session store and a CSRF secret, as bench/seed.py makes them. One course, because
  bench/lua/events.lua sends every learner's events to the same activities (the
  course's lessons); the rollups then see one changed enrolment per request.
* The managers: ``managers`` with a province scope and as many scoped to one commune
  (the one with most learners), in the product's managers group, each with a session:
  the dashboard is measured as many managers, not one reading the same page again.
* The dashboard rendered once in-process for each scope (status, size, queries); the
  bare view's filler sized so that it weighs what the province dashboard weighs
  (empty while the dashboard is missing).

Files written in the bench's work folder (settings.BENCH_WORK_DIR): events-sessions.txt,
province-sessions.txt, unit-sessions.txt (one "sessionid csrftoken" a line, for the wrk
scripts), activities.txt, templates/bench/filler.html.
"""

import random
import time
from pathlib import Path

HOST = "127.0.0.1"
PROVINCE_MANAGER = "bench.quanly.tinh.{:02d}"
UNIT_MANAGER = "bench.quanly.xa.{:02d}"


def _session(user, store) -> dict:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.middleware.csrf import _get_new_csrf_string

    session = store.SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return {
        "username": user.username,
        "user_id": user.pk,
        "sessionid": session.session_key,
        "csrftoken": _get_new_csrf_string(),
    }


def _manager(username: str, unit) -> object:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from lms.models import ManagerScope
    from lms.roles import MANAGERS_GROUP

    user, _created = get_user_model().objects.get_or_create(
        username=username, defaults={"first_name": "Quản lý", "last_name": "Bench"}
    )
    user.groups.add(Group.objects.get(name=MANAGERS_GROUP))
    ManagerScope.objects.get_or_create(user=user, unit=unit)
    return user


def _render(path: str, who: dict, explain: int = 0) -> dict:
    """One in-process request as ``who``: status, size, queries and time; and the
    ``explain`` slowest of its reads run again under EXPLAIN ANALYZE."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    # A failing dashboard (it is being written) is a status to report, not a crash.
    client = Client(HTTP_HOST=HOST, raise_request_exception=False)
    client.cookies[settings.SESSION_COOKIE_NAME] = who["sessionid"]
    client.cookies[settings.CSRF_COOKIE_NAME] = who["csrftoken"]
    with CaptureQueriesContext(connection) as queries:
        started = time.monotonic()
        response = client.get(path)
        seconds = time.monotonic() - started
    slowest = []
    if explain and response.status_code == 200:
        from bench.reports.inprocess import explained

        slowest = explained(queries.captured_queries, explain)
    return {
        "slowest": slowest,
        "path": path,
        "status": response.status_code,
        "location": response.get("Location"),
        "bytes": len(response.content),
        "queries": len(queries.captured_queries),
        "sql_ms": round(1000 * sum(float(q["time"]) for q in queries.captured_queries), 1),
        "ms": round(1000 * seconds, 1),
    }


def _lines(rows: list[dict]) -> str:
    return "".join(f"{x['sessionid']} {x['csrftoken']}\n" for x in rows)


def people(learners: int, managers: int, seed: int = 11) -> dict:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db.models import Count

    from bench.seed import filler_html
    from courses.models import Activity, CoursePage, Enrolment, ProgressEvent
    from lms.models import AdministrativeUnit, LearnerProfile
    from reports.models import DirtyEnrolment

    started = time.monotonic()
    out_dir = Path(settings.BENCH_WORK_DIR)
    filler = out_dir / "templates" / "bench" / "filler.html"
    filler.parent.mkdir(parents=True, exist_ok=True)
    filler.write_text("", encoding="utf-8")
    store = __import__(settings.SESSION_ENGINE, fromlist=["SessionStore"])
    User = get_user_model()

    busiest = (
        Enrolment.objects.filter(status="active", learner__username__startswith="hv")
        .values("course_id")
        .annotate(n=Count("id"))
        .order_by("-n", "course_id")
        .first()
    )
    if busiest is None:
        raise SystemExit("no generated enrolments: generate the data first")
    course = CoursePage.objects.get(pk=busiest["course_id"])
    activities = list(
        Activity.objects.filter(course=course, is_active=True, kind="lesson").order_by("position")
    )
    enrolled = list(
        Enrolment.objects.filter(course=course, status="active", learner__username__startswith="hv")
        .order_by("learner_id")
        .values_list("learner_id", flat=True)
    )
    chosen = sorted(random.Random(seed).sample(enrolled, min(learners, len(enrolled))))
    users = User.objects.in_bulk(chosen)
    learner_sessions = [_session(users[pk], store) for pk in chosen]

    unit_row = (
        LearnerProfile.objects.filter(unit__is_current=True)
        .values("unit_id")
        .annotate(n=Count("id"))
        .order_by("-n", "unit_id")
        .first()
    )
    unit = AdministrativeUnit.objects.get(pk=unit_row["unit_id"])
    province = [
        _session(_manager(PROVINCE_MANAGER.format(n), None), store) for n in range(managers)
    ]
    local = [_session(_manager(UNIT_MANAGER.format(n), unit), store) for n in range(managers)]

    (out_dir / "events-sessions.txt").write_text(_lines(learner_sessions), "ascii")
    (out_dir / "province-sessions.txt").write_text(_lines(province), "ascii")
    (out_dir / "unit-sessions.txt").write_text(_lines(local), "ascii")
    (out_dir / "activities.txt").write_text("".join(f"{a.pk}\n" for a in activities), "ascii")

    unit_path = f"/reports/?unit={unit.pk}"
    probes = {
        "bare": _render("/bench/bare/", province[0]),
        # The first request computes the figures (its slowest reads are explained); the
        # second finds whatever the first left in the caches.
        "province": [_render("/reports/", province[0], explain=n) for n in (3, 0)],
        "unit": [_render(unit_path, local[0], explain=n) for n in (3, 0)],
    }
    dashboard = probes["province"][0]
    filler_bytes = 0
    if dashboard["status"] == 200:
        filler_bytes = max(dashboard["bytes"] - probes["bare"]["bytes"], 0)
        filler.write_text(filler_html(filler_bytes), encoding="utf-8")
    return {
        "course": {"id": course.pk, "title": course.title, "enrolled": busiest["n"]},
        "activities": [str(a.pk) for a in activities],
        "learners": learner_sessions,
        "unit": {"id": unit.pk, "name": unit.name, "learners": unit_row["n"]},
        "unit_path": unit_path,
        "province_managers": province,
        "unit_managers": local,
        "probes": probes,
        "filler_bytes": filler_bytes,
        # For the queue sampler and the events check, which run without Django.
        "tables": {
            "dirty": DirtyEnrolment._meta.db_table,
            "events": ProgressEvent._meta.db_table,
        },
        "seconds": round(time.monotonic() - started, 1),
    }
