"""Generated PDF summaries, cached by what they show: unit, period, language and data version."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from provinces.models import Unit


class PdfStatus(models.TextChoices):
    PENDING = "pending", _("Đang chờ tạo")
    RUNNING = "running", _("Đang tạo")
    READY = "ready", _("Đã sẵn sàng")
    FAILED = "failed", _("Tạo không thành công")


class SummaryPdf(models.Model):
    """One generated summary of a unit for a month, in one language, from one version of the data.

    A new data_version (the figures were recomputed) means a new row, so a cached PDF never shows
    stale figures. The bytes live in the database: the web process and the worker share no disk in
    the docker-compose topology, and a summary is a few hundred kilobytes.
    """

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField(_("năm"))
    month = models.PositiveSmallIntegerField(_("tháng"))
    language = models.CharField(_("ngôn ngữ"), max_length=8)
    data_version = models.PositiveBigIntegerField(_("phiên bản số liệu"))
    status = models.CharField(
        _("trạng thái"), max_length=8, choices=PdfStatus.choices, default=PdfStatus.PENDING
    )
    content = models.BinaryField(_("nội dung PDF"), null=True, editable=False)
    error = models.TextField(_("lỗi"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("yêu cầu lúc"), auto_now_add=True)
    generated_at = models.DateTimeField(_("tạo xong lúc"), null=True)
    render_ms = models.PositiveIntegerField(null=True)

    class Meta:
        verbose_name = _("bản PDF tóm tắt")
        verbose_name_plural = _("bản PDF tóm tắt")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "month", "language", "data_version"],
                name="summarypdf_one_per_version",
                violation_error_message=_("Bản tóm tắt này đã có."),
            ),
            models.CheckConstraint(
                condition=Q(month__gte=1, month__lte=12),
                name="summarypdf_month_range",
                violation_error_message=_("Tháng phải từ 1 đến 12."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=PdfStatus.values),
                name="summarypdf_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status=PdfStatus.READY) | Q(content__isnull=False),
                name="summarypdf_ready_has_content",
                violation_error_message=_("Bản PDF đã sẵn sàng phải có nội dung."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.month:02d}/{self.year} [{self.language}] v{self.data_version}"

    @property
    def filename(self) -> str:
        return f"bhxh-tu-nguyen-{self.unit.url_code}-{self.year}-{self.month:02d}.pdf"
