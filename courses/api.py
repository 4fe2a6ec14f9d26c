"""The progress-event endpoint the lesson pages (and later players) report to.

POST /api/progress/events with a JSON body ``{"events": [...]}``; each event carries
the client's own UUID, so a flaky link can resend a batch as often as it likes. Every
event gets its own answer (stored, duplicate, refused with the reason), so the client
forgets exactly what the server settled.
"""

import json
import math
import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from lms.errors import ServiceError
from lms.http import error_response, json_error

from .models import ActivityProgress, Verb
from .services.progress import REFUSED, EventIn, EventResult, progress_events_ingest
from .views import congratulate

EARLIEST = datetime(2020, 1, 1, tzinfo=UTC)
LARGEST_INT = 2**53
LONE_SURROGATE = re.compile("[\ud800-\udfff]")
Scalar = float | int | str | bool | None


class EventSchema(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=False)

    id: UUID
    activity: UUID
    verb: Literal[tuple(Verb.values)]  # type: ignore[valid-type]
    occurred_at: datetime
    payload: dict[Annotated[str, Field(max_length=40)], Scalar | dict[str, Scalar]] = Field(
        default_factory=dict, max_length=20
    )

    @field_validator("occurred_at")
    @classmethod
    def _aware_and_plausible(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("occurred_at needs a time zone")
        if value < EARLIEST:
            raise ValueError("occurred_at is before 2020")
        return value


class Refused(ValueError):
    """A body that is JSON to Python but not data the store can hold."""


def _refuse_constant(name: str):
    raise Refused(_("%(n)s không phải là số JSON hợp lệ.") % {"n": name})


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise Refused(_("Số quá lớn: %(t)s.") % {"t": text[:20]})
    return value


def _bounded_int(text: str) -> int:
    value = int(text)
    if abs(value) > LARGEST_INT:
        raise Refused(_("Số nguyên quá lớn."))
    return value


def _check_strings(value: Any) -> None:
    """NUL and lone surrogates: valid JSON escapes that no database text column keeps."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            if "\x00" in item:
                raise Refused(_("Chuỗi chứa ký tự NUL."))
            if LONE_SURROGATE.search(item):
                raise Refused(_("Chuỗi chứa ký tự Unicode không hợp lệ (surrogate đơn lẻ)."))


def parse_json(body: bytes) -> Any:
    """The body as data, or ``Refused``/``ValueError`` with the reason."""
    try:
        data = json.loads(
            body,
            parse_constant=_refuse_constant,
            parse_float=_finite_float,
            parse_int=_bounded_int,
        )
    except RecursionError as exc:
        raise Refused(_("JSON lồng nhau quá sâu.")) from exc
    _check_strings(data)
    return data


def _is_self(user, named) -> bool:
    return str(named) in (str(user.pk), user.get_username())


def _too_large(request) -> bool:
    """Judged by the declared length first, so an oversized body is never read."""
    limit = settings.PROGRESS_MAX_BATCH_BYTES
    try:
        if int(request.META.get("CONTENT_LENGTH") or 0) > limit:
            return True
        return len(request.body) > limit
    except (ValueError, RequestDataTooBig):
        return True


def _validate(raw_events: list) -> tuple[list[EventIn], dict[int, EventResult]]:
    """Each event on its own: a malformed one is refused, the others go on."""
    valid: list[EventIn] = []
    refused: dict[int, EventResult] = {}
    for index, raw in enumerate(raw_events):
        try:
            e = EventSchema.model_validate(raw)
        except ValidationError as exc:
            first = exc.errors(include_url=False, include_input=False)[0]
            where = ".".join(str(p) for p in first["loc"])
            raw_id = raw.get("id") if isinstance(raw, dict) else None
            refused[index] = EventResult(
                raw_id if isinstance(raw_id, str) else None,
                REFUSED,
                "invalid",
                f"{where}: {first['msg']}" if where else first["msg"],
            )
            continue
        valid.append(EventIn(e.id, e.activity, e.verb, e.occurred_at, e.payload))
    return valid, refused


@require_POST
def progress_events(request):
    if not request.user.is_authenticated:
        return json_error(401, "unauthenticated", _("Hãy đăng nhập lại."))
    # Before the body is read: a form's body (multipart) was already consumed by the
    # CSRF check, and reading it again would fail.
    if request.content_type != "application/json":
        return json_error(415, "content_type", _("Nội dung phải là JSON (application/json)."))
    if _too_large(request):
        return json_error(
            413,
            "too_large",
            _("Lô quá lớn (tối đa %(n)s byte).") % {"n": settings.PROGRESS_MAX_BATCH_BYTES},
        )
    try:
        raw = parse_json(request.body)
    except Refused as exc:
        return json_error(400, "malformed", str(exc))
    except (ValueError, UnicodeDecodeError):
        return json_error(400, "malformed", _("Nội dung không phải JSON hợp lệ."))
    if not isinstance(raw, dict) or not isinstance(raw.get("events"), list) or not raw["events"]:
        return json_error(400, "invalid", _("Cần một đối tượng có danh sách “events” không rỗng."))
    if set(raw) - {"events", "learner"}:
        return json_error(400, "invalid", _("Lô sự kiện có trường không được phép."))
    if len(raw["events"]) > settings.PROGRESS_MAX_BATCH_EVENTS:
        return json_error(
            413,
            "too_many",
            _("Tối đa %(n)s sự kiện mỗi lô.") % {"n": settings.PROGRESS_MAX_BATCH_EVENTS},
        )
    # Events are always the signed-in learner's own; naming anyone else is refused.
    for holder in [raw, *raw["events"]]:
        if isinstance(holder, dict) and "learner" in holder:
            if not _is_self(request.user, holder.pop("learner")):
                return json_error(403, "learner", _("Không thể gửi sự kiện thay người học khác."))

    valid, refused = _validate(raw["events"])
    answers: list[EventResult] = []
    courses, activities = [], []
    if valid:
        try:
            result = progress_events_ingest(learner=request.user, events=valid)
        except ServiceError as error:
            return error_response(error)
        answers = list(result.events)
        courses, activities = result.courses, result.activities
        congratulate(request, [c.course_id for c in courses if c.newly_completed])
    ordered = iter(answers)
    results = [refused[i] if i in refused else next(ordered) for i in range(len(raw["events"]))]
    return JsonResponse(
        {
            "events": [
                {"id": str(r.id) if r.id else None, "status": r.status}
                | ({"code": r.code, "detail": r.detail} if r.code else {})
                for r in results
            ],
            "stored": sum(r.status == "stored" for r in results),
            "duplicates": sum(r.status == "duplicate" for r in results),
            "refused": sum(r.status == REFUSED for r in results),
            "courses": [
                {
                    "course": c.course_id,
                    "percent": c.percent,
                    "completed": c.completed,
                    "newly_completed": c.newly_completed,
                }
                for c in courses
            ],
            "activities": [
                {
                    "activity": str(a.activity_id),
                    "completed": a.status == ActivityProgress.Status.COMPLETED,
                }
                | ({"waiting": a.waiting} if a.waiting else {})
                for a in activities
            ],
        },
        json_dumps_params={"ensure_ascii": False},
    )
