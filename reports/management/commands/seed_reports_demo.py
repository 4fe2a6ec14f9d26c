"""Sample learners with a year of progress, so that the demo's dashboard has figures.

Every account it makes is named ``mau.<n>`` ("sample") and marked as sample data in its
occupation; running it again adds nothing. The progress goes through the product's own
services (enrolment, the server-seen open, events), dated over the past twelve months,
and the rollups are rebuilt at the end.
"""

import random
import uuid
from datetime import date, timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from courses.models import Activity, CoursePage, Enrolment, Verb
from courses.services.enrolment import enrolment_create
from courses.services.errors import ServiceError
from courses.services.progress import EventIn, activity_opened, progress_events_ingest
from lms.models import AdministrativeUnit, EthnicGroup
from lms.services import learner_create
from reports.models import (
    ExchangeTarget,
    Indicator,
    IndicatorDenominator,
    IndicatorMapping,
    OptionMapping,
    UnitMapping,
)
from reports.services.rollups import rollups_rebuild

SAMPLE_LEARNERS = 160
# Roughly the province's make-up (Nùng, Tày, Kinh, Dao, then the smaller groups).
ETHNIC_MIX = [("Nùng", 42), ("Tày", 35), ("Kinh", 16), ("Dao", 4), ("Sán Chay", 2), ("H'Mông", 1)]
FAMILY = ["Hoàng", "Nông", "Lương", "Vi", "Lộc", "Triệu", "Hà", "Lăng", "Chu", "Đinh"]
GIVEN = ["Thị Hoa", "Văn Minh", "Thị Mai", "Văn Đức", "Thị Lan", "Văn Hải", "Thị Thu", "Văn Tú"]


class Command(BaseCommand):
    help = "Add sample learners with a year of progress for the reports demo (idempotent)."

    def handle(self, *args, **options):
        if Enrolment.objects.filter(learner__username__startswith="mau.").exists():
            self.stdout.write("Sample report data already there.")
            return
        courses = list(CoursePage.objects.live().order_by("path"))
        if not courses:
            self.stdout.write("No course yet: run seed_demo first.")
            return
        rng = random.Random(2025)
        units = list(
            AdministrativeUnit.objects.filter(is_current=True, level="commune").order_by("code")[
                :12
            ]
        )
        groups = {g.name: g for g in EthnicGroup.objects.filter(code_list="QD-121-TCTK-1979")}
        mix = [(groups[name], weight) for name, weight in ETHNIC_MIX if name in groups]
        now = timezone.now()
        made = 0
        for n in range(SAMPLE_LEARNERS):
            group = rng.choices([g for g, _w in mix], [w for _g, w in mix])[0]
            learner = learner_create(
                username=f"mau.{n:03d}",
                password=None,
                full_name=f"{rng.choice(FAMILY)} {rng.choice(GIVEN)}",
                category=rng.choice(["official", "youth", "youth", "prestigious", "citizen"]),
                sex=rng.choice(["female", "male", "female", "male", "unstated"]),
                birth_year=rng.randint(1960, 2008),
                unit=rng.choice(units),
                occupation="Dữ liệu mẫu",
                ethnic_consent=rng.random() < 0.85,
                ethnic_group=group,
            )
            for course in rng.sample(courses, k=min(len(courses), rng.choice([1, 1, 2]))):
                self._learn(learner, course, rng, now)
            made += 1
        self._indicators(units)
        result = rollups_rebuild()
        self.stdout.write(
            f"{made} sample learners; rollups rebuilt ({result.facts} enrolments, "
            f"{result.cells} cells)."
        )

    def _indicators(self, units) -> None:
        """Two of the plan's indicators, with denominators for the sample communes, and a
        receiving system mapped to them (sample codes, labelled as such)."""
        officials, _ = Indicator.objects.get_or_create(
            code="cb-hoc-tieng-dt",
            defaults={
                "name": "Cán bộ, công chức hoàn thành khóa tiếng dân tộc",
                "description": "Mỗi người đếm một lần, dù hoàn thành nhiều khóa. Dữ liệu mẫu.",
                "track": "ethnic_language",
                "category": "official",
                "has_denominator": True,
                "target_percent": 100,
                "deadline": date(2026, 12, 31),
            },
        )
        for i, unit in enumerate(units):
            IndicatorDenominator.objects.get_or_create(
                indicator=officials, unit=unit, defaults={"value": 6 + i % 4, "source": "Mẫu"}
            )
        youth, _ = Indicator.objects.get_or_create(
            code="tn-dtts-hoan-thanh",
            defaults={
                "name": "Thanh niên dân tộc thiểu số hoàn thành một khóa học",
                "category": "youth",
                "minorities_only": True,
                "target_count": 200,
                "deadline": date(2026, 12, 31),
            },
        )
        target, created = ExchangeTarget.objects.get_or_create(
            name="DHIS2 mẫu", defaults={"data_set": "dsMAU0001", "notes": "Mã mẫu để thử."}
        )
        if created:
            IndicatorMapping.objects.create(
                target=target, indicator=officials, data_element="deMAU0001", disaggregate_by="sex"
            )
            IndicatorMapping.objects.create(
                target=target, indicator=youth, data_element="deMAU0002"
            )
            for unit in units:
                UnitMapping.objects.create(target=target, unit=unit, org_unit=f"OU{unit.code}")
            for ours, theirs in (("female", "F"), ("male", "M"), ("other", "O"), ("unstated", "U")):
                OptionMapping.objects.create(
                    target=target,
                    dimension="sex",
                    our_code=ours,
                    attribute="SEX",
                    option_code=theirs,
                    category_option_combo=f"coc{theirs}",
                )

    def _learn(self, learner, course, rng: random.Random, now) -> None:
        try:
            enrolment = enrolment_create(learner=learner, course=course)
        except ServiceError:  # a course with prerequisites, closed or full
            return
        started = now - timedelta(days=rng.randint(5, 360))
        Enrolment.objects.filter(pk=enrolment.pk).update(enrolled_at=started)
        activities = list(
            Activity.objects.filter(course=course, is_active=True, kind="lesson").order_by(
                "position"
            )
        )
        # Some finish everything, most stop somewhere along the way.
        reach = len(activities) if rng.random() < 0.4 else rng.randint(0, len(activities))
        at = started
        for activity in activities[:reach]:
            at = min(at + timedelta(days=rng.randint(0, 20), minutes=5), now)
            activity_opened(learner=learner, activity_id=activity.pk, now=at)
            done = at + timedelta(minutes=rng.randint(3, 25))
            if done > now:
                break
            progress_events_ingest(
                learner=learner,
                events=[
                    EventIn(uuid.uuid4(), activity.pk, Verb.PROGRESSED, done, {"seconds": 240}),
                    EventIn(uuid.uuid4(), activity.pk, Verb.COMPLETED, done, {}),
                ],
                now=done + timedelta(seconds=1),
            )
            at = done
