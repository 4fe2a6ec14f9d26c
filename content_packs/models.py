"""Interactive packages (H5P, SCORM), the H5P libraries they share, and what learners
leave in them: xAPI statements, resume state, SCORM attempts."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.models import CollectionMember
from wagtail.search import index

from .packfile import PackError, key_id, load_public_key


class H5PLibrary(models.Model):
    """One version of an H5P library, stored once and shared by every package that
    names it (under packages/h5p-libraries/<folder>/)."""

    machine_name = models.CharField(max_length=255)
    major = models.PositiveIntegerField()
    minor = models.PositiveIntegerField()
    patch = models.PositiveIntegerField()
    title = models.CharField(max_length=255)
    runnable = models.BooleanField(default=False)
    metadata = models.JSONField(default=dict)
    files = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("thư viện H5P")
        verbose_name_plural = _("thư viện H5P")
        constraints = [
            models.UniqueConstraint(
                fields=["machine_name", "major", "minor", "patch"], name="h5p_library_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.machine_name} {self.major}.{self.minor}.{self.patch}"

    @property
    def folder(self) -> str:
        """The folder name a player looks for (H5P names folders by major.minor)."""
        return f"{self.machine_name}-{self.major}.{self.minor}"

    @property
    def storage_prefix(self) -> str:
        return f"packages/h5p-libraries/{self.folder}.{self.patch}"


class Package(CollectionMember, index.Indexed, models.Model):
    """An uploaded H5P or SCORM package, kept in a course's collection like its media."""

    class Kind(models.TextChoices):
        H5P = "h5p", "H5P"
        SCORM12 = "scorm12", "SCORM 1.2"
        SCORM2004 = "scorm2004", "SCORM 2004"

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    title = models.CharField(_("tiêu đề"), max_length=255)
    # H5P: the main library; SCORM: the manifest's edition ("2004 4th Edition").
    main_library = models.CharField(max_length=255, blank=True)
    # The page a SCORM player opens first, relative to the package's folder.
    launch = models.CharField(max_length=1000, blank=True)
    # Whether the content reports a score (completion then needs one) or only needs
    # to be seen. Found from the package; a trainer may correct it.
    scored = models.BooleanField(
        _("có chấm điểm"),
        default=False,
        help_text=_("Hoàn thành khi có điểm; nếu không, hoàn thành khi học viên đã mở và xem."),
    )
    # SCORM's mastery score (0..100), or the pass mark a trainer sets for H5P.
    pass_percent = models.FloatField(
        _("điểm đạt (%)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    metadata = models.JSONField(default=dict)
    files = models.JSONField(default=list)
    size = models.BigIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    libraries = models.ManyToManyField(H5PLibrary, related_name="packages", blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    search_fields = [
        index.SearchField("title"),
        index.AutocompleteField("title"),
        index.FilterField("collection"),
    ]

    class Meta:
        verbose_name = _("gói nội dung tương tác")
        verbose_name_plural = _("gói nội dung tương tác")
        ordering = ["-created_at"]
        permissions = [("choose_package", "Can choose package")]

    def __str__(self) -> str:
        return self.title

    @property
    def storage_prefix(self) -> str:
        return f"packages/{self.kind}/{self.key}"


class Statement(models.Model):
    """An xAPI statement a package emitted, as its JavaScript sent it (client-reported:
    kept raw, the progress pipeline judges what it may count)."""

    id = models.UUIDField(primary_key=True)
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    activity = models.ForeignKey("courses.Activity", on_delete=models.CASCADE, related_name="+")
    verb = models.CharField(max_length=255)
    statement = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["learner", "activity"])]

    def __str__(self) -> str:
        return f"{self.verb} ({self.id})"


class PackageState(models.Model):
    """Where a learner left a package (H5P's user data), restored on their next visit."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    activity = models.ForeignKey("courses.Activity", on_delete=models.CASCADE, related_name="+")
    state = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["learner", "activity"], name="package_state_once")
        ]

    def __str__(self) -> str:
        return f"state of {self.learner_id} in {self.activity_id}"


class ScormAttempt(models.Model):
    """One attempt of a learner at a SCORM package: its CMI data model as the runtime
    last committed it."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    activity = models.ForeignKey("courses.Activity", on_delete=models.CASCADE, related_name="+")
    number = models.PositiveIntegerField(default=1)
    cmi = models.JSONField(default=dict)
    completion_status = models.CharField(max_length=32, blank=True)
    success_status = models.CharField(max_length=32, blank=True)
    score_scaled = models.FloatField(null=True, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "activity", "number"], name="scorm_attempt_number"
            )
        ]

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.learner_id} in {self.activity_id}"


class TrustedPackKey(models.Model):
    """Another installation's public key: course packs it signed are accepted here."""

    name = models.CharField(_("tên"), max_length=120, help_text=_("Ví dụ: Sở GD&ĐT tỉnh Cao Bằng"))
    public_key = models.CharField(
        _("khóa công khai"),
        max_length=200,
        unique=True,
        help_text=_("Dạng ed25519:… do hệ thống kia cung cấp (trang Gói khóa học của họ)."),
    )
    key_id = models.CharField(max_length=16, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("khóa tin cậy cho gói khóa học")
        verbose_name_plural = _("khóa tin cậy cho gói khóa học")

    def __str__(self) -> str:
        return f"{self.name} ({self.key_id})"

    def save(self, *args, **kwargs):
        self.public_key = self.public_key.strip()
        self.key_id = key_id(load_public_key(self.public_key))
        super().save(*args, **kwargs)

    def clean(self) -> None:
        try:
            load_public_key(self.public_key.strip())
        except PackError as error:
            raise ValidationError({"public_key": str(error)}) from None


class PackJob(models.Model):
    """An export or import of a course pack run by a worker, with its progress."""

    class Kind(models.TextChoices):
        EXPORT = "export", _("Xuất gói")
        IMPORT = "import", _("Nhập gói")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Đang chờ")
        RUNNING = "running", _("Đang chạy")
        DONE = "done", _("Xong")
        FAILED = "failed", _("Không thành công")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    course = models.ForeignKey(
        "courses.CoursePage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # "verify", "import" or "export": what done_bytes counts.
    phase = models.CharField(max_length=8, blank=True)
    done_bytes = models.BigIntegerField(default=0)
    total_bytes = models.BigIntegerField(default=0)
    message = models.TextField(blank=True)
    # The pack's file under PRIVATE_ROOT/packs (the export's result, the import's input).
    file = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(self.done_bytes * 100 / self.total_bytes) if self.total_bytes else 0
