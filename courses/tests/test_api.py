import json
import uuid

import pytest
from django.db.models import F
from django.test import Client
from django.utils import timezone

from courses.models import ActivityProgress, ProgressEvent
from courses.services.enrolment import enrolment_create
from tests.factories import served

URL = "/api/progress/events"


@pytest.fixture
def api(course_tree, learner):
    enrolment_create(learner=learner, course=course_tree.course)
    served(learner, *course_tree.activities)
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)
    client.get(course_tree.course.url)  # sets the CSRF cookie, as the lesson page does
    return client


def post(client, body, raw=False, **extra):
    data = body if raw else json.dumps(body)
    token = client.cookies["csrftoken"].value if "csrftoken" in client.cookies else ""
    return client.post(URL, data, content_type="application/json", HTTP_X_CSRFTOKEN=token, **extra)


def ev(activity, verb="viewed", **extra):
    return {
        "id": str(uuid.uuid4()),
        "activity": str(activity.pk),
        "verb": verb,
        "occurred_at": timezone.now().isoformat(),
        "payload": extra,
    }


def assert_nothing_stored():
    assert not ProgressEvent.objects.exists()
    assert not ActivityProgress.objects.exclude(status=ActivityProgress.Status.IN_PROGRESS).exists()
    assert not ActivityProgress.objects.filter(last_seen_at__gt=F("opened_at")).exists()


def test_batch_is_stored_and_progress_returned(api, course_tree):
    a = course_tree.activities[0]
    response = post(api, {"events": [ev(a), ev(a, "progressed", seconds=12), ev(a, "completed")]})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["stored"] == 3
    assert [e["status"] for e in body["events"]] == ["stored"] * 3
    assert body["courses"] == [
        {
            "course": course_tree.course.pk,
            "percent": 33,
            "completed": False,
            "newly_completed": False,
        }
    ]
    assert body["activities"] == [{"activity": str(a.pk), "completed": True}]


def test_resending_the_same_batch_is_harmless(api, course_tree):
    batch = {"events": [ev(course_tree.activities[0], "progressed", seconds=12)]}
    post(api, batch)
    response = post(api, batch)
    assert response.json()["stored"] == 0 and response.json()["duplicates"] == 1
    assert ActivityProgress.objects.get(activity=course_tree.activities[0]).seconds_spent == 12


def test_requires_login_and_csrf(course_tree, learner):
    anonymous = Client(enforce_csrf_checks=True)
    assert anonymous.post(URL, "{}", content_type="application/json").status_code in (401, 403)
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)
    response = client.post(
        URL,
        json.dumps({"events": [ev(course_tree.activities[0])]}),
        content_type="application/json",
    )
    assert response.status_code == 403
    assert_nothing_stored()


@pytest.mark.parametrize(
    "body, status, code",
    [
        ("not json", 400, "malformed"),
        ("[]", 400, "invalid"),
        ('{"events": []}', 400, "invalid"),
        ('{"events": "many"}', 400, "invalid"),
        ('{"events": [], "extra": 1}', 400, "invalid"),
    ],
)
def test_malformed_batches_get_a_reason(api, body, status, code):
    response = post(api, body, raw=True)
    assert response.status_code == status
    assert response.json()["error"] == code and response.json()["detail"]
    assert_nothing_stored()


def test_invalid_events_are_refused_one_by_one_with_their_field(api, course_tree):
    a = course_tree.activities[0]
    bad = ev(a)
    bad["verb"] = "hacked"
    naive = ev(a)
    naive["occurred_at"] = "2025-01-01T10:00:00"
    response = post(api, {"events": [ev(a), bad, naive, {"id": "x"}]})
    assert response.status_code == 200
    answers = response.json()["events"]
    assert [r["status"] for r in answers] == ["stored", "refused", "refused", "refused"]
    assert answers[1]["detail"].startswith("verb") and answers[1]["id"] == bad["id"]
    assert answers[2]["detail"].startswith("occurred_at")
    assert ProgressEvent.objects.count() == 1


def test_oversized_batches_are_refused(api, course_tree, settings):
    a = course_tree.activities[0]
    many = {"events": [ev(a) for _ in range(settings.PROGRESS_MAX_BATCH_EVENTS + 1)]}
    assert post(api, many).status_code == 413
    huge = {"events": [ev(a, "progressed", note="x" * (settings.PROGRESS_MAX_BATCH_BYTES + 10))]}
    response = post(api, huge)
    assert response.status_code == 413 and response.json()["error"] == "too_large"
    assert_nothing_stored()


def test_activity_of_a_course_not_enrolled_is_refused_alone(api, trainer, course_tree):
    from tests.factories import build_course

    other = build_course(trainer=trainer, title="Khóa khác", slug="khoa-khac")
    response = post(api, {"events": [ev(other.activities[0]), ev(course_tree.activities[0])]})
    assert response.status_code == 200
    first, second = response.json()["events"]
    assert (first["status"], first["code"]) == ("refused", "activity")
    assert second["status"] == "stored"
    assert not ProgressEvent.objects.filter(activity=other.activities[0]).exists()


def test_naming_another_learner_is_forbidden(api, course_tree, other_learner):
    event = ev(course_tree.activities[0])
    event["learner"] = other_learner.pk
    response = post(api, {"events": [event]})
    assert response.status_code == 403 and response.json()["error"] == "learner"
    assert_nothing_stored()


def test_payload_must_stay_small_and_flat(api, course_tree):
    a = course_tree.activities[0]
    deep = ev(a, "progressed", position={"a": {"b": {"c": 1}}})
    response = post(api, {"events": [deep]})
    assert response.json()["events"][0]["status"] == "refused"
    assert_nothing_stored()


def test_non_finite_numbers_are_malformed(api, course_tree):
    body = json.dumps({"events": [ev(course_tree.activities[0], "progressed", seconds=1)]})
    response = post(api, body.replace('"seconds": 1', '"seconds": NaN'), raw=True)
    assert response.status_code == 400 and response.json()["error"] == "malformed"
    assert_nothing_stored()


def test_naming_another_learner_at_batch_level_is_forbidden(
    api, course_tree, other_learner, learner
):
    response = post(api, {"learner": other_learner.pk, "events": [ev(course_tree.activities[0])]})
    assert response.status_code == 403
    assert_nothing_stored()
    response = post(api, {"learner": learner.username, "events": [ev(course_tree.activities[0])]})
    assert response.status_code == 200, "naming oneself is harmless"


def test_bogus_content_length_is_refused(api, course_tree):
    body = json.dumps({"events": [ev(course_tree.activities[0])]})
    response = post(api, body, raw=True, CONTENT_LENGTH="lots")
    assert response.status_code in (400, 413)
    assert_nothing_stored()


def event_with_payload(payload: str) -> str:
    """A batch as raw text: these payloads cannot be written with json.dumps."""
    return '{"events": [{"id": "' + str(uuid.uuid4()) + '", "payload": ' + payload + "}]}"


def deeply_nested(depth: int) -> str:
    return '{"events": [' + "[" * depth + "]" * depth + "]}"


@pytest.mark.parametrize(
    "body",
    [
        deeply_nested(20_000),
        event_with_payload('{"seconds": 1e400}'),
        event_with_payload('{"seconds": -1e400}'),
        event_with_payload('{"n": 1' + "0" * 30 + "}"),
        event_with_payload('{"note": "a\\u0000b"}'),
        event_with_payload('{"note": "\\ud800"}'),
        event_with_payload('{"\\udfff": 1}'),
    ],
    ids=["nested-20000", "inf", "-inf", "huge-int", "nul", "lone-surrogate", "surrogate-key"],
)
def test_hostile_json_is_refused_up_front(api, body):
    """Defect: these gave 500 (RecursionError, DataError) or a misleading 409."""
    response = post(api, body, raw=True)
    assert response.status_code == 400, response.content
    assert response.json()["error"] == "malformed" and response.json()["detail"]
    assert_nothing_stored()


def test_only_a_used_id_is_a_conflict(api, course_tree, other_learner):
    enrolment_create(learner=other_learner, course=course_tree.course)
    taken = ev(course_tree.activities[0])
    other = Client()
    other.force_login(other_learner)
    assert other.post(URL, json.dumps({"events": [taken]}), content_type="application/json")
    response = post(api, {"events": [taken]})
    answer = response.json()["events"][0]
    assert (answer["status"], answer["code"]) == ("refused", "event_id")
