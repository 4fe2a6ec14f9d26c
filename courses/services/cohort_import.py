"""Enrolling a cohort from a CSV of learners: every row is checked before anything is
written, and a file with any bad row imports nothing."""

import csv
import io
import re
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from courses.models import Cohort, CoursePage, CourseProgress, Enrolment
from lms.models import AdministrativeUnit, LearnerProfile
from lms.services import learner_create
from lms.text import normalise, readable_secret

from .errors import Conflict, ServiceError

MAX_BYTES = 1024 * 1024
MAX_ROWS = 2000
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
    if len(data) > MAX_BYTES:
        raise ServiceError(_("Tệp quá lớn (tối đa 1 MB)."), code="too_large")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ServiceError(
            _("Tệp không phải UTF-8 (lỗi ở byte %(pos)s). Hãy lưu lại dạng “CSV UTF-8”.")
            % {"pos": exc.start},
            code="encoding",
        ) from exc


def _parse(text: str) -> tuple[list[_Row], list[RowError]]:
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        header = [h.strip() for h in (reader.fieldnames or [])]
    except csv.Error as exc:
        raise ServiceError(_("Không đọc được tệp CSV: %(err)s") % {"err": exc}, code="csv") from exc
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise ServiceError(
            _("Thiếu cột: %(cols)s. Các cột cần có: %(all)s.")
            % {"cols": ", ".join(missing), "all": ", ".join(COLUMNS)},
            code="columns",
        )
    reader.fieldnames = header
    units = {u.code: u for u in AdministrativeUnit.objects.filter(is_current=True, level="commune")}
    categories = set(LearnerProfile.Category.values)
    rows: list[_Row] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    try:
        records = list(reader)
    except csv.Error as exc:
        raise ServiceError(_("Không đọc được tệp CSV: %(err)s") % {"err": exc}, code="csv") from exc
    if not records:
        raise ServiceError(_("Tệp không có dòng dữ liệu nào."), code="empty")
    if len(records) > MAX_ROWS:
        raise ServiceError(_("Tối đa %(n)s dòng mỗi lần.") % {"n": MAX_ROWS}, code="too_many")
    for number, record in enumerate(records, start=2):
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
    rows, errors = _parse(_decode(data))
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
