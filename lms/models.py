"""People, administrative units and the scopes that decide who may see whom."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .text import fold, vi_sort_key


class AdministrativeUnit(models.Model):
    """A unit of Lạng Sơn, current or former.

    The 2025 reorganisation replaced 11 districts and 194 communes with 65 communes and
    wards. Former units are kept so that records made before it still roll up: each
    former commune points at the current unit that absorbed it (``current_unit``).
    """

    class Level(models.TextChoices):
        PROVINCE = "province", _("Tỉnh")
        DISTRICT = "district", _("Huyện (cũ)")
        COMMUNE = "commune", _("Xã/phường")

    code = models.CharField(_("mã"), max_length=8)
    name = models.CharField(_("tên"), max_length=120)
    level = models.CharField(_("cấp"), max_length=10, choices=Level.choices)
    is_current = models.BooleanField(_("đang hiệu lực"), default=True)
    valid_from = models.DateField(_("hiệu lực từ"), null=True, blank=True)
    valid_to = models.DateField(_("hiệu lực đến"), null=True, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("đơn vị cấp trên"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    sort_key = models.CharField(
        _("khóa sắp xếp"),
        max_length=400,
        editable=False,
        default="",
        help_text=_("Tên theo thứ tự từ điển tiếng Việt (Đ sau D), tự tính khi lưu."),
    )
    current_unit = models.ForeignKey(
        "self",
        verbose_name=_("đơn vị hiện hành"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="absorbed_units",
        help_text=_("Đơn vị hiện hành tiếp nhận đơn vị này (chính nó nếu đang hiệu lực)."),
    )

    class Meta:
        verbose_name = _("đơn vị hành chính")
        verbose_name_plural = _("đơn vị hành chính")
        ordering = ["-is_current", "level", "sort_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "level", "is_current"], name="unique_unit_code_per_generation"
            )
        ]

    def __str__(self) -> str:
        return self.name if self.is_current else "{} ({})".format(self.name, _("cũ"))

    def save(self, *args, **kwargs):
        self.sort_key = vi_sort_key(self.name)
        if kwargs.get("update_fields") is not None and "name" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "sort_key"}
        super().save(*args, **kwargs)


class UnitSuccession(models.Model):
    """Old-to-new mapping of the 2025 reorganisation; a commune split in parts has several."""

    former = models.ForeignKey(
        AdministrativeUnit,
        verbose_name=_("đơn vị cũ"),
        on_delete=models.CASCADE,
        related_name="successions",
    )
    successor = models.ForeignKey(
        AdministrativeUnit,
        verbose_name=_("đơn vị tiếp nhận"),
        on_delete=models.CASCADE,
        related_name="predecessions",
    )
    merge_type = models.CharField(
        _("kiểu sáp nhập"),
        max_length=10,
        choices=[("full", _("toàn bộ")), ("partial", _("một phần"))],
    )

    class Meta:
        verbose_name = _("sáp nhập đơn vị")
        verbose_name_plural = _("sáp nhập đơn vị")
        constraints = [
            models.UniqueConstraint(fields=["former", "successor"], name="unique_succession")
        ]

    def __str__(self) -> str:
        return f"{self.former} → {self.successor} ({self.merge_type})"


class EthnicGroup(models.Model):
    """One code of one official code list; codes of different lists are never mixed."""

    code = models.CharField(_("mã"), max_length=4)
    name = models.CharField(_("tên"), max_length=60)
    code_list = models.CharField(_("danh mục"), max_length=40)

    class Meta:
        verbose_name = _("dân tộc")
        verbose_name_plural = _("dân tộc")
        ordering = ["code_list", "code"]
        constraints = [
            models.UniqueConstraint(fields=["code_list", "code"], name="unique_code_per_list")
        ]

    def __str__(self) -> str:
        return self.name


class LearnerProfile(models.Model):
    class Category(models.TextChoices):
        OFFICIAL = "official", _("Cán bộ, công chức")
        YOUTH = "youth", _("Thanh niên")
        PRESTIGIOUS = "prestigious", _("Người có uy tín")
        CITIZEN = "citizen", _("Người dân")

    class Sex(models.TextChoices):
        """Statistics of the programme are reported by sex, so it is asked; but no law
        obliges a person who signs up for a voluntary course to state it (the statistics
        law binds those who report, and the personal-data law asks that only needed data
        be required), so "prefer not to say" is offered and counted as "not stated"
        rather than guessed."""

        FEMALE = "female", _("Nữ")
        MALE = "male", _("Nam")
        OTHER = "other", _("Khác")
        UNSTATED = "unstated", _("Không muốn nêu")

    class EthnicConsent(models.TextChoices):
        NOT_ASKED = "", _("Chưa hỏi")
        GIVEN = "given", _("Đồng ý")
        DECLINED = "declined", _("Từ chối")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("tài khoản"),
        on_delete=models.CASCADE,
        related_name="learner_profile",
    )
    full_name = models.CharField(_("họ và tên"), max_length=150)
    category = models.CharField(_("đối tượng"), max_length=20, choices=Category.choices)
    occupation = models.CharField(_("cơ quan/nghề nghiệp"), max_length=200, blank=True)
    sex = models.CharField(
        _("giới tính"),
        max_length=10,
        choices=Sex.choices,
        help_text=_("Người học có thể chọn “Không muốn nêu”; báo cáo đếm riêng nhóm “không nêu”."),
    )
    birth_year = models.PositiveSmallIntegerField(_("năm sinh"))
    phone = models.CharField(_("số điện thoại"), max_length=20, blank=True)
    unit = models.ForeignKey(
        AdministrativeUnit,
        verbose_name=_("xã/phường"),
        on_delete=models.PROTECT,
        related_name="learners",
    )
    ethnic_group = models.ForeignKey(
        EthnicGroup,
        verbose_name=_("dân tộc"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    ethnic_consent = models.CharField(
        _("đồng ý cung cấp dân tộc"),
        max_length=10,
        choices=EthnicConsent.choices,
        blank=True,
        default=EthnicConsent.NOT_ASKED,
    )
    ethnic_consent_at = models.DateTimeField(_("thời điểm trả lời"), null=True, blank=True)
    must_change_password = models.BooleanField(
        _("phải đổi mật khẩu"),
        default=False,
        help_text=_(
            "Mật khẩu hiện tại là mật khẩu dùng một lần do giảng viên hoặc quản lý cấp: "
            "lần đăng nhập tới, người học phải đặt mật khẩu của mình trước khi làm gì khác."
        ),
    )
    search_key = models.CharField(
        _("khóa tìm kiếm"),
        max_length=200,
        editable=False,
        default="",
        help_text=_("Họ tên không dấu, chữ thường, để tìm không cần gõ dấu; tự tính khi lưu."),
    )
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("hồ sơ người học")
        verbose_name_plural = _("hồ sơ người học")
        constraints = [
            # Sensitive data is only ever held with consent.
            models.CheckConstraint(
                condition=Q(ethnic_group__isnull=True) | Q(ethnic_consent="given"),
                name="ethnic_group_requires_consent",
            ),
            models.CheckConstraint(
                condition=Q(birth_year__gte=1900) & Q(birth_year__lte=2100),
                name="plausible_birth_year",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args, **kwargs):
        self.search_key = fold(self.full_name)
        if kwargs.get("update_fields") is not None and "full_name" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_key"}
        super().save(*args, **kwargs)


class ManagerScope(models.Model):
    """A manager reads reports for these units; a scope with no unit is the whole province."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người quản lý"),
        on_delete=models.CASCADE,
        related_name="manager_scopes",
    )
    unit = models.ForeignKey(
        AdministrativeUnit,
        verbose_name=_("xã/phường"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        limit_choices_to={"is_current": True},
        help_text=_("Để trống: toàn tỉnh."),
    )

    class Meta:
        verbose_name = _("phạm vi quản lý")
        verbose_name_plural = _("phạm vi quản lý")
        constraints = [
            models.UniqueConstraint(fields=["user", "unit"], name="unique_manager_unit"),
            models.UniqueConstraint(
                fields=["user"], condition=Q(unit__isnull=True), name="unique_province_scope"
            ),
        ]

    def __str__(self) -> str:
        return "{} → {}".format(self.user, self.unit or _("toàn tỉnh"))
