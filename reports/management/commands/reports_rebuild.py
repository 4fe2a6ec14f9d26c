"""Rebuild the report rollups from the progress summaries, or check them against a rebuild."""

from django.core.management.base import BaseCommand, CommandError

from reports.services.rollups import rollups_check, rollups_drain_all, rollups_rebuild


class Command(BaseCommand):
    help = (
        "Recompute every report rollup from the progress summaries. With --check, write "
        "nothing and say whether the incrementally kept rollups equal a rebuild."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="compare instead of rebuilding (queued changes are folded in first)",
        )

    def handle(self, *args, check: bool = False, **options):
        if check:
            drained = rollups_drain_all()
            result = rollups_check()
            self.stdout.write(
                f"queued changes folded first: {drained}; facts checked: "
                f"{result.facts_checked}; facts differing: {len(result.facts_differing)}; "
                f"cells missing: {result.cells_missing}; cells extra: {result.cells_extra}"
            )
            if not result.equal:
                for learner, course in result.facts_differing:
                    self.stdout.write(f"  differs: learner {learner}, course {course}")
                raise CommandError("The rollups differ from a rebuild.")
            self.stdout.write(self.style.SUCCESS("The rollups equal a rebuild."))
            return
        result = rollups_rebuild()
        self.stdout.write(
            self.style.SUCCESS(f"Rebuilt: {result.facts} enrolments, {result.cells} cells.")
        )
