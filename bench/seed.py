"""Seeds the bench database and writes what the load scripts need.

Run by bench/run as ``python -m bench.seed --learners N`` with the bench
environment (DJANGO_SETTINGS_MODULE=bench.settings, DATABASE_URL, REDIS_URL, ...) set and
the database freshly migrated. It

* builds the demo site with the product's own ``seed_demo`` command and picks its first
  course (four lessons in two modules) and that course's first lesson;
* creates N learners (``--learners``; more when ``--quiz-learners`` asks for more, see
  below) through ``lms.services.learner_create``, enrols each through
  ``enrolment_create`` and records one "viewed" + "progressed" event for each on the
  lesson through ``progress_events_ingest``, so every page has a summary to show;
* creates one logged-in session per learner in the settings' session store
  (SESSION_ENGINE) plus a CSRF secret for the cookie and the X-CSRFToken header;
* renders the lesson page and the bare view once in-process to learn their sizes, and
  writes a filler template so that the bare view weighs what the lesson page weighs.

The exam-start spike needs ``--quiz-learners`` learners (300) where wrk's pool is
``--learners`` (200): the larger of the two is seeded. The wrk scripts keep the first
``--learners`` (sessions.txt), so the other phases see the pool they always saw; the
spike takes the first ``--quiz-learners`` from seed.json.

Outputs in the bench work folder (settings.BENCH_WORK_DIR): seed.json (everything, every
seeded learner's session included), sessions.txt (one "sessionid csrftoken" per line,
the first ``--learners`` learners, for the wrk scripts), activities.txt (one activity
UUID per line) and templates/bench/filler.html.
"""

import argparse
import json
import os
import sys
import time
import uuid
from pathlib import Path

import django

COURSE_SLUG = "tieng-tay-giao-tiep-co-ban"
HOST = "127.0.0.1"

FILLER_SENTENCES = [
    "Người Tày ở Lạng Sơn rất coi trọng lời chào khi gặp người lớn tuổi.",
    "Cán bộ nên hỏi thăm sức khỏe và gia đình trước khi vào việc.",
    "Hồi vụ chính thu hoạch tháng tám đến tháng chín, vụ chiêm tháng ba đến tháng tư.",
    "Không bao giờ đọc mã OTP cho người khác, kể cả người xưng là cán bộ.",
    "Dùng cụm từ dài làm mật khẩu, mỗi dịch vụ một mật khẩu riêng.",
    "Tài khoản định danh điện tử mức hai cho phép đăng nhập Cổng dịch vụ công.",
]


def filler_html(size: int) -> str:
    """Plain paragraphs of exactly ``size`` UTF-8 bytes (no template syntax)."""
    if size <= 0:
        return ""
    parts, total, i = [], 0, 0
    while total < size:
        sentence = FILLER_SENTENCES[i % len(FILLER_SENTENCES)]
        piece = f"<p>{sentence}</p>\n"
        parts.append(piece)
        total += len(piece.encode())
        i += 1
    data = "".join(parts).encode()[:size]
    text = data.decode("utf-8", errors="ignore")
    return text + " " * (size - len(text.encode()))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument("--quiz-learners", type=int, default=0)
    args = parser.parse_args()

    django.setup()
    from django.conf import settings

    out = Path(settings.BENCH_WORK_DIR)
    (out / "templates" / "bench").mkdir(parents=True, exist_ok=True)
    filler_path = out / "templates" / "bench" / "filler.html"
    # The bare view's fixed part is measured with an empty filler first.
    filler_path.write_text("", encoding="utf-8")
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.core.management import call_command
    from django.middleware.csrf import _get_new_csrf_string
    from django.test import Client
    from django.utils import timezone

    from courses.models import Activity, CoursePage, LessonPage, Verb
    from courses.services.enrolment import enrolment_create
    from courses.services.progress import EventIn, progress_events_ingest
    from lms.models import AdministrativeUnit
    from lms.services import learner_create

    session_engine = __import__(settings.SESSION_ENGINE, fromlist=["SessionStore"])
    started = time.monotonic()

    call_command("seed_demo", quiet_passwords=True, verbosity=0)
    course = CoursePage.objects.get(slug=COURSE_SLUG)
    lessons = list(LessonPage.objects.descendant_of(course).live().order_by("path"))
    lesson = lessons[0]
    lesson_url = lesson.get_url()
    # The lessons: the events the load sends are a lesson page's (viewed, progressed,
    # completed); the course's other items (its recordings, say) take other verbs.
    activities = list(
        Activity.objects.filter(course=course, is_active=True, kind="lesson").order_by("position")
    )
    lesson_activity = next(a for a in activities if a.page_id == lesson.pk)
    units = list(AdministrativeUnit.objects.filter(is_current=True).order_by("pk")[:20])

    learners = []
    now = timezone.now()
    for n in range(1, max(args.learners, args.quiz_learners) + 1):
        user = learner_create(
            username=f"bench.learner.{n:05d}",
            password=None,
            full_name=f"Học viên {n:05d}",
            category="citizen",
            sex="female" if n % 2 else "male",
            birth_year=1970 + n % 35,
            unit=units[n % len(units)],
        )
        enrolment_create(learner=user, course=course)
        progress_events_ingest(
            learner=user,
            events=[
                EventIn(uuid.uuid4(), lesson_activity.pk, Verb.VIEWED, now),
                EventIn(
                    uuid.uuid4(),
                    lesson_activity.pk,
                    Verb.PROGRESSED,
                    now,
                    {"seconds": 30, "position": {"scroll": 0.25}},
                ),
            ],
        )
        session = session_engine.SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        learners.append(
            {
                "username": user.username,
                "user_id": user.pk,
                "sessionid": session.session_key,
                "csrftoken": _get_new_csrf_string(),
            }
        )

    # Sizes of both pages as the server will send them (same settings, in-process).
    def get(path: str, who: dict):
        client = Client(HTTP_HOST=HOST)
        client.cookies[settings.SESSION_COOKIE_NAME] = who["sessionid"]
        client.cookies[settings.CSRF_COOKIE_NAME] = who["csrftoken"]
        return client.get(path)

    lesson_response = get(lesson_url, learners[0])
    if lesson_response.status_code != 200:
        print(f"seed: lesson page answered {lesson_response.status_code}", file=sys.stderr)
        return 1
    bare_response = get("/bench/bare/", learners[0])
    if bare_response.status_code != 200:
        print(f"seed: bare view answered {bare_response.status_code}", file=sys.stderr)
        return 1
    lesson_bytes = len(lesson_response.content)
    bare_base = len(bare_response.content)
    filler_bytes = max(lesson_bytes - bare_base, 0)
    filler_path.write_text(filler_html(filler_bytes), encoding="utf-8")

    pool = learners[: args.learners]
    (out / "sessions.txt").write_text(
        "".join(f"{x['sessionid']} {x['csrftoken']}\n" for x in pool), encoding="ascii"
    )
    (out / "activities.txt").write_text("".join(f"{a.pk}\n" for a in activities), encoding="ascii")
    seed = {
        "learners": len(pool),
        "seeded_learners": len(learners),
        "course": {"id": course.pk, "title": course.title, "url": course.get_url()},
        "lesson": {
            "id": lesson.pk,
            "title": lesson.title,
            "url": lesson_url,
            "activity": str(lesson_activity.pk),
        },
        "activities": [str(a.pk) for a in activities],
        "lesson_bytes": lesson_bytes,
        "bare_base_bytes": bare_base,
        "filler_bytes": filler_bytes,
        "sessions": learners,
        "seconds": round(time.monotonic() - started, 1),
        "settings": os.environ.get("DJANGO_SETTINGS_MODULE"),
    }
    (out / "seed.json").write_text(json.dumps(seed, ensure_ascii=False, indent=1), "utf-8")
    extra = f" (wrk's pool: the first {len(pool)})" if len(pool) < len(learners) else ""
    print(
        f"seed: {len(learners)} learners enrolled in “{course.title}”{extra}, lesson {lesson_url} "
        f"({lesson_bytes} B; bare view padded by {filler_bytes} B) in {seed['seconds']} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
