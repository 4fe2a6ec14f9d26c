"""The progress-event endpoint the lesson pages (and later players) report to.

POST /api/progress/events with a JSON body ``{"events": [...]}``; each event carries
the client's own UUID, so a flaky link can resend a batch as often as it likes.
"""

import json
from datetime import UTC, datetime
from typing import Annotated, Literal
from uuid import UUID

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.views.decorators.http import require_POST
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .models import Verb
from .services.errors import ServiceError
from .services.progress import EventIn, progress_events_ingest

EARLIEST = datetime(2020, 1, 1, tzinfo=UTC)
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


class BatchSchema(BaseModel):
    model_config = ConfigDict(extra="forbid")

    events: list[EventSchema] = Field(min_length=1)


def _error(status: int, code: str, message: str, details=None) -> JsonResponse:
    body = {"error": code, "detail": message}
    if details:
        body["errors"] = details
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


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


@require_POST
def progress_events(request):
    if not request.user.is_authenticated:
        return _error(401, "unauthenticated", "Hãy đăng nhập lại.")
    # Before the body is read: a form's body (multipart) was already consumed by the
    # CSRF check, and reading it again would fail.
    if request.content_type != "application/json":
        return _error(415, "content_type", "Nội dung phải là JSON (application/json).")
    if _too_large(request):
        return _error(
            413, "too_large", f"Lô quá lớn (tối đa {settings.PROGRESS_MAX_BATCH_BYTES} byte)."
        )
    try:
        raw = json.loads(request.body, parse_constant=_refuse_constant)
    except (ValueError, UnicodeDecodeError):
        return _error(400, "malformed", "Nội dung không phải JSON hợp lệ.")
    if isinstance(raw, dict) and isinstance(raw.get("events"), list):
        if len(raw["events"]) > settings.PROGRESS_MAX_BATCH_EVENTS:
            return _error(
                413, "too_many", f"Tối đa {settings.PROGRESS_MAX_BATCH_EVENTS} sự kiện mỗi lô."
            )
        # Events are always the signed-in learner's own; naming anyone else is refused.
        for holder in [raw, *raw["events"]]:
            if isinstance(holder, dict) and "learner" in holder:
                if not _is_self(request.user, holder.pop("learner")):
                    return _error(403, "learner", "Không thể gửi sự kiện thay người học khác.")
    try:
        batch = BatchSchema.model_validate(raw)
    except ValidationError as exc:
        details = [
            {"field": ".".join(str(p) for p in err["loc"]), "message": err["msg"]}
            for err in exc.errors(include_url=False, include_input=False)
        ][:20]
        return _error(400, "invalid", "Lô sự kiện không hợp lệ.", details)
    events = [EventIn(e.id, e.activity, e.verb, e.occurred_at, e.payload) for e in batch.events]
    try:
        result = progress_events_ingest(learner=request.user, events=events)
    except ServiceError as error:
        return _error(error.status, error.code, error.message)
    return JsonResponse(
        {
            "stored": result.stored,
            "duplicates": result.duplicates,
            "courses": [
                {"course": c.course_id, "percent": c.percent, "completed": c.completed}
                for c in result.courses
            ],
        }
    )
