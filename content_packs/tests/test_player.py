"""The player's addresses and APIs: who gets a package, what its address opens, and how
hostile requests are answered."""

import json
import uuid

import pytest
from django.core import signing
from django.core.cache import cache
from django.urls import reverse

from content_packs.kind import PACKAGE
from content_packs.models import PackageState, Statement
from content_packs.selectors import TOKEN_SALT, play_token
from content_packs.services.packages import h5p_package_create
from content_packs.tests.testdata import H5P
from courses.models import Activity, ActivityProgress, CourseWorkspace
from courses.services.enrolment import enrolment_create, enrolment_withdraw

VALID = H5P / "valid"

pytestmark = pytest.mark.django_db


@pytest.fixture
def placed(settings, tmp_path, course_tree):
    settings.PRIVATE_ROOT = tmp_path / "private"
    collection = CourseWorkspace.objects.get(course=course_tree.course).collection
    with (VALID / "H5P.TrueFalse.h5p").open("rb") as source:
        package = h5p_package_create(source=source, collection=collection)
    lesson = course_tree.lessons[0]
    lesson.body = [
        *lesson.body.raw_data,
        {
            "type": "package",
            "value": {"title": "Đúng hay sai", "package": package.pk, "required": True},
        },
    ]
    lesson.save_revision().publish()
    return package, Activity.objects.get(kind=PACKAGE, source_ref__endswith=f":{package.key}")


def launch(client, activity):
    return client.get(reverse("package-launch", args=[activity.pk]))


def test_the_package_joins_the_course_as_a_required_activity(placed, course_tree):
    package, activity = placed
    assert activity.course_id == course_tree.course.pk and activity.required
    assert activity.title == "Đúng hay sai"


def test_only_enrolled_learners_and_the_course_trainers_get_an_address(
    client, placed, learner, other_learner, trainer, course_tree
):
    _package, activity = placed
    assert launch(client, activity).status_code == 404
    client.force_login(other_learner)
    assert launch(client, activity).status_code == 404
    client.force_login(learner)
    assert launch(client, activity).status_code == 404
    enrolment_create(learner=learner, course=course_tree.course)
    answer = launch(client, activity)
    assert answer.status_code == 200 and "/content/" in answer.json()["url"]
    client.force_login(trainer)
    assert launch(client, activity).status_code == 200


def test_the_address_opens_the_player_sandboxed_and_records_the_open(
    client, placed, learner, course_tree
):
    _package, activity = placed
    enrolment_create(learner=learner, course=course_tree.course)
    client.force_login(learner)
    url = launch(client, activity).json()["url"]
    client.logout()  # the frame carries no session: the address is the key
    player = client.get(url)
    assert player.status_code == 200
    assert player["Content-Security-Policy"].startswith("sandbox allow-scripts")
    assert "allow-same-origin" not in player["Content-Security-Policy"]
    assert player["Access-Control-Allow-Origin"] == "*"
    assert "Set-Cookie" not in player
    summary = ActivityProgress.objects.get(learner=learner, activity=activity)
    assert summary.opened_at is not None
    assert client.get(url + "h5p/h5p.json").status_code == 200
    assert client.get(url + "h5p/content/content.json").status_code == 200
    library = client.get(url + "h5p/libraries/H5P.TrueFalse-1.6/library.json")
    assert library.status_code == 200 and b"H5P.TrueFalse" in b"".join(library)


@pytest.mark.parametrize(
    "path",
    [
        "h5p/../h5p/h5p.json",
        "h5p/content/../../../etc/passwd",
        "h5p/content/missing.png",
        "h5p/libraries/H5P.TrueFalse-1.6/../H5P.Question-1.4/library.json",
        "h5p/libraries/H5P.Nope-1.0/library.json",
        "h5p/libraries/H5P.TrueFalse-1.6/",
        "anything",
    ],
)
def test_paths_outside_the_package_are_not_found(client, placed, learner, course_tree, path):
    _package, activity = placed
    enrolment_create(learner=learner, course=course_tree.course)
    client.force_login(learner)
    url = launch(client, activity).json()["url"]
    assert client.get(url + path).status_code == 404


def test_forged_expired_and_revoked_addresses_open_nothing(
    client, placed, learner, course_tree, settings
):
    _package, activity = placed
    enrolment = enrolment_create(learner=learner, course=course_tree.course)
    token = play_token(learner_id=learner.pk, activity_id=activity.pk)
    base = reverse("package-content", args=[token, ""])
    assert client.get(base + "h5p/h5p.json").status_code == 200
    forged = signing.dumps([learner.pk + 1, activity.pk.hex], salt="another", compress=False)
    assert client.get(reverse("package-content", args=[forged, ""])).status_code == 404
    assert client.get(base.replace(token, token[:-3] + "abc")).status_code == 404
    settings.CONTENT_TOKEN_SECONDS = -1
    assert client.get(base + "h5p/h5p.json").status_code == 404
    settings.CONTENT_TOKEN_SECONDS = 3600
    enrolment_withdraw(enrolment=enrolment)
    cache.clear()  # the right is checked again within a minute
    assert client.get(base + "h5p/h5p.json").status_code == 404
    other = signing.dumps([learner.pk, uuid.uuid4().hex], salt=TOKEN_SALT, compress=False)
    assert client.get(reverse("package-content", args=[other, ""])).status_code == 404


def statement(verb="answered", score=1, maximum=1, **extra):
    return {
        "id": str(uuid.uuid4()),
        "verb": {"id": f"http://adlnet.gov/expapi/verbs/{verb}"},
        "object": {"id": "urn:lms:activity:x"},
        "result": {"score": {"raw": score, "max": maximum}, "success": score == maximum},
        **extra,
    }


def post(client, activity, name, body, **kwargs):
    return client.post(
        reverse(f"package-{name}", args=[activity.pk]),
        body if isinstance(body, str | bytes) else json.dumps(body),
        content_type=kwargs.pop("content_type", "application/json"),
        **kwargs,
    )


def test_statements_are_kept_raw_and_a_score_counts_after_the_open(
    client, placed, learner, course_tree, settings
):
    settings.PACKAGE_MIN_SECONDS = 0
    _package, activity = placed
    enrolment_create(learner=learner, course=course_tree.course)
    client.force_login(learner)
    early = statement()
    answer = post(client, activity, "xapi", {"statement": early})
    assert answer.status_code == 200
    assert answer.json()["activities"][0]["waiting"], "never served: no completion"
    url = launch(client, activity).json()["url"]
    client.get(url)
    answer = post(client, activity, "xapi", {"statement": statement()})
    assert answer.json()["activities"][0]["completed"] is True
    summary = ActivityProgress.objects.get(learner=learner, activity=activity)
    assert summary.score == 1 and summary.max_score == 1
    assert Statement.objects.filter(learner=learner).count() == 2
    # Sub-questions and other verbs are kept, not scored.
    sub = statement(context={"contextActivities": {"parent": [{"id": "x"}]}})
    assert "event" not in post(client, activity, "xapi", {"statement": sub}).json()
    assert Statement.objects.filter(learner=learner).count() == 3


def test_a_resent_statement_changes_nothing_and_another_learners_id_is_refused(
    client, placed, learner, other_learner, course_tree
):
    _package, activity = placed
    enrolment_create(learner=learner, course=course_tree.course)
    enrolment_create(learner=other_learner, course=course_tree.course)
    client.force_login(learner)
    sent = statement()
    assert post(client, activity, "xapi", {"statement": sent}).status_code == 200
    again = post(client, activity, "xapi", {"statement": sent})
    assert again.json()["event"]["status"] == "duplicate"
    client.force_login(other_learner)
    assert post(client, activity, "xapi", {"statement": sent}).status_code == 409
    assert Statement.objects.count() == 1


@pytest.mark.parametrize(
    "body, status",
    [
        ("not json", 400),
        ("[" * 20_000 + "]" * 20_000, 400),
        ('{"statement": {"verb": {"id": 1e400}}}', 400),
        ('{"statement": {"verb": {"id": "x\\u0000"}}}', 400),
        ({"statement": []}, 400),
        ({"statement": {"verb": {}}}, 400),
        ({"statement": {"id": "not-a-uuid", "verb": {"id": "x"}}}, 400),
        ({"statement": statement(score=5, maximum=0)}, 200),
    ],
)
def test_hostile_statements_get_a_reason_and_store_nothing_wrong(
    client, placed, learner, course_tree, body, status
):
    _package, activity = placed
    enrolment_create(learner=learner, course=course_tree.course)
    client.force_login(learner)
    answer = post(client, activity, "xapi", body)
    assert answer.status_code == status
    if status != 200:
        assert answer.json()["detail"]
        assert Statement.objects.count() == 0
    assert not ActivityProgress.objects.filter(learner=learner, score__isnull=False).exists()


def test_statements_need_a_session_json_and_an_enrolment(client, placed, learner, course_tree):
    _package, activity = placed
    assert post(client, activity, "xapi", {"statement": statement()}).status_code == 401
    client.force_login(learner)
    assert post(client, activity, "xapi", {"statement": statement()}).status_code == 404
    enrolment_create(learner=learner, course=course_tree.course)
    form = post(client, activity, "xapi", "a=b", content_type="application/x-www-form-urlencoded")
    assert form.status_code == 415
    assert Statement.objects.count() == 0


def test_state_is_saved_per_learner_and_bounded(client, placed, learner, course_tree):
    _package, activity = placed
    enrolment_create(learner=learner, course=course_tree.course)
    client.force_login(learner)
    saved = {"contentUserData": {"0": {"state": '{"answers":[1]}'}}}
    assert post(client, activity, "state", {"state": saved}).status_code == 200
    assert PackageState.objects.get(learner=learner, activity=activity).state == saved
    huge = {"state": {"x": "y" * 300_000}}
    assert post(client, activity, "state", huge).status_code in (400, 413)
    assert post(client, activity, "state", {"state": "text"}).status_code == 400
    assert PackageState.objects.get(learner=learner, activity=activity).state == saved
    url = launch(client, activity).json()["url"]
    assert b"answers" in client.get(url).content, "the player starts from it"


def test_with_an_origin_of_their_own_package_files_are_only_served_there(
    client, placed, learner, course_tree, settings
):
    settings.CONTENT_ORIGIN = "http://noidung.testserver"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "noidung.testserver"]
    _package, activity = placed
    enrolment_create(learner=learner, course=course_tree.course)
    client.force_login(learner)
    url = launch(client, activity).json()["url"]
    assert url.startswith("http://noidung.testserver/content/")
    path = url.removeprefix("http://noidung.testserver")
    assert client.get(path).status_code == 404, "not on the LMS's own origin"
    player = client.get(path, HTTP_HOST="noidung.testserver")
    assert player.status_code == 200
    # The LMS's pages are never served on the package files' origin.
    elsewhere = client.get("/accounts/profile/", HTTP_HOST="noidung.testserver")
    assert elsewhere.status_code == 301
    assert not elsewhere["Location"].startswith("http://noidung.testserver")


def test_a_changed_pass_mark_applies_to_the_next_answer(
    client, placed, learner, course_tree, settings, django_capture_on_commit_callbacks
):
    settings.PACKAGE_MIN_SECONDS = 0
    package, activity = placed
    package.pass_percent = 100
    with django_capture_on_commit_callbacks(execute=True):
        package.save()
    enrolment_create(learner=learner, course=course_tree.course)
    client.force_login(learner)
    client.get(launch(client, activity).json()["url"])
    half = post(client, activity, "xapi", {"statement": statement(score=1, maximum=2)})
    assert half.json()["activities"][0]["completed"] is False
    package.pass_percent = 50
    with django_capture_on_commit_callbacks(execute=True):
        package.save()
    again = post(client, activity, "xapi", {"statement": statement(score=1, maximum=2)})
    assert again.json()["activities"][0]["completed"] is True


def test_the_exercise_shows_in_the_outline_and_my_learning(client, placed, learner, course_tree):
    _package, activity = placed
    enrolment_create(learner=learner, course=course_tree.course)
    client.force_login(learner)
    outline = client.get(course_tree.course.url).content.decode()
    assert "kind-package" in outline and "Đúng hay sai" in outline
    assert f"#package-{activity.pk}" in outline
    mine = client.get(reverse("my-learning")).content.decode()
    assert course_tree.course.title in mine


def test_a_trainer_trying_the_exercise_leaves_no_progress(client, placed, trainer):
    _package, activity = placed
    client.force_login(trainer)
    url = launch(client, activity).json()["url"]
    assert client.get(url).status_code == 200
    assert not ActivityProgress.objects.filter(learner=trainer).exists()
