"""Defect 5: a cohort file reaches only the people it may. Existing learners are invited
and enrolled when they accept; the course's rules apply to every way in."""

import base64
import io
import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import load_workbook

from courses.models import Cohort, Enrolment, Invitation
from courses.services.cohort_files import table_csv, table_xlsx
from courses.services.cohort_import import cohort_import, cohort_template
from courses.services.enrolment import enrolment_create, enrolment_withdraw
from courses.services.errors import ServiceError
from lms.models import LearnerProfile
from lms.person_rules import birth_year_range
from tests.factories import build_course

HEADER = "username,full_name,sex,birth_year,category,unit_code\n"


def csv_bytes(*rows: str) -> bytes:
    return (HEADER + "\n".join(rows) + "\n").encode()


def test_the_learner_accepts_on_my_learning_and_only_then_is_enrolled(
    client, course_tree, trainer, learner
):
    cohort_import(course=course_tree.course, trainer=trainer, name="K1", data=csv_bytes(
        "hoa,Ai Đó,Nam,2000,youth,05977"))  # fmt: skip
    client.force_login(learner)
    page = client.get("/my-learning/").content.decode()
    assert "Lời mời vào khóa học" in page and course_tree.course.title in page
    response = client.post(f"/courses/{course_tree.course.pk}/enrol/")
    assert response.status_code == 302
    enrolment = Enrolment.objects.get(learner=learner, course=course_tree.course)
    assert enrolment.cohort.name == "K1" and enrolment.source == "cohort"
    assert Invitation.objects.get().status == "accepted"
    assert "Lời mời vào khóa học" not in client.get("/my-learning/").content.decode()
    client.force_login(trainer)
    assert client.get(f"/follow/learners/{learner.pk}/").status_code == 200


def test_declining_leaves_the_learner_out(client, course_tree, trainer, learner):
    cohort_import(course=course_tree.course, trainer=trainer, name="K1", data=csv_bytes(
        "hoa,Ai Đó,Nam,2000,youth,05977"))  # fmt: skip
    client.force_login(learner)
    token = str(Invitation.objects.get().token)
    response = client.post(f"/courses/{course_tree.course.pk}/unenrol/", {"invitation": token})
    assert response["Location"] == "/my-learning/"
    assert Invitation.objects.get().status == "declined"
    assert not Enrolment.objects.filter(learner=learner).exists()
    assert "Lời mời vào khóa học" not in client.get("/my-learning/").content.decode()


def test_a_withdrawn_learner_is_never_re_enrolled_by_a_file(
    course_tree, trainer, learner, make_manager, unit
):
    enrolment_withdraw(enrolment=enrolment_create(learner=learner, course=course_tree.course))
    manager = make_manager("qldk", [unit])
    manager.groups.add(*trainer.groups.all())
    course_tree.course.trainers.add(manager)
    for uploader in (trainer, manager):
        result = cohort_import(
            course=course_tree.course,
            trainer=uploader,
            name="K",
            data=csv_bytes("hoa,Ai Đó,Nam,2000,youth,05977"),
        )
        assert result.enrolled == []
    assert Enrolment.objects.get(learner=learner).status == "withdrawn"
    assert Invitation.objects.pending().count() == 1, "one invitation, not one per file"


def test_a_manager_in_scope_enrols_directly_and_out_of_scope_invites(
    course_tree, trainer, learner, other_learner, make_manager, unit
):
    manager = make_manager("qldk", [unit])  # hoa's commune, not duc's
    manager.groups.add(*trainer.groups.all())
    result = cohort_import(
        course=course_tree.course,
        trainer=manager,
        name="K",
        data=csv_bytes("hoa,x,Nam,2000,youth,05977", "duc,y,Nam,2000,youth,05977"),
    )
    assert result.enrolled == ["hoa"] and result.invited == ["duc"]
    assert Enrolment.objects.get(learner=learner).source == "cohort"
    assert not Enrolment.objects.filter(learner=other_learner).exists()


def test_prerequisites_apply_to_a_file_and_nothing_is_written(course_tree, trainer):
    advanced = build_course(trainer=trainer, title="Tiếng Tày nâng cao", slug="tay-nang-cao")
    advanced.course.prerequisites.add(course_tree.course)
    advanced.course.save_revision().publish()
    with pytest.raises(ServiceError) as error:
        cohort_import(course=advanced.course, trainer=trainer, name="K", data=csv_bytes(
            "moi.hv,Học Viên Mới,Nữ,2000,youth,05977"))  # fmt: skip
    assert error.value.code == "rows"
    assert "Tiếng Tày giao tiếp cơ bản" in error.value.details[0]["message"]
    assert not Cohort.objects.exists()
    assert not get_user_model().objects.filter(username="moi.hv").exists()


def test_the_enrolment_dates_apply_to_a_file(course_tree, trainer):
    course = course_tree.course
    course.enrolment_closes_at = timezone.now() - timedelta(days=1)
    course.save()
    with pytest.raises(ServiceError) as error:
        cohort_import(course=course, trainer=trainer, name="K", data=csv_bytes(
            "moi.hv,Học Viên Mới,Nữ,2000,youth,05977"))  # fmt: skip
    assert error.value.code == "closed"
    assert not get_user_model().objects.filter(username="moi.hv").exists()


def test_a_course_closed_to_self_enrolment_still_takes_an_accepted_invitation(
    course_tree, trainer, learner
):
    course = course_tree.course
    course.self_enrolment = False
    course.save()
    with pytest.raises(ServiceError):
        enrolment_create(learner=learner, course=course)
    cohort_import(course=course, trainer=trainer, name="K", data=csv_bytes(
        "hoa,x,Nam,2000,youth,05977"))  # fmt: skip
    assert enrolment_create(learner=learner, course=course).is_active


def test_vietnamese_labels_and_the_sign_up_birth_years(course_tree, trainer):
    low, high = birth_year_range()
    result = cohort_import(
        course=course_tree.course,
        trainer=trainer,
        name="K",
        data=csv_bytes(
            f"a.one,Lý Văn A,nam,{low},Thanh niên,05977",
            f"a.two,Lý Thị B,Không muốn nêu,{high},nguoi co uy tin,05977",
        ),
    )
    assert result.enrolled == ["a.one", "a.two"]
    profiles = LearnerProfile.objects.order_by("user__username")
    assert [(p.category, p.sex) for p in profiles] == [
        ("youth", "male"),
        ("prestigious", "unstated"),
    ]
    assert all(p.must_change_password for p in profiles), "a given password is changed first"
    with pytest.raises(ServiceError) as error:
        cohort_import(course=course_tree.course, trainer=trainer, name="K", data=csv_bytes(
            f"a.three,Lý Văn C,Nam,{high + 1},youth,05977"))  # fmt: skip
    assert f"{low} đến {high}" in error.value.details[0]["message"]


def test_the_template_guide_shows_what_the_import_accepts(db):
    guide = load_workbook(io.BytesIO(cohort_template())).worksheets[1]
    lines = {(row[0], row[1]) for row in guide.iter_rows(values_only=True) if row and row[0]}
    low, high = birth_year_range()
    assert ("birth_year", f"{low}–{high}") in lines
    assert ("category", "Thanh niên") in lines
    example = next(guide.iter_rows(min_row=3, max_row=3, values_only=True))
    assert example[4] == "Thanh niên", "the example uses the label the guide shows"


def test_one_time_passwords_print_and_download_once(client, course_tree, trainer):
    url = f"/admin/my-courses/{course_tree.course.pk}/cohort/"
    client.force_login(trainer)
    upload = SimpleUploadedFile("lop.csv", csv_bytes("moi.hv,Học Viên Mới,Nữ,2000,youth,05977"))
    client.post(url, {"name": "K1", "file": upload})
    response = client.get(url)
    html = response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert "one-time-passwords.css" in html, "the print stylesheet"
    password = re.search(r"<code>([a-z0-9]{10})</code>", html).group(1)
    files = dict(re.findall(r'href="data:([^;"]+)[^,"]*;base64,([^"]+)"', html))
    csv_text = base64.b64decode(files["text/csv"]).decode("utf-8-sig")
    assert "moi.hv" in csv_text and password in csv_text
    sheet = load_workbook(io.BytesIO(base64.b64decode(files[next(
        k for k in files if "spreadsheetml" in k)]))).active  # fmt: skip
    assert [c.value for c in sheet[2]] == ["moi.hv", "Học Viên Mới", password]
    assert password not in client.get(url).content.decode(), "shown once"
    assert not any(password in str(v) for v in client.session.values())


def test_exported_cells_that_look_like_formulas_stay_text():
    rows = [['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "bình thường"]]
    text = table_csv(["a", "b", "c", "d", "e"], rows).decode("utf-8-sig")
    assert text.splitlines()[1] == '"\'=HYPERLINK(""http://x"")",\'+1,\'-2,\'@SUM(A1),bình thường'
    sheet = load_workbook(io.BytesIO(table_xlsx("t", ["a"], [["=1+1"]]))).active
    assert sheet["A2"].value == "'=1+1" and sheet["A2"].data_type == "s"
