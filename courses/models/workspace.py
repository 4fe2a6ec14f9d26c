from django.contrib.auth.models import Group
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.models import Collection


class CourseWorkspace(models.Model):
    """What a course's trainers work with in the admin: the group that holds their
    page and media permissions on this course only, and the collection of its media.

    Kept after the course is deleted (``course`` becomes empty) so that the media left
    in its collection stay private: no course means nobody but admins gets them.
    """

    course = models.OneToOneField(
        "courses.CoursePage",
        null=True,
        on_delete=models.SET_NULL,
        related_name="workspace",
        verbose_name=_("khóa học"),
    )
    group = models.OneToOneField(
        Group, null=True, on_delete=models.SET_NULL, related_name="course_workspace"
    )
    collection = models.OneToOneField(
        Collection, on_delete=models.CASCADE, related_name="course_workspace"
    )

    class Meta:
        verbose_name = _("không gian khóa học")
        verbose_name_plural = _("không gian khóa học")

    def __str__(self) -> str:
        return self.collection.name
