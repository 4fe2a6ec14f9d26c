"""After a session: the host publishes its recording as a replay lesson of the course,
with the chat as its transcript. The file goes into the course's own (private)
collection, and the lesson is an ordinary lesson: outline, progress, access rules."""

import tempfile
from pathlib import Path

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _
from wagtail.models import Collection

from cms.media.services import media_asset_create
from cms.slugs import slugify_vi
from courses.models import LessonPage, ModulePage
from lms.errors import ServiceError

from ..models import ChatMessage, LiveSession

MAX_RECORDING_BYTES = 1024 * 1024 * 1024


def replay_publish(
    session: LiveSession, upload: UploadedFile, *, module: ModulePage, user
) -> LessonPage:
    if session.ended_at is None:
        raise ServiceError(_("Buổi học chưa kết thúc."), code="not_ended")
    if session.replay_lesson_id is not None:
        raise ServiceError(_("Buổi học đã có bài xem lại."), code="exists")
    if not module.path.startswith(session.course.path) or module.depth != session.course.depth + 1:
        raise ServiceError(_("Hãy chọn một học phần của khóa học này."), code="invalid")
    if not module.permissions_for_user(user).can_add_subpage():
        raise ServiceError(_("Bạn không có quyền thêm bài vào học phần này."), code="forbidden")
    extension = Path(upload.name or "").suffix.lower().lstrip(".")
    if upload.size is None or upload.size > MAX_RECORDING_BYTES:
        raise ServiceError(_("Tệp quá lớn (tối đa 1 GB)."), code="too_large")
    with tempfile.NamedTemporaryFile(suffix=f".{extension}") as scratch:
        for chunk in upload.chunks():
            scratch.write(chunk)
        scratch.flush()
        return _publish(session, module, user, Path(scratch.name), extension)


def _publish(
    session: LiveSession, module: ModulePage, user, source: Path, extension: str
) -> LessonPage:
    title = _("Xem lại: %(title)s") % {"title": session.title}
    transcript = "\n".join(
        f"{m.name}: {m.text}"
        for m in ChatMessage.objects.filter(session=session, deleted_at__isnull=True).order_by("pk")
    )
    workspace = getattr(session.course, "workspace", None)
    with transaction.atomic():
        # The recording goes through the media pipeline like any upload: probed (a file
        # that is no recording is refused here), then made playable on a weak link.
        asset = media_asset_create(
            title=title,
            source=source,
            filename=f"xem-lai-{session.pk}.{extension}",
            collection=workspace.collection if workspace else Collection.get_first_root_node(),
            user=user,
        )
        value = {"title": title, asset.type: asset.pk, "transcript": transcript[:20000]}
        lesson = LessonPage(
            title=title,
            slug=_free_slug(module, slugify_vi(title) or f"xem-lai-{session.pk}"),
            required=False,
            body=[{"type": asset.type, "value": value}],
        )
        module.add_child(instance=lesson)
        lesson.save_revision(user=user).publish(user=user)
        LiveSession.objects.filter(pk=session.pk).update(replay_lesson=lesson)
    return lesson


def _free_slug(parent: ModulePage, slug: str) -> str:
    taken = set(parent.get_children().values_list("slug", flat=True))
    candidate, n = slug[:240], 2
    while candidate in taken:
        candidate, n = f"{slug[:236]}-{n}", n + 1
    return candidate
