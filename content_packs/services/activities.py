"""A course's packages follow its reachable lessons: every package block of a lesson a
learner can open makes (once per package) an activity of the course."""

from courses.services.activities import (
    block_activities_retire_for_key,
    block_activities_sync,
    block_activities_sync_for_page,
)

from ..kind import PACKAGE

PACKAGE_BLOCK = "package"


def _package_of(block):
    return block.value.get("package") if block.block_type == PACKAGE_BLOCK else None


def package_activities_sync(course):
    return block_activities_sync(course, kind=PACKAGE, chosen=_package_of, marker="p")


def package_activities_sync_for_page(page) -> None:
    block_activities_sync_for_page(page, kind=PACKAGE, chosen=_package_of, marker="p")


def package_activities_retire_for_package(key) -> None:
    block_activities_retire_for_key(kind=PACKAGE, key=key)
