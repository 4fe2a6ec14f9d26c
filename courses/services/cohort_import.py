"""Enrolling a cohort from a list of learners, as an Excel workbook (.xlsx) or a UTF-8
CSV: every row is checked before anything is written, and a file with any bad row
imports nothing."""

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from courses.models import Cohort, CoursePage, CourseProgress, Enrolment
from lms.models import AdministrativeUnit, LearnerProfile
from lms.services import learner_create
from lms.text import normalise, readable_secret

from .errors import Conflict, ServiceError

MAX_BYTES = 1024 * 1024
MAX_ROWS = 2000
# A workbook is a zip: what it unpacks to is bounded too, against zip bombs.
MAX_XLSX_UNPACKED_BYTES = 40 * 1024 * 1024
XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
COLUMNS = ["username", "full_name", "sex", "birth_year", "category", "unit_code"]
OPTIONAL_COLUMNS = ["email", "phone", "occupation"]
# A cell starting with one of these is run as a formula when a manager opens an export
# in a spreadsheet program.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
USERNAME_RE = re.compile(r"^[A-Za-z0-9_.@+-]{3,150}$")
PHONE_RE = re.compile(r"^[0-9 +().-]*$")
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
SEX_VALUES = {
    "nam": "male",
    "male": "male",
    "nữ": "female",
    "nu": "female",
    "female": "female",
    "khác": "other",
    "khac": "other",
    "other": "other",
}


@dataclass
class RowError:
    row: int
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "message": self.message}


@dataclass
class CohortImportResult:
    cohort: Cohort
    enrolled: list[str] = field(default_factory=list)
    already_enrolled: list[str] = field(default_factory=list)
    # Initial passwords of accounts created by the import, shown to the trainer once.
    new_accounts: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass
class _Row:
    number: int
    username: str
    full_name: str
    sex: str
    birth_year: int
    category: str
    unit: AdministrativeUnit
    email: str
    phone: str
    occupation: str


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ServiceError(
            _(
                "Tệp không phải UTF-8 (lỗi ở byte %(pos)s). Hãy lưu lại dạng “CSV UTF-8” "
                "hoặc tải lên tệp Excel (.xlsx)."
            )
            % {"pos": exc.start},
            code="encoding",
        ) from exc


# A table is its header and its data rows, each with the row number the trainer sees.
Table = tuple[list[str], list[tuple[int, dict]]]


def _csv_records(data: bytes) -> Table:
    try:
        reader = csv.DictReader(io.StringIO(_decode(data), newline=""))
        header = [h.strip() for h in (reader.fieldnames or [])]
        reader.fieldnames = header
        return header, list(enumerate(reader, start=2))
    except csv.Error as exc:
        raise ServiceError(_("Không đọc được tệp CSV: %(err)s") % {"err": exc}, code="csv") from exc


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a year typed as 1990 is stored as 1990.0
    return str(value)


def _xlsx_records(data: bytes) -> Table:
    unreadable = ServiceError(
        _("Không đọc được tệp Excel. Hãy lưu lại dạng .xlsx hoặc “CSV UTF-8”."), code="xlsx"
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
        if unpacked > MAX_XLSX_UNPACKED_BYTES:
            raise ServiceError(_("Tệp Excel giải nén quá lớn."), code="too_large")
        # Formulas are read as written ("=..."), not as values, so they are refused
        # like formula cells of a CSV.
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError) as exc:
        raise unreadable from exc
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = [_cell_text(v).strip() for v in next(rows, ())]
        records = []
        for number, values in enumerate(rows, start=2):
            cells = [_cell_text(v) for v in values]
            if any(cells):  # Excel keeps formatted empty rows
                records.append((number, {h: c for h, c in zip(header, cells, strict=False) if h}))
            if len(records) > MAX_ROWS:
                break  # enough to refuse the file for its length
        return header, records
    except (KeyError, ValueError, TypeError, OSError, zipfile.BadZipFile) as exc:
        raise unreadable from exc
    finally:
        workbook.close()


def _records(data: bytes) -> Table:
    if len(data) > MAX_BYTES:
        raise ServiceError(_("Tệp quá lớn (tối đa 1 MB)."), code="too_large")
    if data.startswith(XLS_MAGIC):
        raise ServiceError(
            _("Tệp Excel cũ (.xls) không được hỗ trợ. Hãy lưu lại dạng .xlsx."), code="xls"
        )
    if data.startswith(XLSX_MAGIC):
        return _xlsx_records(data)
    return _csv_records(data)


def _parse(data: bytes) -> tuple[list[_Row], list[RowError]]:
    header, records = _records(data)
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise ServiceError(
            _("Thiếu cột: %(cols)s. Các cột cần có: %(all)s.")
            % {"cols": ", ".join(missing), "all": ", ".join(COLUMNS)},
            code="columns",
        )
    units = {u.code: u for u in AdministrativeUnit.objects.filter(is_current=True, level="commune")}
    categories = set(LearnerProfile.Category.values)
    rows: list[_Row] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    if not records:
        raise ServiceError(_("Tệp không có dòng dữ liệu nào."), code="empty")
    if len(records) > MAX_ROWS:
        raise ServiceError(_("Tối đa %(n)s dòng mỗi lần.") % {"n": MAX_ROWS}, code="too_many")
    for number, record in records:
        values = {k: normalise(v or "").strip() for k, v in record.items() if k}
        problems = []
        raw_cells = [v for v in record.values() if isinstance(v, str)]
        if any(cell.startswith(FORMULA_PREFIXES) for cell in raw_cells):
            problems.append(_("ô bắt đầu bằng ký tự công thức (= + - @)"))
        if any(CONTROL_RE.search(cell) for cell in raw_cells):
            problems.append(_("ô chứa ký tự điều khiển"))
        username = values.get("username", "")
        if not USERNAME_RE.match(username):
            problems.append(_("tên đăng nhập không hợp lệ"))
        elif username.lower() in seen:
            problems.append(
                _("trùng tên đăng nhập với dòng %(row)s") % {"row": seen[username.lower()]}
            )
        else:
            seen[username.lower()] = number
        full_name = values.get("full_name", "")
        if not full_name or len(full_name) > 150:
            problems.append(_("họ tên trống hoặc quá dài"))
        sex = SEX_VALUES.get(values.get("sex", "").lower())
        if not sex:
            problems.append(_("giới tính phải là Nam, Nữ hoặc Khác"))
        try:
            birth_year = int(values.get("birth_year", ""))
            if not 1900 <= birth_year <= 2100:
                raise ValueError
        except ValueError:
            birth_year = 0
            problems.append(_("năm sinh không hợp lệ"))
        category = values.get("category", "")
        if category not in categories:
            problems.append(
                _("đối tượng phải là một trong: %(v)s") % {"v": ", ".join(sorted(categories))}
            )
        email = values.get("email", "")
        if email:
            try:
                validate_email(email)
            except ValidationError:
                problems.append(_("email không hợp lệ"))
        if len(values.get("phone", "")) > 20 or not PHONE_RE.match(values.get("phone", "")):
            problems.append(_("số điện thoại không hợp lệ"))
        if len(values.get("occupation", "")) > 200:
            problems.append(_("cơ quan/nghề nghiệp quá dài"))
        unit = units.get(values.get("unit_code", ""))
        if unit is None:
            problems.append(
                _("mã xã/phường “%(code)s” không có trong danh mục hiện hành")
                % {"code": values.get("unit_code", "")}
            )
        if problems:
            errors.append(RowError(number, "; ".join(problems)))
            continue
        rows.append(
            _Row(
                number,
                username,
                full_name,
                sex,
                birth_year,
                category,
                unit,
                values.get("email", ""),
                values.get("phone", ""),
                values.get("occupation", ""),
            )
        )
    return rows, errors


def cohort_import(*, course: CoursePage, trainer, name: str, data: bytes) -> CohortImportResult:
    """Enrol every learner of the file into a new cohort of ``course``, or nobody."""
    name = normalise(name).strip()
    if not name:
        raise ServiceError(_("Hãy đặt tên cho lớp."), code="name")
    rows, errors = _parse(data)
    User = get_user_model()
    # Usernames are matched regardless of case, as sign-up does.
    existing = {
        u.username.lower(): u
        for u in User.objects.annotate(lowered=Lower("username"))
        .filter(lowered__in=[r.username.lower() for r in rows])
        .select_related("learner_profile")
    }
    for row in rows:
        user = existing.get(row.username.lower())
        if user is not None and not hasattr(user, "learner_profile"):
            errors.append(RowError(row.number, _("tài khoản đã có nhưng không phải người học")))
    if errors:
        errors.sort(key=lambda e: e.row)
        raise ServiceError(
            _("%(n)s dòng có lỗi; chưa có ai được ghi danh. Sửa các dòng này rồi tải lại.")
            % {"n": len(errors)},
            code="rows",
            details=[e.as_dict() for e in errors],
        )

    with transaction.atomic():
        course = CoursePage.objects.select_for_update(of=("self",)).get(pk=course.pk)
        cohort = Cohort.objects.create(course=course, name=name, created_by=trainer)
        result = CohortImportResult(cohort=cohort)
        active = set(
            Enrolment.objects.filter(
                course=course, status=Enrolment.Status.ACTIVE, learner__in=existing.values()
            ).values_list("learner_id", flat=True)
        )
        to_enrol = []
        for row in rows:
            user = existing.get(row.username.lower())
            if user is None:
                password = readable_secret(10)
                user = learner_create(
                    username=row.username,
                    password=password,
                    full_name=row.full_name,
                    category=row.category,
                    sex=row.sex,
                    birth_year=row.birth_year,
                    unit=row.unit,
                    email=row.email,
                    phone=row.phone,
                    occupation=row.occupation,
                )
                result.new_accounts.append((row.username, row.full_name, password))
            if user.pk in active:
                result.already_enrolled.append(row.username)
            else:
                to_enrol.append(user)
        active_count = Enrolment.objects.filter(
            course=course, status=Enrolment.Status.ACTIVE
        ).count()
        if course.capacity is not None and active_count + len(to_enrol) > course.capacity:
            raise Conflict(
                _("Lớp có %(n)s người mới nhưng khóa học chỉ còn %(free)s chỗ.")
                % {"n": len(to_enrol), "free": max(course.capacity - active_count, 0)},
                code="full",
            )
        required_total = course.activities.filter(is_active=True, required=True).count()
        for user in to_enrol:
            enrolment, created = Enrolment.objects.update_or_create(
                learner=user,
                course=course,
                defaults={
                    "status": Enrolment.Status.ACTIVE,
                    "withdrawn_at": None,
                    "source": Enrolment.Source.COHORT,
                    "cohort": cohort,
                },
            )
            if created:
                CourseProgress.objects.create(enrolment=enrolment, required_total=required_total)
            result.enrolled.append(user.username)
    return result


def cohort_template() -> bytes:
    """The workbook a trainer fills in: the columns on the first sheet, then a sheet with
    an example and the values each column takes, and the codes of the current communes
    and wards, which unit_code needs. The example is kept off the first sheet so that it
    is never imported as a learner."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Học viên")
    sheet.append(COLUMNS + OPTIONAL_COLUMNS)
    widths = (16, 24, 8, 10, 12, 10, 24, 14, 24)
    for column, width in zip("ABCDEFGHI", widths, strict=True):
        sheet.column_dimensions[column].width = width
        # Usernames, codes and phone numbers stay text: 05977 must not become 5977.
        if column in "AFH":
            for row in range(2, MAX_ROWS + 2):
                sheet[f"{column}{row}"].number_format = "@"
    sheet.freeze_panes = "A2"

    communes = list(
        AdministrativeUnit.objects.filter(is_current=True, level="commune").order_by("name")
    )
    guide = workbook.create_sheet(_("Hướng dẫn"))
    guide.append([_("Ví dụ một dòng:")])
    guide.append(COLUMNS + OPTIONAL_COLUMNS)
    example_unit = communes[0].code if communes else ""
    guide.append(
        ["hoang.lan", "Hoàng Thị Lan", "Nữ", 1995, "youth", example_unit, "", "", "HTX hồi"]
    )
    guide.append([])
    guide.append([_("Cột"), _("Giá trị hợp lệ")])
    guide.append(["sex", "Nam, Nữ, Khác"])
    guide.append(["birth_year", "1900–2100"])
    for code, label in LearnerProfile.Category.choices:
        guide.append(["category", code, str(label)])
    guide.append(["unit_code", _("xem trang “Mã xã phường”")])
    for column, width in zip("ABC", (16, 24, 24), strict=True):
        guide.column_dimensions[column].width = width

    units = workbook.create_sheet(_("Mã xã phường"))
    units.append(["unit_code", _("Xã/phường")])
    for unit in communes:
        units.append([unit.code, unit.name])
    units.column_dimensions["B"].width = 28
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
