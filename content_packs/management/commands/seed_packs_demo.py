"""Demo interactive exercises for the demo courses: an H5P question in the
cybersecurity course and H5P dialog cards in the Tày course, each in the course's
first lesson.

Safe to run again: a course that already has its demo exercise is left as it is.
"""

from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import transaction

from courses.models import CoursePage, CourseWorkspace, LessonPage

from ...models import Package
from ...services.packages import package_create

DEMO = Path(__file__).resolve().parents[2] / "demo"
EXERCISES = [
    ("an-toan-thong-tin-can-bo-co-so", "dung-sai.h5p", "Bài tập: đúng hay sai"),
    ("tieng-tay-giao-tiep-co-ban", "the-tu-vung.h5p", "Thẻ từ vựng (luyện tập)"),
]


class Command(BaseCommand):
    help = "Place demo H5P exercises in the demo courses."

    def handle(self, *args, **options):
        made = 0
        for slug, name, title in EXERCISES:
            course = CoursePage.objects.filter(slug=slug).first()
            workspace = CourseWorkspace.objects.filter(course=course).first() if course else None
            if workspace is None:
                continue
            if Package.objects.filter(collection=workspace.collection, title=title).exists():
                continue
            lesson = LessonPage.objects.descendant_of(course).live().order_by("path").first()
            if lesson is None:
                continue
            with transaction.atomic(), (DEMO / name).open("rb") as source:
                package = package_create(
                    source=source, collection=workspace.collection, title=title
                )
                lesson.body = [
                    *lesson.body.raw_data,
                    {
                        "type": "package",
                        "value": {"title": title, "package": package.pk, "required": False},
                    },
                ]
                lesson.save_revision().publish()
            made += 1
        self.stdout.write(f"Demo exercises added: {made}")
