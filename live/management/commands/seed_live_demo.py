"""A demo live class for the demo Tày course, open to join now, and one for tomorrow.

Safe to run again (bin/run runs it at every start): it adds only what is missing, so
the demo always has a class to walk into.
"""

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from courses.models import CoursePage
from live.models import LiveSession

COURSE = "tieng-tay-giao-tiep-co-ban"
TODAY = "Lớp trực tuyến: luyện chào hỏi"
TOMORROW = "Lớp trực tuyến: hỏi đường"


class Command(BaseCommand):
    help = "Add demo live sessions to the demo Tày course (run after seed_demo)."

    def handle(self, *args, **options):
        course = CoursePage.objects.filter(slug=COURSE).first()
        if course is None:
            return
        now = timezone.now().replace(second=0, microsecond=0)
        made = 0
        upcoming = LiveSession.objects.filter(course=course, ended_at__isnull=True, ends_at__gt=now)
        if not upcoming.filter(title=TODAY).exists():
            LiveSession.objects.create(
                course=course,
                title=TODAY,
                description="Cô giáo đọc, cả lớp nói theo; câu hỏi nhanh cuối buổi.",
                starts_at=now + timedelta(minutes=5),
                ends_at=now + timedelta(hours=2),
                join_before_minutes=15,
            )
            made += 1
        if not upcoming.filter(title=TOMORROW).exists():
            LiveSession.objects.create(
                course=course,
                title=TOMORROW,
                starts_at=now + timedelta(days=1),
                ends_at=now + timedelta(days=1, hours=1),
            )
            made += 1
        self.stdout.write(f"Demo live sessions added: {made}")
