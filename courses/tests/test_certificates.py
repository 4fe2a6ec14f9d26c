import subprocess
from datetime import datetime
from urllib.parse import quote

import pytest
from django.utils import timezone

from courses.models import ActivityProgress, Certificate, CourseProgress, Enrolment
from courses.services.certificates import certificate_file, certificate_issue
from courses.services.enrolment import enrolment_create
from courses.services.errors import ServiceError
from tests.factories import finished


@pytest.fixture
def completed(course_tree, learner, settings, tmp_path):
    settings.PRIVATE_ROOT = tmp_path
    enrolment = enrolment_create(learner=learner, course=course_tree.course)
    finished(learner, *[a for a in course_tree.activities if a.required])
    return Enrolment.objects.get(pk=enrolment.pk)


def pdf_text(path) -> str:
    return subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_certificate_pdf_carries_vietnamese_name_title_and_code(completed, learner):
    learner.learner_profile.full_name = "Hoàng Thị Hằng Nguyễn"
    learner.learner_profile.save()
    certificate = certificate_issue(enrolment_id=completed.pk)
    path = certificate_file(certificate)
    assert path.read_bytes().startswith(b"%PDF")
    text = pdf_text(path)
    assert "Hoàng Thị Hằng Nguyễn" in text
    assert "Tiếng Tày giao tiếp cơ bản" in text
    assert certificate.code in text
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
    assert "noto-serif" in fonts.lower(), "fonts come from the project's own files"


def test_issuing_again_is_idempotent(completed):
    first = certificate_issue(enrolment_id=completed.pk)
    path = certificate_file(first)
    mtime = path.stat().st_mtime_ns
    again = certificate_issue(enrolment_id=completed.pk)
    assert again.pk == first.pk and again.code == first.code
    assert path.stat().st_mtime_ns == mtime, "an existing PDF is not rendered again"
    assert Certificate.objects.count() == 1


def test_regenerating_keeps_the_code_and_rewrites_the_file(completed):
    first = certificate_issue(enrolment_id=completed.pk)
    certificate_file(first).unlink()
    again = certificate_issue(enrolment_id=completed.pk)
    assert again.code == first.code and certificate_file(again).exists()
    forced = certificate_issue(enrolment_id=completed.pk, regenerate=True)
    assert forced.code == first.code and forced.pdf_generated_at > first.pdf_generated_at


def test_unfinished_course_gets_no_certificate(course_tree, learner):
    enrolment = enrolment_create(learner=learner, course=course_tree.course)
    with pytest.raises(ServiceError):
        certificate_issue(enrolment_id=enrolment.pk)
    assert not Certificate.objects.exists()


def test_verification_page_is_public_and_exact(client, completed):
    certificate = certificate_issue(enrolment_id=completed.pk)
    response = client.get(f"/verify/{certificate.code}/")
    assert response.status_code == 200
    assert certificate.learner_name in response.content.decode()
    assert client.get("/verify/LS-AAAAA-BBBBB/").status_code == 404


def test_only_the_owner_and_scoped_staff_download_the_pdf(
    client, completed, other_learner, learner
):
    certificate = certificate_issue(enrolment_id=completed.pk)
    url = f"/certificates/{certificate.code}.pdf"
    client.force_login(other_learner)
    assert client.get(url).status_code == 404
    client.force_login(learner)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_sweep_finds_completed_enrolments_without_a_certificate(completed):
    from courses.services.certificates import certificates_missing

    assert certificates_missing() == [completed.pk]
    certificate_issue(enrolment_id=completed.pk)
    assert certificates_missing() == []


# --- what the certificate says: the course as it is, the learner's own record ---------


@pytest.fixture
def evidenced(course_tree, learner, settings, tmp_path):
    """A 24-hour course (as declared) whose required lessons take 30 + 20 + 14 minutes,
    finished by a learner who spent three minutes in it, from 2 to 5 December."""
    settings.PRIVATE_ROOT = tmp_path
    course = course_tree.course
    course.duration_hours = 24
    course.save_revision().publish()
    for lesson, minutes in zip(course_tree.lessons, (30, 20, 14, 90), strict=True):
        lesson.estimated_minutes = minutes  # the last one is optional: not counted
        lesson.save_revision().publish()
    enrolment = enrolment_create(learner=learner, course=course)
    finished(learner, *[a for a in course_tree.activities if a.required])
    started = timezone.make_aware(datetime(2026, 12, 2, 9, 0))
    ActivityProgress.objects.filter(learner=learner).update(seconds_spent=60, first_seen_at=started)
    CourseProgress.objects.filter(enrolment=enrolment).update(
        completed_at=timezone.make_aware(datetime(2026, 12, 5, 16, 0))
    )
    return Enrolment.objects.get(pk=enrolment.pk)


def test_certificate_states_the_real_course_length_and_the_learners_record(evidenced):
    certificate = certificate_issue(enrolment_id=evidenced.pk)
    assert (certificate.course_minutes, certificate.seconds_spent) == (64, 180)
    text = " ".join(pdf_text(certificate_file(certificate)).split())
    assert "24 giờ" not in text, "the declared hours are not what the course asks"
    assert "Thời lượng khóa học: 1 giờ 4 phút (các bài học bắt buộc)" in text
    assert "Học viên đã học 3 phút, từ ngày 02/12/2026 đến ngày 05/12/2026" in text


def test_the_evidence_is_kept_as_it_was_at_issue(evidenced, learner):
    certificate = certificate_issue(enrolment_id=evidenced.pk)
    ActivityProgress.objects.filter(learner=learner).update(seconds_spent=5000)
    again = certificate_issue(enrolment_id=evidenced.pk, regenerate=True)
    assert again.seconds_spent == certificate.seconds_spent == 180


def test_verification_page_shows_the_evidence(client, evidenced):
    certificate = certificate_issue(enrolment_id=evidenced.pk)
    html = client.get(f"/verify/{certificate.code}/").content.decode()
    for shown in ("1 giờ 4 phút", "3 phút", "02/12/2026", "05/12/2026"):
        assert shown in html
    client.post("/i18n/setlang/", {"language": "en"})
    html = client.get(f"/verify/{certificate.code}/").content.decode()
    for shown in ("1 hour 4 minutes", "Time recorded", "3 minutes", "Started on"):
        assert shown in html


@pytest.mark.parametrize(
    "minutes,text", [(64, "1 giờ 4 phút"), (45, "45 phút"), (120, "2 giờ"), (0, "0 phút")]
)
def test_minutes_read_as_hours_and_minutes(minutes, text):
    from courses.templatetags.durations import minutes_text

    assert minutes_text(minutes) == text


def test_seconds_round_to_minutes_and_a_few_seconds_are_not_zero():
    from courses.templatetags.durations import seconds_text

    assert [seconds_text(s) for s in (0, 20, 59, 89, 90, 3600)] == [
        "0 phút",
        "dưới 1 phút",
        "dưới 1 phút",
        "1 phút",
        "2 phút",
        "1 giờ",
    ]


# --- a code typed as people type it ----------------------------------------------------

CODE = "LS-D2345-LMNPQ"


@pytest.fixture
def issued(completed):
    certificate = certificate_issue(enrolment_id=completed.pk)
    Certificate.objects.filter(pk=certificate.pk).update(code=CODE)
    return certificate


@pytest.mark.parametrize(
    "typed",
    [
        "ls-d2345-lmnpq",
        "  LS D2345 LMNPQ ",
        "LSD2345LMNPQ",
        "LS-D23-45LM-NPQ",
        "LS–D2345—LMNPQ",  # the dashes a phone keyboard or a word processor gives
        "ＬＳ－Ｄ２３４５－ＬＭＮＰＱ",  # full-width, from an East Asian keyboard
        "D2345LMNPQ",  # without the prefix
        "L5-D2345-LMNPQ",
        "LS-D2345-1MNPQ",  # "1" is never in a code: it can only be the L
        "ls.d2345.lmnpq",
    ],
)
def test_a_code_typed_another_way_is_found(client, issued, typed):
    response = client.get("/verify/", {"code": typed})
    assert response.status_code == 302 and response["Location"] == f"/verify/{CODE}/"
    response = client.get(f"/verify/{quote(typed)}/")
    assert response.status_code == 200 and issued.learner_name in response.content.decode()
    assert CODE in response.content.decode(), "the code as issued"


def test_a_look_alike_that_fits_two_codes_finds_neither(client, issued, other_learner):
    other = Certificate.objects.create(
        enrolment=enrolment_create(learner=other_learner, course=issued.enrolment.course),
        code="LS-Q2345-LMNPQ",
        learner_name="Người khác",
        course_title="x",
        completed_at=timezone.now(),
    )
    response = client.get("/verify/", {"code": "LS-O2345-LMNPQ"}, follow=True)
    assert response.status_code == 404
    assert issued.learner_name not in response.content.decode()
    assert other.learner_name not in response.content.decode()
    assert client.get("/verify/", {"code": "LS-D2345-LMNPQ"}).status_code == 302


@pytest.mark.parametrize(
    "typed", ["LS-D2345-LMNP", "LS-D2345-LMNPQX", "LS-Đ2345-LMNPQ", "LS-D2345-LMNPQ\x00/..", "%"]
)
def test_near_misses_are_not_found(client, issued, typed):
    response = client.get("/verify/", {"code": typed}, follow=True)
    assert response.status_code == 404 or issued.learner_name not in response.content.decode()
    assert issued.learner_name not in response.content.decode()


def test_certificates_issued_before_get_their_evidence_from_the_records(evidenced):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("courses.migrations.0004_certificate_evidence")
    certificate = certificate_issue(enrolment_id=evidenced.pk)
    Certificate.objects.filter(pk=certificate.pk).update(
        course_minutes=None, seconds_spent=None, started_at=None
    )
    migration.evidence_of_issued_certificates(apps, None)
    certificate.refresh_from_db()
    assert (certificate.course_minutes, certificate.seconds_spent) == (64, 180)
    assert certificate.started_at.date().isoformat() == "2026-12-02"
