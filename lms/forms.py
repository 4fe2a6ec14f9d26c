import unicodedata
from datetime import date

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.validators import ASCIIUsernameValidator
from django.utils.translation import gettext_lazy as _

from .models import EthnicGroup, LearnerProfile
from .selectors import current_units

ETHNIC_PURPOSE = _(
    "Thông tin dân tộc là dữ liệu cá nhân nhạy cảm. Chúng tôi chỉ dùng để thống kê tổng "
    "hợp (không công bố nhóm nhỏ) phục vụ báo cáo chương trình hỗ trợ đồng bào dân tộc "
    "thiểu số. Bạn có thể không trả lời và rút lại đồng ý bất cứ lúc nào."
)


class SignUpForm(UserCreationForm):
    full_name = forms.CharField(label=_("Họ và tên"), max_length=150)
    email = forms.EmailField(
        label=_("Email"), required=False, help_text=_("Để lấy lại mật khẩu khi quên.")
    )
    phone = forms.CharField(label=_("Số điện thoại"), max_length=20, required=False)
    category = forms.ChoiceField(label=_("Bạn là"), choices=LearnerProfile.Category.choices)
    occupation = forms.CharField(label=_("Cơ quan/nghề nghiệp"), max_length=200, required=False)
    sex = forms.ChoiceField(label=_("Giới tính"), choices=LearnerProfile.Sex.choices)
    birth_year = forms.IntegerField(label=_("Năm sinh"))
    unit = forms.ModelChoiceField(
        label=_("Xã/phường nơi bạn sống hoặc làm việc"),
        queryset=current_units(),
        empty_label=_("— Chọn xã/phường —"),
    )
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
        # As the help says, and as cohort lists require: "Hòa" or a Cyrillic look-alike
        # "hoа" could never be matched by a trainer's list, nor told apart on screen.
        self.fields["username"].validators.append(
            ASCIIUsernameValidator(
                message=_("Tên đăng nhập chỉ gồm chữ không dấu, số và @ . + - _.")
            )
        )

    def clean_full_name(self):
        name = self.cleaned_data["full_name"]
        # Control and invisible formatting characters (U+202E, which turns the text round,
        # U+200B...) would go on the certificate; the cohort import refuses controls too.
        if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in name):
            raise forms.ValidationError(_("Họ và tên có ký tự không hợp lệ."))
        return name

    def clean_birth_year(self):
        year = self.cleaned_data["birth_year"]
        if not 1920 <= year <= date.today().year - 10:
            raise forms.ValidationError(_("Năm sinh không hợp lệ."))
        return year

    def clean(self):
        cleaned = super().clean()
        consent = cleaned.get("ethnic_consent") == "yes"
        if consent and not cleaned.get("ethnic_group"):
            self.add_error("ethnic_group", _("Hãy chọn dân tộc, hoặc chọn “Không”."))
        return cleaned


class EthnicityForm(forms.Form):
    ethnic_consent = SignUpForm.base_fields["ethnic_consent"]
    ethnic_group = SignUpForm.base_fields["ethnic_group"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("ethnic_consent") == "yes" and not cleaned.get("ethnic_group"):
            self.add_error("ethnic_group", _("Hãy chọn dân tộc, hoặc chọn “Không”."))
        return cleaned
