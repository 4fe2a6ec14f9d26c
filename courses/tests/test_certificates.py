import subprocess
import uuid

import pytest
from django.utils import timezone

from courses.models import Certificate, Enrolment, Verb
from courses.services.certificates import certificate_file, certificate_issue
from courses.services.enrolment import enrolment_create
from courses.services.errors import ServiceError
from courses.services.progress import EventIn, progress_events_ingest
from tests.factories import served


@pytest.fixture
def completed(course_tree, learner, settings, tmp_path):
    settings.PRIVATE_ROOT = tmp_path
    enrolment = enrolment_create(learner=learner, course=course_tree.course)
    served(learner, *course_tree.activities)
    progress_events_ingest(
        learner=learner,
        events=[
            EventIn(uuid.uuid4(), a.pk, Verb.COMPLETED, timezone.now())
            for a in course_tree.activities
            if a.required
        ],
    )
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
