"""Enrolling a cohort from a trainer's list: every row is checked before anything is
written, and a file with any bad row imports nothing.

Who ends up enrolled:

* A row naming a username that does not exist creates the learner's account, with a
  one-time password the trainer hands over (it must be changed at the first sign-in),
  and enrols them.
* A row naming an existing learner does not enrol them: the list is the trainer's
  wish, not the learner's consent, and an enrolment would open the learner's records
  to the trainer. The learner gets an invitation on their learning page and is enrolled
  only if they accept. The row's other cells are ignored; their profile is theirs.
* Except when the person uploading is a manager whose units include the learner's
  commune (or an admin): officials are sent to training by the body that manages them,
  and that manager already reads these learners' records, so the enrolment reveals
  nothing new. Even then, a learner who withdrew from the course is only invited: a
  withdrawal is undone by the learner alone.

Enrolments go through ``enrolment_create``, so the course's dates, capacity and
prerequisites apply as they do to a learner enrolling themselves.
"""

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from courses.models import Cohort, CoursePage, Enrolment
from lms import person_rules
from lms.models import AdministrativeUnit, LearnerProfile
from lms.selectors import current_units, learner_profiles_visible_to
from lms.services import ONE_TIME_PASSWORD_LENGTH, learner_create
from lms.text import normalise, readable_secret

from .cohort_files import FORMULA_PREFIXES, MAX_ROWS, cohort_file_read, template_workbook
from .cohort_files import MAX_BYTES as MAX_BYTES  # the upload form's limit
from .enrolment import enrolment_course_check, enrolment_create, invitation_create
from .errors import ServiceError

COLUMNS = ["username", "full_name", "sex", "birth_year", "category", "unit_code"]
OPTIONAL_COLUMNS = ["email", "phone", "occupation"]


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
    invited: list[str] = field(default_factory=list)
    already_invited: list[str] = field(default_factory=list)
    # (username, full name, one-time password) of accounts the import created.
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


def _message(error: ValidationError) -> str:
    return " ".join(str(m) for m in error.messages)


def _lowercase_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _check_row(number: int, record: dict, units: dict, seen: dict) -> tuple[_Row | None, list]:
    values = {k: normalise(v or "").strip() for k, v in record.items() if k}
    problems: list[str] = []
    raw_cells = [v for v in record.values() if isinstance(v, str)]
    if any(cell.startswith(FORMULA_PREFIXES) for cell in raw_cells):
        problems.append(_("ô bắt đầu bằng ký tự công thức (= + - @)"))
    if any(
        person_rules.has_refused_characters(cell.replace("\n", "").replace("\r", ""))
        for cell in raw_cells
    ):
        problems.append(_("ô chứa ký tự điều khiển hoặc ký tự ẩn"))
    cleaned: dict = {}

    def rule(name, check):
        try:
            cleaned[name] = check(values.get(name, ""))
        except ValidationError as error:
            problems.append(_lowercase_first(_message(error)))

    rule("username", person_rules.clean_username)
    username = cleaned.get("username")
    if username:
        if username.lower() in seen:
            problems.append(
                _("trùng tên đăng nhập với dòng %(row)s") % {"row": seen[username.lower()]}
            )
        else:
            seen[username.lower()] = number
    rule("full_name", person_rules.clean_full_name)
    sex = person_rules.choice_from_label(values.get("sex", ""), LearnerProfile.Sex.choices)
    if not sex:
        problems.append(_("giới tính phải là Nam, Nữ, Khác hoặc Không muốn nêu"))
    rule("birth_year", person_rules.clean_birth_year)
    category = person_rules.choice_from_label(
        values.get("category", ""), LearnerProfile.Category.choices
    )
    if not category:
        problems.append(
            _("đối tượng phải là một trong: %(v)s")
            % {"v": ", ".join(str(label) for label in LearnerProfile.Category.labels)}
        )
    rule("email", person_rules.clean_email)
    rule("phone", person_rules.clean_phone)
    rule("occupation", person_rules.clean_occupation)
    unit = units.get(values.get("unit_code", ""))
    if unit is None:
        problems.append(
            _("mã xã/phường “%(code)s” không có trong danh mục hiện hành")
            % {"code": values.get("unit_code", "")}
        )
    if problems:
        return None, problems
    return (
        _Row(
            number,
            cleaned["username"],
            cleaned["full_name"],
            sex,
            cleaned["birth_year"],
            category,
            unit,
            cleaned["email"],
            cleaned["phone"],
            cleaned["occupation"],
        ),
        [],
    )


def _parse(data: bytes) -> tuple[list[_Row], list[RowError]]:
    header, records = cohort_file_read(data)
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise ServiceError(
            _("Thiếu cột: %(cols)s. Các cột cần có: %(all)s.")
            % {"cols": ", ".join(missing), "all": ", ".join(COLUMNS)},
            code="columns",
        )
    if not records:
        raise ServiceError(_("Tệp không có dòng dữ liệu nào."), code="empty")
    if len(records) > MAX_ROWS:
        raise ServiceError(_("Tối đa %(n)s dòng mỗi lần.") % {"n": MAX_ROWS}, code="too_many")
    units = {u.code: u for u in current_units()}
    rows: list[_Row] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for number, record in records:
        row, problems = _check_row(number, record, units, seen)
        if problems:
            errors.append(RowError(number, "; ".join(problems)))
        else:
            rows.append(row)
    return rows, errors


def _refuse(errors: list[RowError]) -> None:
    errors.sort(key=lambda e: e.row)
    raise ServiceError(
        _("%(n)s dòng có lỗi; chưa có ai được ghi danh. Sửa các dòng này rồi tải lại.")
        % {"n": len(errors)},
        code="rows",
        details=[e.as_dict() for e in errors],
    )


def cohort_import(*, course: CoursePage, trainer, name: str, data: bytes) -> CohortImportResult:
    """Import the file into a new cohort of ``course`` (see the module's docstring for
    who is enrolled and who invited), all of it or nothing."""
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
        _refuse(errors)
    # Learners this uploader already answers for: a manager's units, or everyone for
    # an admin. (For anybody else this is at most their own profile.)
    in_scope = set(
        learner_profiles_visible_to(trainer)
        .filter(user__in=existing.values())
        .values_list("user_id", flat=True)
    )

    with transaction.atomic():
        course = CoursePage.objects.select_for_update(of=("self",)).get(pk=course.pk)
        enrolments = {
            e.learner_id: e
            for e in Enrolment.objects.filter(course=course, learner__in=existing.values())
        }
        cohort = Cohort.objects.create(course=course, name=name, created_by=trainer)
        result = CohortImportResult(cohort=cohort)
        to_create: list[_Row] = []
        to_enrol: list[tuple[_Row, Any]] = []
        to_invite: list[tuple[_Row, Any]] = []
        for row in rows:
            user = existing.get(row.username.lower())
            if user is None:
                to_create.append(row)
                continue
            enrolment = enrolments.get(user.pk)
            if enrolment is not None and enrolment.is_active:
                result.already_enrolled.append(row.username)
            elif user.pk in in_scope and enrolment is None:
                to_enrol.append((row, user))
            else:
                to_invite.append((row, user))
        # The whole file against the course's rules first: one message for the lot.
        enrolment_course_check(
            course=course, own_initiative=False, seats=len(to_create) + len(to_enrol)
        )
        for row in to_create:
            password = readable_secret(ONE_TIME_PASSWORD_LENGTH)
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
                one_time_password=True,
            )
            result.new_accounts.append((row.username, row.full_name, password))
            to_enrol.append((row, user))
        for row, user in to_enrol:
            try:
                enrolment_create(learner=user, course=course, by=trainer, cohort=cohort)
            except ServiceError as error:
                errors.append(RowError(row.number, _lowercase_first(error.message)))
            else:
                result.enrolled.append(row.username)
        for row, user in to_invite:
            _invitation, created = invitation_create(
                learner=user, course=course, by=trainer, cohort=cohort
            )
            (result.invited if created else result.already_invited).append(row.username)
        if errors:
            _refuse(errors)  # inside the transaction: nothing of it stays
    return result


def cohort_template() -> bytes:
    """The template workbook, with the values sign-up accepts."""
    communes = list(current_units())
    low, high = person_rules.birth_year_range()
    example_unit = communes[0].code if communes else ""
    example = ["hoang.lan", "Hoàng Thị Lan", "Nữ", 1995, str(LearnerProfile.Category.YOUTH.label),
               example_unit, "", "", "HTX hồi"]  # fmt: skip
    guide = [
        ["sex", ", ".join(str(label) for label in LearnerProfile.Sex.labels)],
        ["birth_year", f"{low}–{high}"],
        *(
            ["category", str(label), _("hoặc mã: %(code)s") % {"code": code}]
            for code, label in LearnerProfile.Category.choices
        ),
        ["unit_code", _("xem trang “Mã xã phường”")],
    ]
    return template_workbook(
        columns=COLUMNS, optional=OPTIONAL_COLUMNS, example=example, guide=guide, units=communes
    )
