from django.contrib import admin

from bhxh_dashboard.admin import ReadOnlyAdmin
from provinces.models import Profile, Unit


@admin.register(Unit)
class UnitAdmin(ReadOnlyAdmin):
    """Read-only: the tree comes from the official lists (`manage.py load_admin_units`), which
    also set each unit's denormalised province and district and its search key."""

    list_display = ["code", "name", "full_name", "level", "division_type"]
    list_filter = ["level", "division_type"]
    search_fields = ["code", "name", "search_key"]
    raw_id_fields = ["parent", "province", "district"]


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "unit"]
    list_filter = ["role"]
    raw_id_fields = ["unit"]
