"""The unit tree is read-only in admin: it comes from the official lists, whose loader also sets
each unit's denormalised province and district (every subtree filter relies on them)."""

import pytest
from django.urls import reverse

from provinces.models import Level, Unit

pytestmark = pytest.mark.django_db


def test_admin_cannot_change_add_or_delete_a_unit(client, demo, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", password="pw-root"))
    commune = demo.luc_nam.children.order_by("code").first()
    before = Unit.objects.filter(pk=commune.pk).values().get()
    change = reverse("admin:provinces_unit_change", args=[commune.pk])
    data = {
        "level": Level.COMMUNE,
        "code": commune.code,
        "name": "Đổi tên",
        "full_name": "Xã Đổi tên",
        "division_type": commune.division_type,
        "parent": demo.another_district.pk,  # moved without its district_id
    }
    assert client.get(change).status_code == 200
    assert client.post(change, data).status_code == 403
    assert client.post(reverse("admin:provinces_unit_add"), data).status_code == 403
    delete = reverse("admin:provinces_unit_delete", args=[commune.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Unit.objects.filter(pk=commune.pk).values().get() == before


def test_admin_lists_and_searches_the_tree(client, demo, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", password="pw-root"))
    url = reverse("admin:provinces_unit_changelist")
    html = client.get(url, {"level": Level.DISTRICT, "q": "luc nam"}).content.decode()
    assert demo.luc_nam.full_name in html
