import logging
import time

import pytest
from django.db import transaction
from django.db.models import F

from bhxh_dashboard.celery import app
from progress import requests, services, tasks
from progress.models import Progress, RecomputeState
from progress.readings import freshness
from provinces.models import Unit
from targets.models import MonthlyCount

pytestmark = pytest.mark.django_db


def save_count(commune, *, add: int, year=2023, month=5) -> None:
    """What a counts form does: change a commune's count and request the recompute, in one
    transaction."""
    with transaction.atomic():
        MonthlyCount.objects.filter(commune=commune, year=year, month=month).update(
            participants=F("participants") + add
        )
        requests.request_recompute(province_id=commune.province_id, year=year)


def use_broker(url: str) -> None:
    """Point the app at another broker, dropping the pooled connections to the old one."""
    from kombu import pools

    app.conf.task_always_eager = False
    # Settings.__setattr__ stores the key; celery-types has broker_url as a read-only property.
    app.conf["broker_url"] = url
    # Celery caches its pools and kombu registers them globally: drop them all, so the next
    # send opens a connection to `url` and nothing keeps a closed pool.
    app._pool = None  # type: ignore[attr-defined]  # private Celery attribute, not in celery-types
    app.amqp._producer_pool = None  # type: ignore[attr-defined]  # private, as above
    pools.reset()


def province_may(demo) -> int | None:
    return Progress.objects.get(unit=demo.bac_giang, year=2023, month=5).participants


def test_one_transaction_queues_one_recompute_per_province(
    demo, django_capture_on_commit_callbacks
):
    communes = Unit.objects.communes().filter(district=demo.luc_nam)[:3]
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        for commune in communes:
            requests.request_recompute(province_id=commune.province_id, year=2023)
        requests.request_recompute(province_id=demo.lang_son.pk, year=2023)
    assert len(callbacks) == 2


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_saves_coalesces(demo, monkeypatch):
    communes = list(Unit.objects.communes().filter(district=demo.luc_nam)[:5])
    version = RecomputeState.objects.get(province=demo.bac_giang, year=2023).data_version
    queued = []  # what the broker would hold
    monkeypatch.setattr(
        tasks.recompute_province, "apply_async", lambda args, **options: queued.append(args)
    )
    for commune in communes:  # five saves, five commits: the month-end rush
        save_count(commune, add=1)
    assert len(queued) == 5 and freshness(demo.bac_giang, 2023).pending

    ran = [tasks.recompute_province.apply(args).get() for args in queued]

    assert ran == [True, False, False, False, False]
    assert province_may(demo) == 44_134 + 5
    state = RecomputeState.objects.get(province=demo.bac_giang, year=2023)
    assert state.data_version == version + 1
    assert freshness(demo.bac_giang, 2023).pending is False


def test_a_save_after_a_recompute_is_recomputed_again(demo, django_capture_on_commit_callbacks):
    commune = Unit.objects.communes().filter(district=demo.luc_nam).first()
    save_count(commune, add=1)
    assert tasks.recompute_province.apply((demo.bac_giang.pk, 2023)).get() is True
    save_count(commune, add=1)
    assert freshness(demo.bac_giang, 2023).pending
    assert tasks.recompute_province.apply((demo.bac_giang.pk, 2023)).get() is True
    assert province_may(demo) == 44_134 + 2


def test_broker_down_the_save_still_works_and_stays_pending(
    demo, settings, caplog, django_capture_on_commit_callbacks
):
    commune = Unit.objects.communes().filter(district=demo.luc_nam).first()
    old_broker = app.conf.broker_url
    try:
        use_broker("redis://127.0.0.1:1/0")  # nothing listens there
        with (
            caplog.at_level(logging.ERROR, logger="progress.requests"),
            django_capture_on_commit_callbacks(execute=True),
        ):
            save_count(commune, add=7)
    finally:
        use_broker(old_broker)
        app.conf.task_always_eager = True

    assert MonthlyCount.objects.get(commune=commune, year=2023, month=5).participants > 0
    assert "could not queue the progress recompute" in caplog.text
    computed_at, pending, _version = freshness(demo.bac_giang, 2023)
    assert pending and computed_at is not None  # pages: "figures as of <time>, update pending"
    assert province_may(demo) == 44_134

    tasks.recompute_all.apply().get()  # the nightly run catches up
    assert province_may(demo) == 44_134 + 7
    assert freshness(demo.bac_giang, 2023).pending is False


def test_the_task_retries_on_a_transient_database_error(demo, monkeypatch):
    from celery.exceptions import Retry
    from django.db import OperationalError

    def down(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(services, "recompute_province", down)
    with pytest.raises(Retry):  # queued again (eager mode surfaces it), not failed
        tasks.recompute_province.apply((demo.bac_giang.pk, 2023))

    def bug(**kwargs):
        raise ValueError("a bug is not retried")

    monkeypatch.setattr(services, "recompute_province", bug)
    with pytest.raises(ValueError):
        tasks.recompute_province.apply((demo.bac_giang.pk, 2023))


@pytest.mark.worker
def test_a_saved_count_becomes_visible_through_the_worker(demo, celery_worker_process):
    commune = Unit.objects.communes().filter(district=demo.luc_nam).first()
    save_count(commune, add=25)
    deadline = time.monotonic() + 30
    while province_may(demo) != 44_134 + 25:
        assert time.monotonic() < deadline, "the worker did not recompute within 30 s"
        time.sleep(0.1)
    assert freshness(demo.bac_giang, 2023).pending is False


def test_a_nation_target_recomputes_every_province(demo, django_capture_on_commit_callbacks):
    from targets.models import Target, TargetKind

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        Target.objects.filter(unit__province=demo.lang_son, year=2023).delete()
        Target.objects.create(
            unit=demo.nation, year=2023, kind=TargetKind.PARTICIPANTS, value=1, deadline_month=9
        )
        requests.request_recompute(province_id=None, year=2023)
    # Lạng Sơn has no target left: its units inherit the nation's deadline; Bắc Giang keeps its own.
    assert Progress.objects.get(unit=demo.lang_son_district, year=2023, month=5).deadline_month == 9
    commune = Unit.objects.communes().filter(district=demo.another_district).first()
    assert Progress.objects.get(unit=commune, year=2023, month=5).deadline_month == 10
    nation = Progress.objects.get(unit=demo.nation, year=2023, month=5)
    assert (nation.target, nation.deadline_month) == (1, 9)
    assert nation.over_target == nation.participants - 1
    assert freshness(demo.nation, 2023).pending is False
