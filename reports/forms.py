"""The dashboard's filters: every dimension of the rollups, checked against the scope."""

import re
from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courses.models import CoursePage, ProgramPage
from lms.models import EthnicGroup, LearnerProfile

from .dimensions import AGE_BANDS, ETHNIC_NOT_STATED
from .selectors.figures import ReportFilter
from .selectors.scope import ReportScope

MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
COUNT_MEASURES = (
    ("enrolled", _("Lượt ghi danh")),
    ("active", _("Lượt có học")),
    ("completed", _("Lượt hoàn thành")),
    ("passed", _("Lượt đạt")),
    ("certified", _("Chứng nhận đã cấp")),
    ("attended", _("Lượt dự buổi trực tuyến")),
)
PERIOD_STEPS = (("month", _("Tháng")), ("quarter", _("Quý")), ("year", _("Năm")))


def month_start(text: str) -> date | None:
    match = MONTH_RE.match(text or "")
    if not match:
        return None
    year, month = int(match[1]), int(match[2])
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        return None
    return date(year, month, 1)


def default_months(today: date | None = None) -> tuple[date, date]:
    """The last twelve months, this one included."""
    today = today or timezone.localdate()
    last = today.replace(day=1)
    first_index = last.year * 12 + last.month - 1 - 11
    return date(first_index // 12, first_index % 12 + 1, 1), last


class MonthField(forms.CharField):
    widget = forms.TextInput(attrs={"type": "month", "placeholder": "2025-07"})

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        start = month_start(value)
        if start is None:
            raise forms.ValidationError(_("Tháng phải có dạng NNNN-TT, ví dụ 2025-07."))
        return start


class ReportFilterForm(forms.Form):
    unit = forms.TypedChoiceField(
        label=_("Xã/phường"), required=False, coerce=int, empty_value=None
    )
    program = forms.TypedChoiceField(
        label=_("Chương trình"), required=False, coerce=int, empty_value=None
    )
    course = forms.TypedChoiceField(
        label=_("Khóa học"), required=False, coerce=int, empty_value=None
    )
    ethnic_group = forms.TypedChoiceField(
        label=_("Dân tộc"), required=False, coerce=int, empty_value=None
    )
    sex = forms.ChoiceField(label=_("Giới tính"), required=False)
    age_band = forms.ChoiceField(label=_("Độ tuổi"), required=False)
    category = forms.ChoiceField(label=_("Đối tượng"), required=False)
    start = MonthField(label=_("Từ tháng"), required=False)
    end = MonthField(label=_("Đến tháng"), required=False)
    step = forms.ChoiceField(label=_("Xu hướng theo"), required=False, choices=PERIOD_STEPS)
    measure = forms.ChoiceField(
        label=_("Số liệu theo dân tộc"), required=False, choices=COUNT_MEASURES
    )

    def __init__(self, data, *, scope: ReportScope):
        super().__init__(data)
        self.scope = scope
        every = [("", _("Tất cả"))]
        self.fields["unit"].choices = every + [(u.pk, u.name) for u in scope.units()]
        self.fields["program"].choices = every + [
            (p.pk, p.title) for p in ProgramPage.objects.order_by("path")
        ]
        self.fields["course"].choices = every + [
            (c.pk, c.title) for c in CoursePage.objects.order_by("path")
        ]
        groups = EthnicGroup.objects.order_by("code")
        self.fields["ethnic_group"].choices = (
            every + [(g.pk, f"{g.name}") for g in groups] + [(ETHNIC_NOT_STATED, _("Không nêu"))]
        )
        self.fields["sex"].choices = every + list(LearnerProfile.Sex.choices)
        self.fields["age_band"].choices = every + [(c, label) for c, label, _lo, _hi in AGE_BANDS]
        self.fields["category"].choices = every + list(LearnerProfile.Category.choices)

    def clean(self):
        data = super().clean()
        first, last = default_months()
        first = data.get("start") or first
        last = data.get("end") or last
        if first > last:
            self.add_error("end", _("Tháng kết thúc phải sau tháng bắt đầu."))
        data["start"], data["end"] = first, last
        return data

    def report_filter(self) -> ReportFilter:
        """The filter the form describes; only call after is_valid()."""
        data = self.cleaned_data
        course_ids = None
        if data.get("program"):
            course_ids = set(
                CoursePage.objects.child_of(
                    ProgramPage.objects.get(pk=data["program"])
                ).values_list("pk", flat=True)
            )
        if data.get("course"):
            course_ids = {data["course"]} if course_ids is None else course_ids & {data["course"]}
        return ReportFilter(
            first_month=data["start"],
            last_month=data["end"],
            unit_id=data.get("unit"),
            course_ids=frozenset(course_ids) if course_ids is not None else None,
            ethnic_group_ids=(
                frozenset({data["ethnic_group"]}) if data.get("ethnic_group") is not None else None
            ),
            sex=data.get("sex") or None,
            age_band=data.get("age_band") or None,
            category=data.get("category") or None,
        )
