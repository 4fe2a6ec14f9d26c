"""A session's activity follows the session: published, edited, unpublished, deleted."""

from courses.services.activities import activity_register, activity_retire

from ..kind import LIVE
from ..models import LiveSession


def live_session_activity_sync(session: LiveSession) -> None:
    if not session.published:
        activity_retire(kind=LIVE, source_ref=str(session.pk))
        return
    anchor = session.module.path if session.module is not None else session.course.path
    activity_register(
        course=session.course,
        kind=LIVE,
        source_ref=str(session.pk),
        title=session.title,
        module=session.module,
        required=session.required,
        # After the module's lessons and quizzes, in the order the sessions happen.
        position=f"{anchor}~~{session.starts_at:%Y%m%d%H%M}",
    )


def live_session_activity_retire(session_id: int) -> None:
    activity_retire(kind=LIVE, source_ref=str(session_id))
