"""How our indicators, units and dimension options are named by a receiving system
(a DHIS2 instance, or any system reading ADX): edited by an admin."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel

DISAGGREGATIONS = [
    ("", _("Không phân tổ")),
    ("sex", _("Giới tính")),
    ("age_band", _("Độ tuổi")),
    ("category", _("Đối tượng")),
    ("ethnic_group", _("Dân tộc")),
]


class ExchangeTarget(ClusterableModel):
    name = models.CharField(_("hệ thống nhận"), max_length=120)
    data_set = models.CharField(
        _("mã bộ dữ liệu (data set)"),
        max_length=60,
        help_text=_("Mã hoặc UID của bộ dữ liệu bên nhận."),
    )
    province_org_unit = models.CharField(
        _("mã đơn vị của tỉnh"),
        max_length=60,
        blank=True,
        help_text=_("Để trống: không gửi số toàn tỉnh, chỉ gửi từng xã/phường."),
    )
    notes = models.TextField(_("ghi chú"), blank=True)

    class Meta:
        verbose_name = _("hệ thống nhận số liệu")
        verbose_name_plural = _("hệ thống nhận số liệu")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class IndicatorMapping(models.Model):
    target = ParentalKey(ExchangeTarget, on_delete=models.CASCADE, related_name="indicators")
    indicator = models.ForeignKey(
        "reports.Indicator", verbose_name=_("chỉ số"), on_delete=models.CASCADE, related_name="+"
    )
    data_element = models.CharField(_("mã chỉ tiêu bên nhận (data element)"), max_length=60)
    disaggregate_by = models.CharField(
        _("phân tổ theo"), max_length=20, choices=DISAGGREGATIONS, blank=True
    )
    category_option_combo = models.CharField(
        _("category option combo (khi không phân tổ)"), max_length=60, blank=True
    )
    attribute_option_combo = models.CharField(
        _("attribute option combo"), max_length=60, blank=True
    )

    class Meta:
        verbose_name = _("ánh xạ chỉ số")
        verbose_name_plural = _("ánh xạ chỉ số")
        constraints = [
            models.UniqueConstraint(
                fields=["target", "indicator"], name="one_mapping_per_indicator"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id} → {self.data_element}"


class UnitMapping(models.Model):
    target = ParentalKey(ExchangeTarget, on_delete=models.CASCADE, related_name="units")
    unit = models.ForeignKey(
        "lms.AdministrativeUnit",
        verbose_name=_("xã/phường"),
        on_delete=models.CASCADE,
        limit_choices_to={"is_current": True, "level": "commune"},
        related_name="+",
    )
    org_unit = models.CharField(_("mã đơn vị bên nhận (org unit)"), max_length=60)

    class Meta:
        verbose_name = _("ánh xạ đơn vị")
        verbose_name_plural = _("ánh xạ đơn vị")
        constraints = [
            models.UniqueConstraint(fields=["target", "unit"], name="one_mapping_per_unit")
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} → {self.org_unit}"


class OptionMapping(models.Model):
    """One option of a dimension (a sex, an age band, a category, an ethnic group's code)
    as the receiving system names it: an ADX attribute and code, and a DHIS2 combo."""

    target = ParentalKey(ExchangeTarget, on_delete=models.CASCADE, related_name="options")
    dimension = models.CharField(
        _("phân tổ"), max_length=20, choices=[d for d in DISAGGREGATIONS if d[0]]
    )
    our_code = models.CharField(
        _("mã của ta"),
        max_length=20,
        help_text=_(
            "female/male/other/unstated; u16, 16-30...; official, youth...; mã dân tộc (01...)."
        ),
    )
    attribute = models.CharField(_("thuộc tính ADX"), max_length=40, help_text=_("Ví dụ SEX."))
    option_code = models.CharField(_("mã phương án bên nhận"), max_length=60)
    category_option_combo = models.CharField(
        _("category option combo (DHIS2)"), max_length=60, blank=True
    )

    class Meta:
        verbose_name = _("ánh xạ phương án phân tổ")
        verbose_name_plural = _("ánh xạ phương án phân tổ")
        constraints = [
            models.UniqueConstraint(
                fields=["target", "dimension", "our_code"], name="one_mapping_per_option"
            )
        ]

    def __str__(self) -> str:
        return f"{self.dimension}:{self.our_code} → {self.attribute}={self.option_code}"
