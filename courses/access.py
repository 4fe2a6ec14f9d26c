"""Access checks on course material outside the page tree."""

from wagtail.models import Collection

from lms.roles import is_admin, is_trainer

from .models import CoursePage, CourseWorkspace, Enrolment


def _owning_workspace(collection: Collection) -> CourseWorkspace | None:
    # A course's collection, or one an admin made inside it.
    steplen = Collection.steplen
    paths = [collection.path[:end] for end in range(steplen, len(collection.path) + 1, steplen)]
    return (
        CourseWorkspace.objects.filter(collection__path__in=paths)
        .order_by("-collection__depth")
        .first()
    )


def access_course_media(user, collection: Collection) -> bool:
    """Whether ``user`` may download a file kept in ``collection``.

    Media in a course's collection go to the course's enrolled learners (withdrawn ones
    no longer), its trainers and admins; those of a deleted course to admins only. Media
    outside every course (the e-library, say) are not decided here.
    """
    workspace = _owning_workspace(collection)
    if workspace is None or is_admin(user):
        return True
    if workspace.course_id is None or not user.is_authenticated:
        return False
    enrolled = Enrolment.objects.filter(
        learner=user, course_id=workspace.course_id, status=Enrolment.Status.ACTIVE
    )
    return enrolled.exists() or (
        is_trainer(user)
        and CoursePage.objects.filter(pk=workspace.course_id, trainers=user).exists()
    )
