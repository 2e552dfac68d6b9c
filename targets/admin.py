from django.contrib import admin

from targets.models import ChangeLog, MonthlyCount, MonthReopening, Target


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    list_display = ["unit", "year", "kind", "value", "deadline_month", "updated_by", "updated_at"]
    list_filter = ["year", "kind"]
    raw_id_fields = ["unit"]
    search_fields = ["unit__name", "unit__code"]


@admin.register(MonthlyCount)
class MonthlyCountAdmin(admin.ModelAdmin):
    list_display = ["commune", "year", "month", "participants", "new_participants", "updated_by"]
    list_filter = ["year", "month"]
    raw_id_fields = ["commune"]
    search_fields = ["commune__name", "commune__code"]


@admin.register(MonthReopening)
class MonthReopeningAdmin(admin.ModelAdmin):
    list_display = ["province", "year", "month", "open_until", "reopened_by", "reopened_at"]
    raw_id_fields = ["province"]


@admin.register(ChangeLog)
class ChangeLogAdmin(admin.ModelAdmin):
    """Read-only: the audit history is written by the services, never edited by hand."""

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
    raw_id_fields = ["unit"]
    search_fields = ["unit__name", "unit__code"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
