from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import gettext_lazy as _

from . import person_rules
from .models import EthnicGroup, LearnerProfile
from .selectors import current_units

ETHNIC_PURPOSE = _(
    "Thông tin dân tộc là dữ liệu cá nhân nhạy cảm. Chúng tôi chỉ dùng để thống kê tổng "
    "hợp (không công bố nhóm nhỏ) phục vụ báo cáo chương trình hỗ trợ đồng bào dân tộc "
    "thiểu số. Bạn có thể không trả lời và rút lại đồng ý bất cứ lúc nào."
)


def _must_choose(choices) -> list:
    """A list with nothing chosen at first: a preset answer would be recorded for
    everyone who skipped the question, and skew the statistics."""
    return [("", _("— Chọn —")), *choices]


class PersonFieldsMixin:
    """The person rules (lms.person_rules) applied to whichever of their fields a form has."""

    def _clean_person_field(self, name, rule):
        value = self.cleaned_data.get(name)
        if value in (None, ""):
            return value
        return rule(value)

    def clean_full_name(self):
        return self._clean_person_field("full_name", person_rules.clean_full_name)

    def clean_birth_year(self):
        return self._clean_person_field("birth_year", person_rules.clean_birth_year)

    def clean_phone(self):
        return self._clean_person_field("phone", person_rules.clean_phone)

    def clean_email(self):
        return self._clean_person_field("email", person_rules.clean_email)

    def clean_occupation(self):
        return self._clean_person_field("occupation", person_rules.clean_occupation)


def _sex_field():
    return forms.ChoiceField(
        label=_("Giới tính"),
        choices=_must_choose(LearnerProfile.Sex.choices),
        help_text=_("Dùng cho thống kê theo giới tính; bạn có thể chọn “Không muốn nêu”."),
    )


def _unit_field():
    return forms.ModelChoiceField(
        label=_("Xã/phường nơi bạn sống hoặc làm việc"),
        queryset=current_units(),
        empty_label=_("— Chọn xã/phường —"),
    )


class SignUpForm(PersonFieldsMixin, UserCreationForm):
    full_name = forms.CharField(label=_("Họ và tên"), max_length=person_rules.NAME_MAX_LENGTH)
    email = forms.EmailField(
        label=_("Email"), required=False, help_text=_("Để lấy lại mật khẩu khi quên.")
    )
    phone = forms.CharField(
        label=_("Số điện thoại"), max_length=person_rules.PHONE_MAX_LENGTH, required=False
    )
    category = forms.ChoiceField(
        label=_("Bạn là"), choices=_must_choose(LearnerProfile.Category.choices)
    )
    occupation = forms.CharField(
        label=_("Cơ quan/nghề nghiệp"),
        max_length=person_rules.OCCUPATION_MAX_LENGTH,
        required=False,
    )
    sex = _sex_field()
    birth_year = forms.IntegerField(label=_("Năm sinh"))
    unit = _unit_field()
    ethnic_consent = forms.ChoiceField(
        label=_("Bạn có đồng ý cho biết dân tộc của mình không?"),
        help_text=ETHNIC_PURPOSE,
        choices=[("yes", _("Có, tôi đồng ý")), ("no", _("Không, tôi không muốn cho biết"))],
        widget=forms.RadioSelect,
        initial="no",
    )
    ethnic_group = forms.ModelChoiceField(
        label=_("Dân tộc"),
        queryset=EthnicGroup.objects.all(),
        required=False,
        empty_label=_("— Chọn dân tộc —"),
    )

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Tên đăng nhập")
        self.fields["username"].help_text = _("Chữ, số và @ . + - _ (không dấu, không cách).")
        low, high = person_rules.birth_year_range()
        self.fields["birth_year"].widget.attrs.update({"min": low, "max": high})

    def clean_username(self):
        self.cleaned_data["username"] = person_rules.clean_username(
            self.cleaned_data.get("username", "")
        )
        return super().clean_username()  # refuses names that differ only in case

    def clean(self):
        cleaned = super().clean()
        consent = cleaned.get("ethnic_consent") == "yes"
        if consent and not cleaned.get("ethnic_group"):
            self.add_error("ethnic_group", _("Hãy chọn dân tộc, hoặc chọn “Không”."))
        return cleaned


class ProfileForm(PersonFieldsMixin, forms.Form):
    """What a learner keeps up to date themselves: the rest (category, birth year) is
    what they signed up as, and the admin corrects it."""

    full_name = forms.CharField(label=_("Họ và tên"), max_length=person_rules.NAME_MAX_LENGTH)
    sex = _sex_field()
    unit = _unit_field()
    phone = forms.CharField(
        label=_("Số điện thoại"), max_length=person_rules.PHONE_MAX_LENGTH, required=False
    )
    email = forms.EmailField(
        label=_("Email"), required=False, help_text=_("Để lấy lại mật khẩu khi quên.")
    )


class EthnicityForm(forms.Form):
    ethnic_consent = SignUpForm.base_fields["ethnic_consent"]
    ethnic_group = SignUpForm.base_fields["ethnic_group"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("ethnic_consent") == "yes" and not cleaned.get("ethnic_group"):
            self.add_error("ethnic_group", _("Hãy chọn dân tộc, hoặc chọn “Không”."))
        return cleaned
