"""Precomputed progress figures: the only table the dashboard and the PDFs read."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from provinces.models import Unit


class Progress(models.Model):
    """Every figure of one unit (nation, province, district or commune) for one year and month.

    Written set-wise by the recompute; DOMAIN.md defines each figure. Null means "not known"
    (no report, no target), never zero.
    """

    # No database-level foreign keys on this derived table: the recompute writes up to 130,000
    # rows a year at once, and PostgreSQL's check of each key locks the unit row it names (two
    # per row). Only the recompute writes here, from units it has just read; Django still
    # cascades deletes. No single-column indexes either: the unique constraint and the
    # "progress_children" index lead with unit and parent already.
    unit = models.ForeignKey(
        Unit,
        on_delete=models.CASCADE,
        related_name="progress",
        db_constraint=False,
        db_index=False,
    )
    level = models.PositiveSmallIntegerField()  # copied from unit, to filter without a join
    parent = models.ForeignKey(
        Unit,
        on_delete=models.CASCADE,
        null=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )  # copied from unit, so a children table is one indexed filter
    year = models.PositiveSmallIntegerField()
    month = models.PositiveSmallIntegerField()

    participants = models.IntegerField(null=True)
    change_vs_prev_month = models.IntegerField(null=True)
    change_vs_prev_year_end = models.IntegerField(null=True)
    same_month_last_year = models.IntegerField(null=True)
    change_yoy = models.IntegerField(null=True)
    change_yoy_pct = models.DecimalField(max_digits=9, decimal_places=2, null=True)

    target = models.IntegerField(null=True)  # participants target set for this unit
    children_target = models.IntegerField(null=True)  # what its children's targets add up to
    completion_pct = models.DecimalField(max_digits=9, decimal_places=2, null=True)
    gap = models.IntegerField(null=True)  # target - participants, never negative
    over_target = models.IntegerField(null=True)  # participants - target when above it

    new_in_month = models.IntegerField(null=True)
    new_ytd = models.IntegerField(null=True)
    target_new = models.IntegerField(null=True)
    children_target_new = models.IntegerField(null=True)
    completion_new_pct = models.DecimalField(max_digits=9, decimal_places=2, null=True)

    deadline_month = models.PositiveSmallIntegerField(null=True)
    months_left = models.PositiveSmallIntegerField(null=True)
    required_pace = models.IntegerField(null=True)  # participants a month to reach the target
    projected_year_end = models.IntegerField(null=True)

    communes_reported = models.PositiveIntegerField(default=0)
    communes_total = models.PositiveIntegerField(default=0)
    # Months being reported (số ước): `participants` includes, for each commune that has not
    # reported yet, its figure of the nearest month reported in the three before; this is the
    # sum of what was reported, and how many communes were carried so.
    participants_reported = models.IntegerField(null=True)
    communes_estimated = models.PositiveIntegerField(default=0)

    # Coverage (tỷ lệ bao phủ): participants / the working-age labour force (coverage app).
    labour_force = models.IntegerField(null=True)
    labour_force_summed = models.BooleanField(default=False)  # added up from other units'
    labour_force_last_year = models.IntegerField(null=True)
    coverage_pct = models.DecimalField(max_digits=9, decimal_places=2, null=True)
    coverage_change_pp = models.DecimalField(max_digits=9, decimal_places=2, null=True)
    coverage_target_pct = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    coverage_target_participants = models.IntegerField(null=True)
    coverage_completion_pct = models.DecimalField(max_digits=9, decimal_places=2, null=True)
    coverage_gap = models.IntegerField(null=True)  # participants the coverage target still needs

    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("tiến độ")
        verbose_name_plural = _("tiến độ")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "month"], name="progress_one_per_unit_month"
            )
        ]
        indexes = [
            models.Index(fields=["parent", "year", "month"], name="progress_children"),
            models.Index(fields=["level", "year", "month"], name="progress_level_period"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.month:02d}/{self.year}"

    @property
    def reporting_rate(self) -> float | None:
        """progress.readings.reporting_rate of this row (the rule lives there)."""
        from progress.readings import reporting_rate  # readings imports this module

        return reporting_rate(self)


class RecomputeState(models.Model):
    """When a province-year's figures were last asked for and last computed.

    requested_at > computed_at means a save is waiting for the recompute: pages then say
    "figures as of <computed_at>, update pending".
    """

    province = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    requested_at = models.DateTimeField(null=True)
    computed_at = models.DateTimeField(null=True)
    # Bumped on every recompute; PDFs are cached by it.
    data_version = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["province", "year"], name="recompute_state_unique")
        ]

    def __str__(self) -> str:
        return f"{self.province} {self.year}"

    @property
    def pending(self) -> bool:
        return self.requested_at is not None and (
            self.computed_at is None or self.requested_at > self.computed_at
        )
