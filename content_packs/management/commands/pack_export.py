"""Write a course to a signed content pack, with a progress bar.

manage.py pack_export <course id or slug> <file.lmspack>
"""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from courses.models import CoursePage

from ...course_pack.export import course_pack_export
from ...packfile import PackError
from ...services.keys import own_public_key, signing_key


class Command(BaseCommand):
    help = "Export a course (pages, media, packages, quizzes) to one signed pack file."

    def add_arguments(self, parser):
        parser.add_argument("course", help="the course's id or slug")
        parser.add_argument("target", help="the pack file to write")

    def handle(self, course, target, **options):
        found = CoursePage.objects.filter(
            **({"pk": int(course)} if course.isdigit() else {"slug": course})
        ).first()
        if found is None:
            raise CommandError(f"No course {course!r}")
        bar = tqdm(
            unit="B",
            unit_scale=True,
            unit_divisor=1024,
            desc="export",
            disable=options["verbosity"] == 0,
        )

        def progress(written: int) -> None:
            bar.update(written - bar.n)

        try:
            manifest = course_pack_export(
                found, target, private_key=signing_key(), progress=progress
            )
        except PackError as error:
            raise CommandError(str(error)) from None
        finally:
            bar.close()
        self.stdout.write(
            f"{target}: {len(manifest['pages'])} pages, {len(manifest['files'])} files, "
            f"signed by {own_public_key()}"
        )
