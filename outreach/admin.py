"""Read-only admin: the network, the channel split and the events are written through the pages
(outreach.services), with their checks, audit and recompute; the demo loader sets them up."""

from django.contrib import admin

from bhxh_dashboard.admin import ReadOnlyAdmin
from outreach.models import (
    ChannelCount,
    ChannelTarget,
    CollectionOrg,
    CollectionPoint,
    CollectionStaff,
    EventPlan,
    OutreachEvent,
    TargetChange,
)


@admin.register(CollectionOrg)
class CollectionOrgAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "province"]
    list_filter = ["kind"]
    search_fields = ["name"]
    raw_id_fields = ["province"]


@admin.register(CollectionPoint)
class CollectionPointAdmin(ReadOnlyAdmin):
    list_display = ["name", "org", "commune", "active_from", "active_until"]
    search_fields = ["name"]
    raw_id_fields = ["org", "commune"]


@admin.register(CollectionStaff)
class CollectionStaffAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "org", "point"]
    search_fields = ["code", "name"]
    raw_id_fields = ["org", "point"]


@admin.register(ChannelCount)
class ChannelCountAdmin(ReadOnlyAdmin):
    list_display = ["commune", "year", "month", "org", "new_participants"]
    list_filter = ["year"]
    raw_id_fields = ["commune", "org", "updated_by"]


@admin.register(OutreachEvent)
class OutreachEventAdmin(ReadOnlyAdmin):
    list_display = ["held_on", "kind", "commune", "organiser", "attendees", "sign_ups"]
    list_filter = ["kind"]
    raw_id_fields = ["commune", "organiser", "created_by"]


@admin.register(EventPlan)
class EventPlanAdmin(ReadOnlyAdmin):
    list_display = ["unit", "org", "year", "events", "prospects"]
    raw_id_fields = ["unit", "org", "updated_by"]


@admin.register(ChannelTarget)
class ChannelTargetAdmin(ReadOnlyAdmin):
    list_display = ["org", "unit", "year", "value"]
    raw_id_fields = ["org", "unit", "updated_by"]


@admin.register(TargetChange)
class TargetChangeAdmin(ReadOnlyAdmin):
    list_display = ["changed_at", "unit", "org", "staff", "year", "field", "old_value", "new_value"]
    list_filter = ["field", "year"]
    raw_id_fields = ["unit", "org", "staff", "changed_by"]
