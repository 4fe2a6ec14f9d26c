"""A believable Lạng Sơn demo: programs, courses, modules, lessons and people.

Safe to run again: pages and accounts that exist are kept; every demo account gets a
fresh password, printed at the end, so the printed list always works. Lessons get sample
audio and video made with ffmpeg (courses.demo_media); without ffmpeg the demo is
seeded without them, and says so.
"""

import uuid
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from wagtail.models import Page, Site

from cms.models import HomePage
from courses.demo_content import LEARNERS, PROGRAMS
from courses.demo_media import SampleMedia
from courses.models import (
    Activity,
    ActivityProgress,
    CataloguePage,
    CoursePage,
    Enrolment,
    LessonPage,
    ModulePage,
    ProgramPage,
    Verb,
)
from courses.services.enrolment import enrolment_create
from courses.services.permissions import course_workspace_ensure
from courses.services.progress import EventIn, activity_opened, progress_events_ingest
from lms.models import AdministrativeUnit, EthnicGroup, ManagerScope
from lms.roles import INDIVIDUALS_GROUP, MANAGERS_GROUP, TRAINERS_GROUP
from lms.services import learner_create
from lms.text import readable_secret


class Command(BaseCommand):
    help = "Create the Lạng Sơn demo site and accounts (idempotent; prints passwords)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--quiet-passwords",
            action="store_true",
            help="Do not print the accounts and their passwords.",
        )

    def handle(self, *args, **options):
        self.media = SampleMedia()
        with transaction.atomic():
            home = self._home()
            catalogue = self._child(
                home,
                CataloguePage,
                slug="khoa-hoc",
                title="Khóa học",
                intro="<p>Chọn chương trình phù hợp với bạn.</p>",
            )
            accounts = self._people()
            trainer = accounts["giangvien"][0]
            courses = []
            for program in PROGRAMS:
                program_page = self._child(
                    catalogue,
                    ProgramPage,
                    slug=program["slug"],
                    title=program["title"],
                    track=program["track"],
                    intro=program["intro"],
                )
                for spec in program["courses"]:
                    courses.append(self._course(program_page, spec, trainer))
        # Progress is added through the real services after the tree is committed.
        self._demo_progress(courses, accounts)
        if self.media.problem:
            self.stdout.write(
                self.style.WARNING(
                    f"Sample audio and video were left out ({self.media.problem}); "
                    "install ffmpeg and run seed_demo again to add them."
                )
            )
        if not options["quiet_passwords"]:
            self.stdout.write(self.style.SUCCESS("Demo accounts (username / password / role):"))
            for username, (_, password, role) in accounts.items():
                self.stdout.write(f"  {username:18} {password:16} {role}")

    # -- pages ---------------------------------------------------------------------------

    def _home(self) -> HomePage:
        home = HomePage.objects.first()
        if home is None:
            root = Page.get_first_root_node()
            home = root.add_child(instance=HomePage(title="Học trực tuyến Lạng Sơn", slug="home"))
            Site.objects.update_or_create(
                is_default_site=True,
                defaults={"root_page": home, "hostname": "localhost", "port": 80},
            )
        if not home.intro:
            home.intro = (
                "<p>Học tiếng dân tộc, học nghề, kỹ năng số và an toàn thông tin — ngay trên "
                "điện thoại, kể cả khi mạng yếu.</p>"
            )
            home.save_revision().publish()
        return home

    def _child(self, parent, model, slug: str, **fields):
        existing = model.objects.child_of(parent).filter(slug=slug).first()
        if existing:
            return existing
        page = parent.add_child(instance=model(slug=slug, **fields))
        page.save_revision().publish()
        return page

    def _course(self, program, spec, trainer) -> CoursePage:
        course = CoursePage.objects.child_of(program).filter(slug=spec["slug"]).first()
        if course is None:
            course = program.add_child(
                instance=CoursePage(
                    slug=spec["slug"],
                    title=spec["title"],
                    summary=spec["summary"],
                    language=spec["language"],
                    level=spec["level"],
                    duration_hours=spec["hours"],
                )
            )
            course.trainers.add(trainer)
            course.save_revision().publish()
        for m_index, (module_title, lessons) in enumerate(spec["modules"], start=1):
            module = self._child(course, ModulePage, slug=f"hoc-phan-{m_index}", title=module_title)
            for l_index, (lesson_title, body, *options) in enumerate(lessons, start=1):
                realised = self.media.realise(body, course_workspace_ensure(course).collection)
                lesson = self._child(
                    module,
                    LessonPage,
                    slug=f"bai-{l_index}",
                    title=lesson_title,
                    body=realised,
                    estimated_minutes=8 + 2 * len(body),
                    **(options[0] if options else {}),
                )
                self._add_missing_media(lesson, realised)
        return course

    def _add_missing_media(self, lesson: LessonPage, body: list[dict]) -> None:
        """A lesson seeded before the demo had media gets them, unless a person has
        edited it since: their version is kept."""
        wanted = _documents_in(body)
        if not wanted or wanted <= _documents_in(lesson.body.raw_data):
            return
        if lesson.revisions.filter(user__isnull=False).exists():
            return
        lesson.body = body
        lesson.save_revision().publish()

    # -- people --------------------------------------------------------------------------

    def _set_password(self, user) -> str:
        password = readable_secret(10)
        user.set_password(password)
        user.save(update_fields=["password"])
        return password

    def _staff(self, username: str, first: str, last: str, **flags):
        User = get_user_model()
        user, _ = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@langson.example",
                **flags,
            },
        )
        return user

    def _people(self) -> dict:
        accounts = {}
        admin = self._staff("quantri", "Quản", "Trị", is_staff=True, is_superuser=True)
        accounts["quantri"] = (admin, self._set_password(admin), "admin")

        trainer = self._staff("giangvien", "Hà", "Nông Thị", is_staff=True)
        trainer.groups.add(Group.objects.get(name=TRAINERS_GROUP))
        accounts["giangvien"] = (trainer, self._set_password(trainer), "trainer")

        managers = Group.objects.get(name=MANAGERS_GROUP)
        province = self._staff("quanly.tinh", "Minh", "Lương Văn")
        province.groups.add(managers)
        ManagerScope.objects.get_or_create(user=province, unit=None)
        accounts["quanly.tinh"] = (
            province,
            self._set_password(province),
            "manager (toàn tỉnh, số liệu tổng hợp)",
        )

        commune = self._staff("quanly.dongkinh", "Thảo", "Đinh Thị")
        commune.groups.add(managers)
        dong_kinh = AdministrativeUnit.objects.get(is_current=True, name="Phường Đông Kinh")
        ManagerScope.objects.get_or_create(user=commune, unit=dong_kinh)
        # The commune's manager also follows individual learners; the province's reads
        # aggregates only.
        commune.groups.add(Group.objects.get(name=INDIVIDUALS_GROUP))
        accounts["quanly.dongkinh"] = (
            commune,
            self._set_password(commune),
            "manager (Phường Đông Kinh, từng học viên)",
        )

        groups = {g.name: g for g in EthnicGroup.objects.filter(code_list="QD-121-TCTK-1979")}
        for username, name, category, sex, year, unit_name, group, consent in LEARNERS:
            User = get_user_model()
            user = User.objects.filter(username=username).first()
            if user is None:
                user = learner_create(
                    username=username,
                    password=None,
                    full_name=name,
                    category=category,
                    sex=sex,
                    birth_year=year,
                    unit=AdministrativeUnit.objects.get(is_current=True, name=unit_name),
                    email=f"{username}@langson.example",
                    ethnic_consent=consent,
                    ethnic_group=groups.get(group) if group else None,
                )
            accounts[username] = (user, self._set_password(user), "learner")
        return accounts

    def _demo_progress(self, courses, accounts) -> None:
        """Some learners part-way through, one finished, so every page has something."""
        plan = {"hocvien.hoa": (0, 1.0), "hocvien.duc": (1, 0.5), "hocvien.mai": (0, 0.3)}
        for username, (course_index, share) in plan.items():
            learner = accounts[username][0]
            course = courses[course_index]
            if ActivityProgress.objects.filter(learner=learner, activity__course=course).exists():
                continue
            enrolment = enrolment_create(learner=learner, course=course)
            activities = list(Activity.objects.filter(course=course, is_active=True))
            done = activities[: round(len(activities) * share)]
            # Learnt over the past days, as the server would have seen it: enrolled,
            # each lesson served, read for a few minutes, then marked done.
            started = timezone.now() - timedelta(days=len(done) + 1)
            Enrolment.objects.filter(pk=enrolment.pk).update(enrolled_at=started)
            events = []
            for day, activity in enumerate(done, start=1):
                opened = started + timedelta(days=day)
                activity_opened(learner=learner, activity_id=activity.pk, now=opened)
                read = opened + timedelta(minutes=7)
                events += [
                    EventIn(uuid.uuid4(), activity.pk, Verb.VIEWED, opened),
                    EventIn(
                        uuid.uuid4(),
                        activity.pk,
                        Verb.PROGRESSED,
                        read,
                        {"seconds": 240, "position": {"scroll": 1.0}},
                    ),
                    EventIn(uuid.uuid4(), activity.pk, Verb.COMPLETED, read),
                ]
            if events:
                progress_events_ingest(learner=learner, events=events)


def _documents_in(body) -> set[tuple[str, int]]:
    """What a lesson body plays: pronunciations (documents), audio and video (assets)."""
    found = set()
    for block in body:
        value = block["value"]
        for key in ("pronunciation", "audio", "video"):
            if isinstance(value, dict) and isinstance(value.get(key), int):
                found.add((key, value[key]))
    return found
