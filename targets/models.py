"""Yearly targets, monthly counts per commune, month reopenings and the audit history."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from provinces.models import GrassrootsOffice, Unit

MONTH_RANGE = Q(month__gte=1, month__lte=12)


class TargetKind(models.TextChoices):
    PARTICIPANTS = "participants", _("Số người tham gia cuối năm")
    NEW_PARTICIPANTS = "new", _("Số người phát triển mới trong năm")


# A deadline month, or none (NULL: taken from the level above when the figures are computed).
DEADLINE_RANGE = Q(deadline_month__isnull=True) | Q(deadline_month__gte=1, deadline_month__lte=12)


class YearRecord(models.Model):
    """Anything set for a year (a target, a plan): the year, who set it last and when."""

    year = models.PositiveSmallIntegerField(_("năm"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class YearValue(YearRecord):
    """A yearly target that is one count (an organisation's, a collection staff member's)."""

    value = models.PositiveIntegerField(_("chỉ tiêu"))

    class Meta:
        abstract = True


class YearTarget(YearValue):
    """What a target is, whoever it is given to: a year, its kind, the value, a deadline."""

    kind = models.CharField(_("loại chỉ tiêu"), max_length=16, choices=TargetKind.choices)
    # The month by which the province asks the unit to reach the target; drives the required pace.
    # NULL: none of its own; it takes its nearest ancestor's (district, province, nation), else
    # December, when the figures are computed (progress/figures.py).
    deadline_month = models.PositiveSmallIntegerField(_("tháng hoàn thành"), null=True, blank=True)

    class Meta:
        abstract = True


class Target(YearTarget):
    """The target assigned to a unit for a year: a stock (participants at year end) or a flow."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="targets")

    class Meta:
        verbose_name = _("chỉ tiêu")
        verbose_name_plural = _("chỉ tiêu")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "kind"],
                name="target_one_per_unit_year_kind",
                violation_error_message=_("Đơn vị đã có chỉ tiêu loại này cho năm này."),
            ),
            models.CheckConstraint(
                condition=DEADLINE_RANGE,
                name="target_deadline_month_range",
                violation_error_message=_("Tháng hoàn thành phải từ 1 đến 12."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.year} {self.get_kind_display()}: {self.value}"


class OfficeTarget(YearTarget):
    """The target a province of today's map gives one of its grassroots offices for a year.

    The office shares it out among its communes (their own Target rows); the allocation check
    compares the two, and the offices' targets with the province's. Offices feed no figure: a
    NULL deadline shows the province's.
    """

    office = models.ForeignKey(GrassrootsOffice, on_delete=models.PROTECT, related_name="targets")

    class Meta:
        verbose_name = _("chỉ tiêu BHXH cơ sở")
        verbose_name_plural = _("chỉ tiêu BHXH cơ sở")
        constraints = [
            models.UniqueConstraint(
                fields=["office", "year", "kind"],
                name="office_target_one_per_year_kind",
                violation_error_message=_("BHXH cơ sở đã có chỉ tiêu loại này cho năm này."),
            ),
            models.CheckConstraint(
                condition=DEADLINE_RANGE,
                name="office_target_deadline_month_range",
                violation_error_message=_("Tháng hoàn thành phải từ 1 đến 12."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.office} {self.year} {self.get_kind_display()}: {self.value}"


class MonthlyCount(models.Model):
    """What one commune reported for one month: participants at the cut-off and new sign-ups."""

    commune = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="monthly_counts")
    year = models.PositiveSmallIntegerField(_("năm"))
    month = models.PositiveSmallIntegerField(_("tháng"))
    participants = models.PositiveIntegerField(_("số người tham gia"))
    new_participants = models.PositiveIntegerField(_("phát triển mới"), default=0)
    # Optimistic locking: a save names the version it started from; a mismatch is a conflict.
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("số liệu tháng")
        verbose_name_plural = _("số liệu tháng")
        constraints = [
            models.UniqueConstraint(
                fields=["commune", "year", "month"],
                name="count_one_per_commune_month",
                violation_error_message=_("Xã đã có số liệu cho tháng này."),
            ),
            models.CheckConstraint(
                condition=MONTH_RANGE,
                name="count_month_range",
                violation_error_message=_("Tháng phải từ 1 đến 12."),
            ),
        ]
        indexes = [models.Index(fields=["year", "month"], name="count_year_month")]

    def __str__(self) -> str:
        return f"{self.commune} {self.month:02d}/{self.year}: {self.participants}"


class MonthReopening(models.Model):
    """A provincial officer reopened a closed month for the province until a given time."""

    province = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("năm"))
    month = models.PositiveSmallIntegerField(_("tháng"))
    open_until = models.DateTimeField(_("mở đến"))
    reason = models.CharField(_("lý do"), max_length=300, blank=True)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reopened_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("mở lại tháng")
        verbose_name_plural = _("mở lại tháng")
        constraints = [models.CheckConstraint(condition=MONTH_RANGE, name="reopening_month_range")]
        indexes = [models.Index(fields=["province", "year", "month"], name="reopening_lookup")]

    def __str__(self) -> str:
        return f"{self.province} {self.month:02d}/{self.year}"


class ChangeRecord(models.Model):
    """One audited change of a figure: the value before and after, who made it, when, and from
    where ("form", "import"). The outreach app's audit tables build on it."""

    old_value = models.IntegerField(_("giá trị cũ"), null=True, blank=True)
    new_value = models.IntegerField(_("giá trị mới"), null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    changed_at = models.DateTimeField(_("thời điểm"), auto_now_add=True)
    source = models.CharField(_("nguồn"), max_length=16, default="form")

    class Meta:
        abstract = True
        ordering = ["-changed_at", "-id"]


class ChangeField(models.TextChoices):
    PARTICIPANTS = "participants", _("Số người tham gia")
    NEW_PARTICIPANTS = "new_participants", _("Phát triển mới")
    TARGET_PARTICIPANTS = "target_participants", _("Chỉ tiêu số người tham gia")
    TARGET_NEW = "target_new", _("Chỉ tiêu phát triển mới")
    DEADLINE_MONTH = "deadline_month", _("Tháng hoàn thành")
    # coverage (coverage app): the labour force, and the coverage target in hundredths of a %
    LABOUR_FORCE = "labour_force", _("Lực lượng lao động trong độ tuổi")
    COVERAGE_TARGET = "coverage_target", _("Mục tiêu bao phủ (%)")


class ChangeLog(models.Model):
    """Audit history: every change to a count or a target, who made it and when."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="changes")
    # Set for a grassroots office's target; `unit` is then the office's province.
    office = models.ForeignKey(
        GrassrootsOffice, on_delete=models.PROTECT, null=True, blank=True, related_name="changes"
    )
    year = models.PositiveSmallIntegerField(_("năm"))
    month = models.PositiveSmallIntegerField(_("tháng"), null=True, blank=True)
    field = models.CharField(_("trường"), max_length=24, choices=ChangeField.choices)
    old_value = models.IntegerField(_("giá trị cũ"), null=True, blank=True)
    new_value = models.IntegerField(_("giá trị mới"), null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    changed_at = models.DateTimeField(_("thời điểm"), auto_now_add=True, db_index=True)
    source = models.CharField(_("nguồn"), max_length=16, default="form")

    class Meta:
        verbose_name = _("lịch sử thay đổi")
        verbose_name_plural = _("lịch sử thay đổi")
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["unit", "year", "month"], name="changelog_unit_period")]

    def __str__(self) -> str:
        return f"{self.unit} {self.field}: {self.old_value} -> {self.new_value}"
