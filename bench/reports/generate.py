"""Generates the reports benchmark's data in a freshly migrated database.

Run by bench/run-reports as ``python -m bench.reports.generate`` with the bench's
environment (DJANGO_SETTINGS_MODULE, DATABASE_URL, REDIS_URL...). It

* builds the demo site with the product's ``seed_demo`` command (home, catalogue,
  programs, the demo's courses and people);
* creates ``--courses`` courses as Wagtail pages through the page API an editor's
  publish goes through (3 modules of 2 lessons each, the last lesson optional), so
  that their activities are registered by the product's own signals;
* bulk-loads with COPY (bench.reports.copyload) ``--learners`` users and profiles,
  about two enrolments each with their course progress, ``--events`` progress events
  over the last 18 months, the learner x lesson summaries folded from them, and a
  certificate for every completed enrolment (no PDF: nothing serves them here);
* builds the indexes again, resets the id sequences, and vacuums and analyses the
  loaded tables;
* writes a summary with every count and timing (``--out``).

The generated data bypasses the product's announcements, so nothing is queued for
the rollups: the benchmark's rebuild is what folds it.
"""

import argparse
import json
import os
import random
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import django

from bench.reports import copyload, rows
from bench.reports import population as pop

if TYPE_CHECKING:  # Django is set up in main(), not at import
    from wagtail.models import Page

LESSONS_PER_MODULE = 2
MODULES = 3
TOPICS = {
    "ethnic_language": (
        ("Tiếng Tày giao tiếp", "tyz"),
        ("Tiếng Nùng giao tiếp", "nut"),
        ("Tiếng Dao cho cán bộ xã", "ium"),
        ("Tiếng Tày trong hành chính", "tyz"),
        ("Tiếng Nùng trong y tế cơ sở", "nut"),
        ("Hát then và văn hóa Tày", "tyz"),
        ("Tiếng H'Mông cơ bản", "hnj"),
        ("Tiếng Tày cho giáo viên", "tyz"),
    ),
    "vocational": (
        ("Trồng và chăm sóc cây hồi", "vi"),
        ("Chăn nuôi gà thả đồi", "vi"),
        ("Trồng na Chi Lăng", "vi"),
        ("Du lịch cộng đồng", "vi"),
        ("Nuôi ong lấy mật", "vi"),
        ("Chế biến thạch đen", "vi"),
        ("Sửa chữa xe máy", "vi"),
        ("Trồng rau an toàn", "vi"),
    ),
    "it_literacy": (
        ("Dùng điện thoại thông minh", "vi"),
        ("Thanh toán không dùng tiền mặt", "vi"),
        ("Bán nông sản qua mạng", "vi"),
        ("Soạn thảo văn bản hành chính", "vi"),
        ("Dịch vụ công trực tuyến nâng cao", "vi"),
        ("Bảng tính cho kế toán xã", "vi"),
        ("Họp trực tuyến", "vi"),
    ),
    "cybersecurity": (
        ("Nhận diện lừa đảo qua mạng", "vi"),
        ("Mật khẩu và xác thực hai lớp", "vi"),
        ("Bảo vệ dữ liệu cá nhân", "vi"),
        ("An toàn mạng xã hội cho thanh niên", "vi"),
        ("An toàn thông tin cho bộ phận một cửa", "vi"),
        ("Phòng chống mã độc", "vi"),
        ("Sao lưu dữ liệu", "vi"),
    ),
}
LEVELS = ("beginner", "intermediate", "advanced")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.reports.generate")
    parser.add_argument("--learners", type=int, default=200_000)
    parser.add_argument("--events", type=int, default=5_000_000)
    parser.add_argument("--courses", type=int, default=30)
    parser.add_argument("--seed", type=int, default=20250701)
    parser.add_argument("--out", type=Path, required=True, help="the summary (JSON)")
    return parser.parse_args(argv)


class Clock:
    """Named steps and their wall time, printed as they end."""

    def __init__(self) -> None:
        self.steps: dict[str, float] = {}
        self.started = time.monotonic()

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        started = time.monotonic()
        yield
        self.steps[name] = round(time.monotonic() - started, 1)
        print(f"  {name}: {self.steps[name]} s", flush=True)

    @property
    def total(self) -> float:
        return round(time.monotonic() - self.started, 1)


def _publish_child(parent: "Page", page: "Page") -> "Page":
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


def build_courses(count: int, rng: random.Random) -> list:
    """``count`` published courses spread over the demo's programs, each with its
    modules and lessons, by the page API an editor's publish goes through."""
    from django.contrib.auth import get_user_model

    from cms.slugs import slugify_vi
    from courses.models import CataloguePage, CoursePage, LessonPage, ModulePage, ProgramPage
    from lms.roles import TRAINERS_GROUP

    catalogue = CataloguePage.objects.get()
    programs = {p.track: p for p in ProgramPage.objects.child_of(catalogue).specific()}
    trainer = get_user_model().objects.filter(groups__name=TRAINERS_GROUP).first()
    menu = [(track, title, lang) for track, rows in TOPICS.items() for title, lang in rows]
    courses = []
    for n in range(count):
        track, title, language = menu[n % len(menu)]
        if n >= len(menu):
            title = f"{title} (khóa {n // len(menu) + 1})"
        program = programs.get(track) or next(iter(programs.values()))
        course = program.add_child(
            instance=CoursePage(
                title=title,
                slug=f"{slugify_vi(title)}-{n + 1:02d}",
                summary=f"{title}: khóa học trực tuyến cho người dân và cán bộ Lạng Sơn.",
                language=language,
                level=LEVELS[n % len(LEVELS)],
                duration_hours=rng.randint(2, 12),
            )
        )
        if trainer is not None:
            course.trainers.add(trainer)
        course.save_revision().publish()
        for m in range(1, MODULES + 1):
            module = _publish_child(course, ModulePage(title=f"Học phần {m}", slug=f"hoc-phan-{m}"))
            for k in range(1, LESSONS_PER_MODULE + 1):
                last = m == MODULES and k == LESSONS_PER_MODULE
                _publish_child(
                    module,
                    LessonPage(
                        title=f"Bài {m}.{k}: {title}",
                        slug=f"bai-{k}",
                        required=not last,
                        estimated_minutes=rng.randint(8, 25),
                        body=[{"type": "text", "value": f"<p>Nội dung bài {m}.{k}.</p>"}],
                    ),
                )
        courses.append(course)
    return courses


def course_plans(courses: list) -> list[pop.CoursePlan]:
    from courses.models import Activity, LessonPage

    plans = []
    for course in courses:
        activities = list(
            Activity.objects.filter(course=course, kind="lesson", is_active=True).order_by(
                "position"
            )
        )
        minutes = dict(
            LessonPage.objects.filter(pk__in=[a.page_id for a in activities]).values_list(
                "pk", "estimated_minutes"
            )
        )
        lessons = [
            pop.Lesson(a.pk.hex, a.required, 1, minutes.get(a.page_id, 10)) for a in activities
        ]
        # Optional lessons last: learners take the required ones in order first.
        lessons.sort(key=lambda lesson: not lesson.required)
        plans.append(pop.CoursePlan(course.pk, course.title, lessons, course.lesson_min_seconds))
    return plans


def main(argv=None) -> int:
    args = parse_args(argv)
    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command

    from courses.models import (
        ActivityProgress,
        Certificate,
        CourseProgress,
        Enrolment,
        ProgressEvent,
    )
    from lms.models import AdministrativeUnit, LearnerProfile

    url = os.environ["DATABASE_URL"]
    rng = random.Random(args.seed)
    clock = Clock()
    now = time.time()
    print(
        f"generate: {args.learners} learners, {args.events} events, {args.courses} courses "
        f"(settings {settings.SETTINGS_MODULE})",
        flush=True,
    )
    with clock.step("seed_demo (demo site and people)"):
        call_command("seed_demo", quiet_passwords=True, verbosity=0)
    with clock.step(f"{args.courses} courses as published pages"):
        courses = build_courses(args.courses, rng)
        plans = course_plans(courses)

    User = get_user_model()
    tables = [
        User._meta.db_table,
        LearnerProfile._meta.db_table,
        Enrolment._meta.db_table,
        CourseProgress._meta.db_table,
        ActivityProgress._meta.db_table,
        ProgressEvent._meta.db_table,
        Certificate._meta.db_table,
    ]
    with clock.step("people and enrolments planned"):
        units = [
            (pk, name.startswith("Phường"))
            for pk, name in AdministrativeUnit.objects.filter(
                is_current=True, level=AdministrativeUnit.Level.COMMUNE
            ).values_list("pk", "name")
        ]
        former = list(
            AdministrativeUnit.objects.filter(
                is_current=False,
                level=AdministrativeUnit.Level.COMMUNE,
                current_unit__isnull=False,
            ).values_list("pk", flat=True)
        )
        with copyload.loading_connection(url) as conn:
            first_user = copyload.next_id(conn, User._meta.db_table)
            first_enrolment = copyload.next_id(conn, Enrolment._meta.db_table)
        learners = list(pop.people(rng, args.learners, first_user, units, former, now))
        pairs = pop.enrolments(rng, learners, plans, first_enrolment, now)
        pop.course_plans_fit(plans, args.events / max(len(pairs), 1), rng)
        planned_events = pop.budgets(rng, pairs, args.events)
        password = make_password("bench-reports-not-a-login")
    with clock.step("indexes dropped for the load"):
        with copyload.loading_connection(url) as conn:
            deferred = [copyload.defer_indexes(conn, t) for t in tables]
    with clock.step(f"COPY {len(learners)} users and profiles"):
        rows.load_people(url, learners, password)
    with clock.step(f"COPY {len(pairs)} enrolments, {planned_events} events and summaries"):
        counts = rows.load_progress(url, pairs, now, rng)
    with clock.step("indexes and keys built again"):
        with copyload.loading_connection(url) as conn:
            for d in deferred:
                copyload.restore_indexes(conn, d)
            for table in tables:
                copyload.sync_sequence(conn, table)
    with clock.step("VACUUM ANALYZE"):
        copyload.vacuum_analyze(url, tables)

    ethnic: dict[str, int] = {}
    for x in learners:
        key = x.ethnic_code or "not stated"
        ethnic[key] = ethnic.get(key, 0) + 1
    former_ids = set(former)
    summary = {
        "learners": len(learners),
        "learners_in_former_units": sum(1 for x in learners if x.unit_id in former_ids),
        "ethnic_codes": dict(sorted(ethnic.items(), key=lambda kv: -kv[1])),
        "enrolments": counts["enrolment"],
        "events": counts["event"],
        "summaries": counts["summary"],
        "completed": counts["completed"],
        "certificates": counts["certificate"],
        "withdrawn": counts["withdrawn"],
        "courses": [
            {"id": p.id, "title": p.title, "lessons": [x.activity_id for x in p.lessons]}
            for p in plans
        ],
        "seed": args.seed,
        "asked": {"learners": args.learners, "events": args.events, "courses": args.courses},
        "steps_s": clock.steps,
        "seconds": clock.total,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, ensure_ascii=False, indent=1), "utf-8")
    print(
        f"generate: {summary['learners']} learners, {summary['enrolments']} enrolments "
        f"({summary['completed']} completed, {summary['withdrawn']} withdrawn), "
        f"{summary['events']} events, {summary['summaries']} summaries in {clock.total} s",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
