from django import forms
from django.core.validators import FileExtensionValidator
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .services.cohort_import import COLUMNS, MAX_BYTES, OPTIONAL_COLUMNS


class CohortUploadForm(forms.Form):
    name = forms.CharField(label=_("Tên lớp"), max_length=150)
    file = forms.FileField(
        label=_("Danh sách học viên (Excel .xlsx hoặc CSV UTF-8)"),
        validators=[FileExtensionValidator(["xlsx", "csv"])],
        help_text=format_lazy(
            _("Các cột: {cols}; thêm nếu có: {opt}."),
            cols=", ".join(COLUMNS),
            opt=", ".join(OPTIONAL_COLUMNS),
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("Tệp quá lớn (tối đa 1 MB)."))
        return upload
