"""Admin shows the figures but cannot write them: every write goes through targets.services, with
its month window, its audit row and its recompute. The product path that replaces the admin form
for a province's target is tested here too."""

import pytest
from django.urls import reverse

from progress.models import Progress
from targets.models import ChangeLog, MonthlyCount, MonthReopening, Target, TargetKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def _refused(admin_client, model, obj, data) -> None:
    """Change, add and delete are 403 for a superuser; the object's row is as it was."""
    name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    before = model.objects.filter(pk=obj.pk).values().get()
    history = ChangeLog.objects.count()
    assert admin_client.get(reverse(name + "_change", args=[obj.pk])).status_code == 200
    assert admin_client.post(reverse(name + "_change", args=[obj.pk]), data).status_code == 403
    assert admin_client.post(reverse(name + "_add"), data).status_code == 403
    delete = reverse(name + "_delete", args=[obj.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    changelist = admin_client.post(
        reverse(name + "_changelist"),
        {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"},
    )
    assert changelist.status_code in (200, 302)  # no such action: nothing selected is deleted
    assert model.objects.filter(pk=obj.pk).values().get() == before
    assert ChangeLog.objects.count() == history


def test_admin_cannot_change_a_monthly_count(admin_client, demo):
    count = MonthlyCount.objects.filter(commune__district=demo.luc_nam, year=2023, month=5).first()
    data = {
        "commune": count.commune_id,
        "year": 2023,
        "month": 5,
        "participants": count.participants + 1000,
        "new_participants": 0,
        "version": count.version,
    }
    _refused(admin_client, MonthlyCount, count, data)


def test_admin_cannot_change_a_target(admin_client, demo):
    target = Target.objects.get(unit=demo.bac_giang, year=2023, kind=TargetKind.PARTICIPANTS)
    data = {
        "unit": target.unit_id,
        "year": 2023,
        "kind": TargetKind.PARTICIPANTS,
        "value": 1,
        "deadline_month": 12,
    }
    _refused(admin_client, Target, target, data)


def test_admin_cannot_change_a_reopening_or_the_history(admin_client, demo):
    reopening = MonthReopening.objects.first()
    data = {"province": reopening.province_id, "year": 2020, "month": 1, "reason": "x"}
    _refused(admin_client, MonthReopening, reopening, data)
    log = ChangeLog.objects.create(unit=demo.luc_nam, year=2023, field="target_participants")
    _refused(admin_client, ChangeLog, log, {"unit": log.unit_id, "year": 2020, "field": "x"})


def test_admin_lists_the_figures_with_filters_and_search(admin_client, demo):
    url = reverse("admin:targets_monthlycount_changelist")
    commune = demo.luc_nam.children.order_by("code").first()
    html = admin_client.get(url, {"year": 2023, "month": 5, "q": commune.code}).content.decode()
    assert commune.name in html
    assert reverse("admin:targets_monthlycount_add") not in html  # no "add" button
    url = reverse("admin:targets_target_changelist")
    assert admin_client.get(url, {"year": 2023, "q": "Bắc Giang"}).status_code == 200


def test_a_superuser_sets_the_province_target_on_the_targets_page(
    admin_client, demo, django_capture_on_commit_callbacks
):
    """What admin used to offer, through the product: audit row and recompute included."""
    url = f"/nhap-lieu/chi-tieu/p{demo.bac_giang.code}/?nam=2023"
    html = admin_client.get(url).content.decode()
    assert f'name="t_{demo.bac_giang.pk}"' in html
    target = Target.objects.get(unit=demo.bac_giang, year=2023, kind=TargetKind.PARTICIPANTS)
    new_target = Target.objects.get(
        unit=demo.bac_giang, year=2023, kind=TargetKind.NEW_PARTICIPANTS
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            url,
            {
                "nam": "2023",
                "save": "1",
                f"t_{demo.bac_giang.pk}": "55.000",
                f"tn_{demo.bac_giang.pk}": str(new_target.value),
                f"dl_{demo.bac_giang.pk}": str(target.deadline_month),
            },
        )
    assert response.status_code == 302
    assert Target.objects.get(pk=target.pk).value == 55_000
    log = ChangeLog.objects.get(unit=demo.bac_giang, year=2023, field="target_participants")
    assert (log.old_value, log.new_value) == (target.value, 55_000)
    may = Progress.objects.get(unit=demo.bac_giang, year=2023, month=5)
    assert may.target == 55_000  # recomputed on commit (tasks run eagerly in tests)
