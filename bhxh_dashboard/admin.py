"""Admin shared by the apps: figures and the unit tree are read-only there.

The pages and the file import write them through the services (targets.services, the tree
loader), each with its checks, its audit row and its recompute; admin writes would skip all three.
"""

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest


class ReadOnlyAdmin(admin.ModelAdmin):
    """Lists, filters, search and detail pages; no add, change or delete (a POST is 403)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
