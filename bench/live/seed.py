"""Seeds the live-classroom bench's database and writes what the clients need.

Run by bench/run-live as ``python -m bench.live.seed --learners N --out FILE`` with the
bench environment (DJANGO_SETTINGS_MODULE, DATABASE_URL, REDIS_URL, ...) set and the
database freshly migrated. It

* builds the demo site with the product's own ``seed_demo`` command and takes its first
  course and that course's trainer (``giangvien``), who is the room's host;
* creates N learners plus one for the sanity checks through
  ``lms.services.learner_create`` (with unusable passwords: hashing a thousand
  passwords would take minutes and nobody signs in with them) and enrols each through
  ``enrolment_create``; and one more learner, not enrolled, whose socket must be
  refused;
* gives each of them (and the trainer) a logged-in session in the settings' session
  store (SESSION_ENGINE), as a sign-in would, for the ``sessionid`` cookie;
* creates a LiveSession of the course running now: started a few minutes ago, ending
  in a few hours (its post-save signal registers its activity, as an editor's save
  does).

Output: one JSON file (``--out``) with the session id and each person's user id, name
and session key.
"""

import argparse
import json
import sys
import time
from datetime import timedelta
from pathlib import Path

import django

COURSE_SLUG = "tieng-tay-giao-tiep-co-ban"
TRAINER = "giangvien"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--learners", type=int, default=1000)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()

    django.setup()
    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from courses.models import CoursePage
    from courses.services.enrolment import enrolment_create
    from live.models import LiveSession
    from lms.admin_users import display_name
    from lms.models import AdministrativeUnit
    from lms.services import learner_create

    session_engine = __import__(settings.SESSION_ENGINE, fromlist=["SessionStore"])
    started = time.monotonic()

    call_command("seed_demo", quiet_passwords=True, verbosity=0)
    course = CoursePage.objects.get(slug=COURSE_SLUG)
    trainer = get_user_model().objects.get(username=TRAINER)
    if not course.trainers.filter(pk=trainer.pk).exists():
        print(f"seed: {TRAINER} does not teach {COURSE_SLUG}", file=sys.stderr)
        return 1
    units = list(AdministrativeUnit.objects.filter(is_current=True).order_by("pk")[:20])

    def signed_in(user) -> dict:
        session = session_engine.SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        return {
            "user_id": user.pk,
            "username": user.username,
            "name": display_name(user),
            "sessionid": session.session_key,
        }

    def new_learner(n: int, tag: str = "learner"):
        return learner_create(
            username=f"bench.live.{tag}.{n:05d}",
            password=None,
            full_name=f"Học viên {n:05d}",
            category="citizen",
            sex="female" if n % 2 else "male",
            birth_year=1970 + n % 35,
            unit=units[n % len(units)],
        )

    learners = []
    learners_started = time.monotonic()
    for n in range(1, args.learners + 2):
        with transaction.atomic():
            user = new_learner(n)
            enrolment_create(learner=user, course=course)
        learners.append(signed_in(user))
    outsider = signed_in(new_learner(1, tag="outsider"))
    seeded = time.monotonic() - learners_started

    now = timezone.now()
    live = LiveSession.objects.create(
        course=course,
        title="Buổi học trực tuyến (đo tải)",
        starts_at=now - timedelta(minutes=5),
        ends_at=now + timedelta(hours=6),
    )

    seed = {
        "session_id": live.pk,
        "course": {"id": course.pk, "title": course.title},
        "host": signed_in(trainer),
        # The last enrolled learner is kept apart for the sanity checks.
        "learners": learners[:-1],
        "sanity_learner": learners[-1],
        "outsider": outsider,
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "seconds": round(time.monotonic() - started, 1),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(seed, ensure_ascii=False, indent=1), "utf-8")
    print(
        f"seed: {args.learners} learners (+1 for the sanity checks) enrolled in "
        f"“{course.title}”, host {trainer.username}, live session {live.pk} "
        f"({live.starts_at:%H:%M}–{live.ends_at:%H:%M} UTC), in {seed['seconds']} s "
        f"(learners {seeded:.1f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
