from django.contrib import admin

from provinces.models import Profile, Unit


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "full_name", "level", "division_type"]
    list_filter = ["level", "division_type"]
    search_fields = ["code", "name", "search_key"]
    raw_id_fields = ["parent", "province", "district"]
    readonly_fields = ["search_key"]


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "unit"]
    list_filter = ["role"]
    raw_id_fields = ["unit"]
