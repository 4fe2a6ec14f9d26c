"""Print what a pack of a course would hold (structure and checksums) as JSON, to
compare a course on two installations.

    manage.py pack_describe <course key (UUID), id or slug>
"""

import json
import uuid

from django.core.management.base import BaseCommand, CommandError

from courses.models import CoursePage

from ...course_pack.export import course_pack_describe


class Command(BaseCommand):
    help = "Describe a course as a pack would carry it (JSON on standard output)."

    def add_arguments(self, parser):
        parser.add_argument("course")

    def handle(self, course, **options):
        try:
            lookup = {"translation_key": uuid.UUID(course)}
        except ValueError:
            lookup = {"pk": int(course)} if course.isdigit() else {"slug": course}
        found = CoursePage.objects.filter(**lookup).first()
        if found is None:
            raise CommandError(f"No course {course!r}")
        self.stdout.write(
            json.dumps(course_pack_describe(found), sort_keys=True, ensure_ascii=False)
        )
