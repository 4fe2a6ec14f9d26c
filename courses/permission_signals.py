"""Keeping each course's trainer group in step with the course.

A course's trainers are a ParentalManyToManyField: the editor, a revision publish or a
script all store them through Django's many-to-many manager, so ``m2m_changed`` sees
every change of who teaches a course; the work itself is in the permissions service.
"""

from django.db.models.signals import m2m_changed, post_save, pre_delete
from django.dispatch import receiver

from .models import CoursePage
from .services.permissions import (
    course_trainers_sync,
    course_workspace_close,
    course_workspace_ensure,
)


@receiver(post_save, sender=CoursePage)
def course_saved(sender, instance, created, raw=False, update_fields=None, **kwargs):
    # Saving a draft touches only revision bookkeeping; nothing to rename or create.
    if not raw and (created or update_fields is None or "title" in update_fields):
        course_workspace_ensure(instance)


@receiver(m2m_changed, sender=CoursePage.trainers.through)
def course_trainers_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in ("post_add", "post_remove", "pre_clear", "post_clear"):
        return
    if not reverse:
        if action != "pre_clear":
            course_trainers_sync(instance)
        return
    # From the user's side (``user.taught_courses``): the courses it touched.
    if action == "pre_clear":
        instance._courses_before_clear = list(instance.taught_courses.all())
        return
    courses = (
        instance.__dict__.pop("_courses_before_clear", [])
        if action == "post_clear"
        else CoursePage.objects.filter(pk__in=pk_set)
    )
    for course in courses:
        course_trainers_sync(course)


@receiver(pre_delete, sender=CoursePage)
def course_deleted(sender, instance, **kwargs):
    course_workspace_close(instance)
