"""Read-only: targets and counts are written by targets.services (the entry pages, the file
import), which check the month window, write the audit history and request the recompute."""

from django.contrib import admin

from bhxh_dashboard.admin import ReadOnlyAdmin
from targets.models import ChangeLog, MonthlyCount, MonthReopening, OfficeTarget, Target


@admin.register(Target)
class TargetAdmin(ReadOnlyAdmin):
    list_display = ["unit", "year", "kind", "value", "deadline_month", "updated_by", "updated_at"]
    list_filter = ["year", "kind"]
    raw_id_fields = ["unit"]
    search_fields = ["unit__name", "unit__code"]


@admin.register(OfficeTarget)
class OfficeTargetAdmin(ReadOnlyAdmin):
    list_display = ["office", "year", "kind", "value", "deadline_month", "updated_by", "updated_at"]
    list_filter = ["year", "kind"]
    raw_id_fields = ["office"]
    search_fields = ["office__name", "office__province__name"]


@admin.register(MonthlyCount)
class MonthlyCountAdmin(ReadOnlyAdmin):
    list_display = ["commune", "year", "month", "participants", "new_participants", "updated_by"]
    list_filter = ["year", "month"]
    raw_id_fields = ["commune"]
    search_fields = ["commune__name", "commune__code"]


@admin.register(MonthReopening)
class MonthReopeningAdmin(ReadOnlyAdmin):
    list_display = ["province", "year", "month", "open_until", "reopened_by", "reopened_at"]
    list_filter = ["year", "month"]
    raw_id_fields = ["province"]
    search_fields = ["province__name", "province__code"]


@admin.register(ChangeLog)
class ChangeLogAdmin(ReadOnlyAdmin):
    """The audit history is written by the services, never edited by hand."""

    list_display = [
        "changed_at",
        "unit",
        "year",
        "month",
        "field",
        "old_value",
        "new_value",
        "changed_by",
        "source",
    ]
    list_filter = ["field", "source", "year"]
    raw_id_fields = ["unit", "office"]
    search_fields = ["unit__name", "unit__code"]
