"""Verify a content pack and create or update its course, with a progress bar.

manage.py pack_import <file.lmspack>
"""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from ...course_pack.load import course_pack_import
from ...packfile import PackError
from ...services.keys import trusted_keys


class Command(BaseCommand):
    help = "Import a course from a signed pack (checked whole before anything changes)."

    def add_arguments(self, parser):
        parser.add_argument("source", help="the pack file to read")

    def handle(self, source, **options):
        bars: dict[str, tqdm] = {}

        def progress(phase: str, done: int, total: int) -> None:
            bar = bars.get(phase)
            if bar is None:
                label = {"verify": "check", "import": "import"}[phase]
                bar = bars[phase] = tqdm(
                    total=total,
                    unit="B",
                    unit_scale=True,
                    unit_divisor=1024,
                    desc=label,
                    disable=options["verbosity"] == 0,
                )
            bar.update(done - bar.n)

        try:
            result = course_pack_import(source, trusted_keys=trusted_keys(), progress=progress)
        except PackError as error:
            raise CommandError(f"Refused: {error}") from None
        finally:
            for bar in bars.values():
                bar.close()
        verb = "created" if result.created else "updated"
        self.stdout.write(
            f"{result.course.title} (#{result.course.pk}) {verb}: {result.files} files, "
            f"{result.bytes} bytes"
        )
