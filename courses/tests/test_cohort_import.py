import pytest
from django.contrib.auth import get_user_model

from courses.models import Cohort, Enrolment
from courses.services.cohort_import import cohort_import
from courses.services.errors import ServiceError
from lms.models import LearnerProfile

HEADER = "username,full_name,sex,birth_year,category,unit_code,email\n"


def csv_bytes(*rows: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return (header + "\n".join(rows) + "\n").encode(encoding)


GOOD = [
    "lan.vt,Vi Thị Lan,Nữ,1995,citizen,05977,lan@example.vn",
    "son.nv,Nông Văn Sơn,Nam,1970,prestigious,06040,",
]


def nothing_written():
    assert not Cohort.objects.exists()
    assert not Enrolment.objects.exists()
    assert not get_user_model().objects.filter(username__in=["lan.vt", "son.nv"]).exists()


def test_good_file_enrols_everyone_and_creates_accounts(course_tree, trainer):
    result = cohort_import(
        course=course_tree.course, trainer=trainer, name="Lớp K1", data=csv_bytes(*GOOD)
    )
    assert sorted(result.enrolled) == ["lan.vt", "son.nv"]
    assert len(result.new_accounts) == 2
    profile = LearnerProfile.objects.get(user__username="lan.vt")
    assert (profile.full_name, profile.sex, profile.unit.name) == (
        "Vi Thị Lan",
        "female",
        "Phường Đông Kinh",
    )
    assert Enrolment.objects.filter(cohort=result.cohort, source="cohort").count() == 2
    username, _, password = result.new_accounts[0]
    assert get_user_model().objects.get(username=username).check_password(password)
    assert len(password) == 10 and not set(password) & set("0O1lI-_"), "easy to type"


def test_an_existing_learner_is_invited_not_enrolled_nor_shown_to_the_trainer(
    client, course_tree, trainer, learner
):
    row = f"{learner.username.upper()},Ai Đó,Nam,2000,youth,05977,"
    result = cohort_import(
        course=course_tree.course, trainer=trainer, name="K2", data=csv_bytes(row)
    )
    assert result.new_accounts == [], "matched regardless of case"
    assert result.invited == ["HOA"] and result.enrolled == []
    assert not Enrolment.objects.filter(learner=learner).exists()
    profile = LearnerProfile.objects.get(user=learner)
    assert (profile.full_name, profile.sex) == ("Học viên 1", "female"), "the list changes nothing"
    client.force_login(trainer)
    assert client.get(f"/follow/learners/{learner.pk}/").status_code == 404
    assert (
        "Học viên 1"
        not in client.get(f"/admin/my-courses/{course_tree.course.pk}/").content.decode()
    )


@pytest.mark.parametrize(
    "bad_row, expected",
    [
        ("ghost,Ma Văn Ma,Nam,1990,youth,99999,", "99999"),
        ('=cmd,=HYPERLINK("http://x"),Nam,1990,youth,05977,', "công thức"),
        ("bad,@SUM(1+1),Nam,1990,youth,05977,", "công thức"),
        ("lan.vt,Trùng Tên,Nữ,1990,youth,05977,", "trùng"),
        ("x1,Tên,Không rõ,1990,youth,05977,", "giới tính"),
        ("x2,Tên,Nam,năm,youth,05977,", "năm sinh"),
        ("x3,Tên,Nam,1990,alien,05977,", "đối tượng"),
        ("x 4,Tên,Nam,1990,youth,05977,", "tên đăng nhập"),
        ("x5,Tên,Nam,1990,youth,05977,not-an-email", "email"),
        ('xx6,"Tên\x00",Nam,1990,youth,05977,', "điều khiển"),
        ("xx7,Nguyễn \u202eVăn,Nam,1990,youth,05977,", "ký tự"),
        ("xx8,Lò\u200bThị,Nam,1990,youth,05977,", "ký tự"),
        ("xx9,Tên,Nam,1900,youth,05977,", "năm sinh"),
    ],
)
def test_a_bad_row_is_reported_by_number_and_nothing_is_imported(
    course_tree, trainer, bad_row, expected
):
    with pytest.raises(ServiceError) as error:
        cohort_import(
            course=course_tree.course, trainer=trainer, name="K3", data=csv_bytes(*GOOD, bad_row)
        )
    assert error.value.code == "rows"
    assert error.value.details[0]["row"] == 4
    assert expected in error.value.details[0]["message"]
    nothing_written()


def test_wrong_encoding_is_refused_with_a_hint(course_tree, trainer):
    data = csv_bytes(*GOOD, encoding="utf-16")
    with pytest.raises(ServiceError) as error:
        cohort_import(course=course_tree.course, trainer=trainer, name="K4", data=data)
    assert error.value.code == "encoding" and "UTF-8" in error.value.message
    legacy = csv_bytes("a.b,Nguyen Van A,Nam,1990,youth,05977,").replace(
        b"Nguyen", "Đăng".encode("cp1258")
    )
    with pytest.raises(ServiceError):
        cohort_import(course=course_tree.course, trainer=trainer, name="K4", data=legacy)
    nothing_written()


def test_missing_columns_and_empty_files(course_tree, trainer):
    with pytest.raises(ServiceError) as error:
        cohort_import(
            course=course_tree.course, trainer=trainer, name="K5", data=b"username,full_name\nx,y\n"
        )
    assert error.value.code == "columns" and "unit_code" in error.value.message
    with pytest.raises(ServiceError):
        cohort_import(course=course_tree.course, trainer=trainer, name="K5", data=HEADER.encode())
    nothing_written()


def test_capacity_overrun_rolls_back_created_accounts(course_tree, trainer):
    course = course_tree.course
    course.capacity = 1
    course.save()
    with pytest.raises(ServiceError) as error:
        cohort_import(course=course, trainer=trainer, name="K6", data=csv_bytes(*GOOD))
    assert error.value.code == "full"
    nothing_written()


def test_upload_view_is_for_the_course_trainer_only(client, course_tree, trainer, learner):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = f"/admin/my-courses/{course_tree.course.pk}/cohort/"
    client.force_login(learner)
    assert client.get(url).status_code == 302, "learners have no admin access"
    other = get_user_model().objects.create_user("other-trainer", is_staff=True)
    other.groups.add(*trainer.groups.all())
    client.force_login(other)
    assert client.get(url).status_code == 404, "a trainer of other courses sees nothing"
    client.force_login(trainer)
    bad = SimpleUploadedFile("lop.csv", csv_bytes(*GOOD, "ghost,Ma,Nam,1990,youth,99999,"))
    response = client.post(url, {"name": "K7", "file": bad})
    assert response.status_code == 400
    assert "Dòng" in response.content.decode() and "99999" in response.content.decode()
    nothing_written()
    good = SimpleUploadedFile("lop.csv", csv_bytes(*GOOD))
    response = client.post(url, {"name": "K7", "file": good})
    assert (response.status_code, response["Location"]) == (302, url), "a refresh cannot re-import"
    assert Enrolment.objects.filter(course=course_tree.course).count() == 2
    shown = client.get(url).content.decode()
    assert "lan.vt" in shown and "Vi Thị Lan" in shown, "new accounts are listed once"
    assert "lan.vt" not in client.get(url).content.decode(), "and never again"


def test_overlong_phone_and_nul_bytes_are_row_errors_not_crashes(course_tree, trainer):
    header = "username,full_name,sex,birth_year,category,unit_code,phone\n"
    data = (header + "p1,Tên,Nam,1990,youth,05977," + "9" * 40 + "\n").encode()
    with pytest.raises(ServiceError) as error:
        cohort_import(course=course_tree.course, trainer=trainer, name="K8", data=data)
    assert "điện thoại" in error.value.details[0]["message"]
    with pytest.raises(ServiceError):
        cohort_import(
            course=course_tree.course,
            trainer=trainer,
            name="K8",
            data=csv_bytes(*GOOD) + b"\x00\x00",
        )
    nothing_written()


# --- Excel workbooks ---------------------------------------------------------------------


def xlsx_bytes(*rows: list, header: list | None = None) -> bytes:
    import io

    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header or HEADER.strip().split(","))
    for row in rows:
        sheet.append(row)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def test_an_excel_workbook_imports_like_a_csv(course_tree, trainer):
    data = xlsx_bytes(
        ["lan.vt", "Vi Thị Lan", "Nữ", 1995, "citizen", "05977", "lan@example.vn"],
        [],  # an empty row in the middle is skipped, and row numbers stay Excel's
        ["son.nv", "Nông Văn Sơn", "Nam", 1970.0, "prestigious", "06040", None],
    )
    result = cohort_import(course=course_tree.course, trainer=trainer, name="K5", data=data)
    assert result.enrolled == ["lan.vt", "son.nv"]
    assert LearnerProfile.objects.get(user__username="son.nv").birth_year == 1970


def test_excel_row_errors_name_the_row_excel_shows(course_tree, trainer):
    data = xlsx_bytes(
        ["lan.vt", "Vi Thị Lan", "Nữ", 1995, "citizen", "05977", None],
        [],
        ["son.nv", '=HYPERLINK("http://x","Sơn")', "Nam", 1970, "youth", "06040", None],
    )
    with pytest.raises(ServiceError) as error:
        cohort_import(course=course_tree.course, trainer=trainer, name="K6", data=data)
    assert error.value.details == [
        {"row": 4, "message": "ô bắt đầu bằng ký tự công thức (= + - @)"}
    ]
    nothing_written()


@pytest.mark.parametrize(
    "data, code",
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "xls"),
        (b"PK\x03\x04 not really a zip", "xlsx"),
        ("zip", "xlsx"),
        ("bomb", "too_large"),
    ],
    ids=["old-xls", "broken-zip", "zip-that-is-not-a-workbook", "zip-bomb"],
)
def test_files_that_are_not_workbooks_are_refused_clearly(course_tree, trainer, data, code):
    import io
    import zipfile

    if data in ("zip", "bomb"):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            if data == "zip":
                archive.writestr("hello.txt", "xin chào")
            else:
                archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (60 * 1024 * 1024))
        data = buffer.getvalue()
    with pytest.raises(ServiceError) as error:
        cohort_import(course=course_tree.course, trainer=trainer, name="K7", data=data)
    assert error.value.code == code
    assert "Excel" in error.value.message
    nothing_written()


def test_the_template_workbook_lists_the_communes_and_imports_once_filled(
    client, course_tree, trainer, learner
):
    import io

    from openpyxl import load_workbook

    client.force_login(learner)
    assert client.get("/admin/my-courses/cohort-template.xlsx").status_code in (302, 404)
    client.force_login(trainer)
    response = client.get("/admin/my-courses/cohort-template.xlsx")
    assert response.status_code == 200
    assert "danh-sach-hoc-vien.xlsx" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    learners, guide, units = workbook.worksheets
    assert units.max_row - 1 == 65, "every current commune and ward"
    assert "05977" in {row[0] for row in units.iter_rows(min_row=2, values_only=True)}
    with pytest.raises(ServiceError) as error:
        cohort_import(course=course_tree.course, trainer=trainer, name="K8", data=response.content)
    assert error.value.code == "empty", "the example on the guide sheet is never imported"

    example = [cell for cell in next(guide.iter_rows(min_row=3, max_row=3, values_only=True))]
    learners.append(example)
    filled = io.BytesIO()
    workbook.save(filled)
    result = cohort_import(
        course=course_tree.course, trainer=trainer, name="K8", data=filled.getvalue()
    )
    assert result.enrolled == ["hoang.lan"]
