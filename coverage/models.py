"""Coverage (tỷ lệ bao phủ): the working-age labour force of a unit and year, its coverage target.

The progress recompute reads both (progress/figures.py): coverage = participants / labour force.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from provinces.models import Unit


class LabourForceSource(models.TextChoices):
    SURVEY = "survey", _("Điều tra lao động việc làm (Cục Thống kê)")
    PROVINCE = "province", _("Số liệu của tỉnh")


class LabourForce(models.Model):
    """The working-age labour force of a unit (nation, province, commune) in a year."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="labour_forces")
    year = models.PositiveSmallIntegerField(_("năm"))
    value = models.PositiveIntegerField(_("lực lượng lao động trong độ tuổi"))
    source = models.CharField(_("nguồn"), max_length=16, choices=LabourForceSource.choices)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    entered_at = models.DateTimeField(_("ngày nhập"))

    class Meta:
        verbose_name = _("lực lượng lao động")
        verbose_name_plural = _("lực lượng lao động")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year"],
                name="labour_force_one_per_unit_year",
                violation_error_message=_("Đơn vị đã có số lao động cho năm này."),
            ),
            models.CheckConstraint(
                condition=Q(value__gt=0),
                name="labour_force_positive",
                violation_error_message=_("Số lao động phải lớn hơn 0."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.year}: {self.value}"


class CoverageTarget(models.Model):
    """The coverage a unit should reach in a year, in % of its working-age labour force."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="coverage_targets")
    year = models.PositiveSmallIntegerField(_("năm"))
    pct = models.DecimalField(_("mục tiêu bao phủ (%)"), max_digits=5, decimal_places=2)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    set_at = models.DateTimeField(_("ngày nhập"))

    class Meta:
        verbose_name = _("mục tiêu bao phủ")
        verbose_name_plural = _("mục tiêu bao phủ")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year"],
                name="coverage_target_one_per_unit_year",
                violation_error_message=_("Đơn vị đã có mục tiêu bao phủ cho năm này."),
            ),
            models.CheckConstraint(
                condition=Q(pct__gt=0, pct__lte=100),
                name="coverage_target_pct_range",
                violation_error_message=_("Mục tiêu bao phủ phải lớn hơn 0% và không quá 100%."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.year}: {self.pct}%"
