"""Exports a reader asked for, built by a worker, and the audit log of every export."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportExport(models.Model):
    class Kind(models.TextChoices):
        XLSX = "xlsx", _("Bảng tính Excel (.xlsx)")
        CSV = "csv", _("CSV")
        PDF = "pdf", _("Báo cáo PDF")
        ADX = "adx", _("ADX (XML)")
        DHIS2 = "dhis2", _("DHIS2 dataValueSets (JSON)")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Đang chờ")
        RUNNING = "running", _("Đang tạo")
        DONE = "done", _("Xong")
        FAILED = "failed", _("Lỗi")
        EXPIRED = "expired", _("Đã hết hạn")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # What was asked (the dashboard's filters, a table, an indicator set) as given.
    params = models.JSONField(default=dict)
    description = models.CharField(max_length=300)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    file_name = models.CharField(max_length=120, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("tệp xuất báo cáo")
        verbose_name_plural = _("tệp xuất báo cáo")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.description


class ExportAudit(models.Model):
    """Who exported what, when, and who downloaded it: kept when the file is gone."""

    class Action(models.TextChoices):
        REQUESTED = "requested", _("yêu cầu")
        DONE = "done", _("tạo xong")
        FAILED = "failed", _("lỗi")
        DOWNLOADED = "downloaded", _("tải về")
        EXPIRED = "expired", _("hết hạn, đã xóa tệp")

    at = models.DateTimeField(_("lúc"), auto_now_add=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người thực hiện"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    username = models.CharField(_("tên đăng nhập"), max_length=150, blank=True)
    action = models.CharField(_("việc"), max_length=12, choices=Action.choices)
    export = models.ForeignKey(
        ReportExport,
        verbose_name=_("tệp xuất"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="audit",
    )
    description = models.CharField(_("nội dung"), max_length=300)

    class Meta:
        verbose_name = _("nhật ký xuất báo cáo")
        verbose_name_plural = _("nhật ký xuất báo cáo")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action}"
