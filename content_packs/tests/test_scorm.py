"""SCORM packages: uploads checked whole and stored; commits kept per attempt and mapped
to the learner's progress; pages served with the runtime in front of their scripts."""

import io
import json

import pytest
from django.urls import reverse

from cms.media.storage import media_storage, walk
from content_packs.archive import PackageError
from content_packs.kind import PACKAGE
from content_packs.models import Package, ScormAttempt
from content_packs.services.packages import package_create
from content_packs.services.scorm import scorm_outcome
from content_packs.tests.scorm_samples import build_scorm_package, build_zip, sample_manifest
from courses.models import Activity, ActivityProgress, CourseWorkspace
from courses.services.enrolment import enrolment_create

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    settings.PRIVATE_ROOT = tmp_path / "private"


@pytest.fixture
def collection(course_tree):
    return CourseWorkspace.objects.get(course=course_tree.course).collection


def create(data: bytes, collection) -> Package:
    return package_create(source=io.BytesIO(data), collection=collection)


@pytest.mark.parametrize(
    "version, edition, kind, percent",
    [
        ("1.2", "4th", "scorm12", 80),
        ("2004", "3rd", "scorm2004", 80),
        ("2004", "4th", "scorm2004", 80),
    ],
)
def test_scorm_packages_of_both_versions_are_stored(collection, version, edition, kind, percent):
    package = create(build_scorm_package(version, edition=edition), collection)
    assert package.kind == kind and package.launch == "index.html"
    assert package.pass_percent == pytest.approx(percent) and package.scored
    names = set(walk(media_storage(), package.storage_prefix))
    assert f"{package.storage_prefix}/index.html" in names
    assert f"{package.storage_prefix}/imsmanifest.xml" in names


def test_without_a_mastery_score_a_package_completes_on_its_own_word(collection):
    package = create(build_scorm_package("1.2", mastery_score=None), collection)
    assert package.pass_percent is None and not package.scored


def unzip(data: bytes) -> dict[str, bytes]:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.mark.parametrize(
    "change, reason",
    [
        (lambda e: e.pop("imsmanifest.xml"), "imsmanifest.xml"),
        (lambda e: e.pop("index.html"), "index.html"),
        (lambda e: e.__setitem__("imsmanifest.xml", b"<manifest"), "XML"),
        (lambda e: e.__setitem__("run.exe", b"MZ\x90\x00"), "đuôi không được phép"),
        (lambda e: e.__setitem__("server.php", b"<?php"), "đuôi không được phép"),
        (lambda e: e.__setitem__("../escape.html", b"<p>"), "ra ngoài"),
        (lambda e: e.__setitem__("logo.png", b"GIF89a"), "không khớp"),
        (
            lambda e: e.__setitem__(
                "imsmanifest.xml",
                sample_manifest("1.2")
                .replace('href="index.html"', 'href="../../etc/passwd"')
                .encode(),
            ),
            "passwd",
        ),
        (
            lambda e: e.__setitem__(
                "imsmanifest.xml",
                b'<?xml version="1.0"?><!DOCTYPE m [<!ENTITY x "y">]><manifest/>',
            ),
            "",
        ),
    ],
)
def test_broken_and_hostile_scorm_packages_are_refused_and_leave_nothing(
    collection, change, reason
):
    entries = unzip(build_scorm_package("2004"))
    change(entries)
    with pytest.raises(PackageError) as refused:
        create(build_zip(entries), collection)
    assert reason in refused.value.message
    assert Package.objects.count() == 0
    assert list(walk(media_storage(), "packages")) == []


@pytest.mark.parametrize(
    "kind, cmi, expected",
    [
        (
            "scorm12",
            {"core": {"lesson_status": "passed", "score": {"raw": "90", "max": "100"}}},
            {"completion": "completed", "success": "passed", "raw": 90.0, "max": 100.0},
        ),
        (
            "scorm12",
            {"core": {"lesson_status": "incomplete", "score": {"raw": ""}}},
            {"completion": "incomplete", "success": "", "raw": None, "max": None},
        ),
        (
            "scorm2004",
            {
                "completion_status": "completed",
                "success_status": "failed",
                "score": {"scaled": "0.2"},
            },
            {"completion": "completed", "success": "failed", "raw": 20.0, "max": 100.0},
        ),
        (
            "scorm2004",
            {"completion_status": "unknown", "success_status": "nonsense", "score": {"raw": "NaN"}},
            {"completion": "unknown", "success": "", "raw": None, "max": None},
        ),
    ],
)
def test_what_scorm_states_is_read_in_one_shape(kind, cmi, expected):
    assert scorm_outcome(kind, cmi) == expected


@pytest.fixture
def placed(collection, course_tree):
    package = create(build_scorm_package("1.2"), collection)
    lesson = course_tree.lessons[0]
    lesson.body = [
        *lesson.body.raw_data,
        {"type": "package", "value": {"title": "SCORM", "package": package.pk, "required": True}},
    ]
    lesson.save_revision().publish()
    return package, Activity.objects.get(kind=PACKAGE, source_ref__endswith=f":{package.key}")


def commit(client, activity, body):
    return client.post(
        reverse("package-scorm", args=[activity.pk]),
        body if isinstance(body, str) else json.dumps(body),
        content_type="application/json",
    )


def test_the_launch_page_carries_the_runtime_and_the_learners_place(
    client, placed, learner, course_tree
):
    _package, activity = placed
    enrolment_create(learner=learner, course=course_tree.course)
    client.force_login(learner)
    commit(
        client,
        activity,
        {
            "cmi": {
                "core": {"lesson_location": "p-3", "exit": "suspend"},
                "suspend_data": "</script><b>",
            }
        },
    )
    url = client.get(reverse("package-launch", args=[activity.pk])).json()["url"]
    client.logout()
    start = client.get(url)
    assert start.status_code == 302 and start["Location"].endswith("/sco/index.html")
    page = client.get(start["Location"])
    html = page.content.decode()
    assert page["Content-Security-Policy"].startswith("sandbox allow-scripts")
    assert html.index("scorm12.min.js") < html.index("sco.js"), "the runtime comes first"
    assert '"lesson_location": "p-3"' in html and '"entry": "resume"' in html
    assert "</script><b>" not in html, "what the content kept cannot break out of the page"
    assert ActivityProgress.objects.get(learner=learner, activity=activity).opened_at


def test_commits_are_kept_per_attempt_and_counted_once(
    client, placed, learner, course_tree, settings
):
    settings.PACKAGE_MIN_SECONDS = 0
    _package, activity = placed
    enrolment_create(learner=learner, course=course_tree.course)
    client.force_login(learner)
    url = client.get(reverse("package-launch", args=[activity.pk])).json()["url"]
    client.get(client.get(url)["Location"])
    passed = {"cmi": {"core": {"lesson_status": "passed", "score": {"raw": "85", "max": "100"}}}}
    answer = commit(client, activity, passed)
    assert answer.status_code == 200 and answer.json()["activities"][0]["completed"] is True
    assert commit(client, activity, passed).status_code == 200
    assert ScormAttempt.objects.get(learner=learner).success_status == "passed"
    assert activity.events.filter(verb="scored").count() == 1, "a resent commit is a duplicate"
    summary = ActivityProgress.objects.get(learner=learner, activity=activity)
    assert (summary.score, summary.passed) == (85, True)


@pytest.mark.parametrize(
    "body, status",
    [
        ("nope", 400),
        ({"cmi": "x"}, 400),
        ({"cmi": {"suspend_data": "x" * 300_000}}, 400),
        ('{"cmi": {"core": {"score": {"raw": 1e999}}}}', 400),
    ],
)
def test_hostile_commits_are_refused_and_change_nothing(
    client, placed, learner, course_tree, body, status
):
    _package, activity = placed
    enrolment_create(learner=learner, course=course_tree.course)
    client.force_login(learner)
    assert commit(client, activity, body).status_code in (status, 413)
    assert not ScormAttempt.objects.exists()


def test_commits_need_an_enrolment(client, placed, learner):
    _package, activity = placed
    client.force_login(learner)
    assert commit(client, activity, {"cmi": {}}).status_code == 404
    assert not ScormAttempt.objects.exists()


def test_a_finished_attempt_makes_the_next_session_a_new_attempt(
    client, placed, learner, course_tree
):
    _package, activity = placed
    enrolment_create(learner=learner, course=course_tree.course)
    client.force_login(learner)
    finished = {
        "attempt": 1,
        "cmi": {
            "core": {"lesson_status": "passed", "lesson_location": "p-9", "exit": ""},
            "suspend_data": "xong",
        },
    }
    assert commit(client, activity, finished).status_code == 200
    url = client.get(reverse("package-launch", args=[activity.pk])).json()["url"]
    page = client.get(client.get(url)["Location"]).content.decode()
    assert '"attempt": 2' in page and "p-9" not in page, "a new attempt starts afresh"
    second = {"attempt": 2, "cmi": {"core": {"lesson_status": "incomplete"}}}
    assert commit(client, activity, second).status_code == 200
    assert list(
        ScormAttempt.objects.filter(learner=learner)
        .order_by("number")
        .values_list("number", "completion_status")
    ) == [(1, "completed"), (2, "incomplete")]
    for stale in (1, 5):
        refused = commit(client, activity, {"attempt": stale, "cmi": {}})
        assert refused.status_code == 400 and refused.json()["detail"]
    assert ScormAttempt.objects.get(learner=learner, number=1).cmi["suspend_data"] == "xong"


def test_pages_in_a_legacy_code_page_are_accepted_but_binaries_are_not(collection):
    entries = unzip(build_scorm_package("1.2"))
    entries["glossary.html"] = "<html><body>Caf\u00e9 \u00e0 la carte</body></html>".encode(
        "cp1252"
    )
    package = create(build_zip(entries), collection)
    assert "glossary.html" in package.files
    entries["tool.js"] = b"\x7fELF\x02\x01\x01" + bytes(64)
    with pytest.raises(PackageError, match="tool.js"):
        create(build_zip(entries), collection)
