from django.contrib import admin

from bhxh_dashboard.admin import ReadOnlyAdmin
from provinces.models import GrassrootsOffice, Profile, Unit


@admin.register(Unit)
class UnitAdmin(ReadOnlyAdmin):
    """Read-only: the tree comes from the official lists (`manage.py load_admin_units`), which
    also set each unit's denormalised province and district and its search key."""

    list_display = ["code", "name", "full_name", "level", "division_type"]
    list_filter = ["level", "division_type"]
    search_fields = ["code", "name", "search_key"]
    raw_id_fields = ["parent", "province", "district"]


@admin.register(GrassrootsOffice)
class GrassrootsOfficeAdmin(ReadOnlyAdmin):
    """Read-only: provincial officers set offices and their communes on the offices page
    (provinces.services), which checks each commune's province and office."""

    list_display = ["code", "name", "province"]
    search_fields = ["code", "name"]
    raw_id_fields = ["province"]


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "unit", "office"]
    list_filter = ["role"]
    raw_id_fields = ["unit", "office"]
