"""Month-end data for the rush: the whole country, one district staff per district, officers,
the month open for every province, last month's counts, and a logged-in session for each user.

Runs in the harness process against the stack's own database (freshly created each run).
"""

from __future__ import annotations

import datetime as dt
import random
import time
from dataclasses import dataclass

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import transaction
from django.utils.crypto import get_random_string

from bhxh_dashboard import clock
from bhxh_dashboard.months import previous_month
from progress.services import recompute_all
from provinces.models import Profile, Role, Unit, UnitQuerySet
from targets.models import MonthlyCount, MonthReopening, Target, TargetKind
from targets.selectors import WindowState, month_window

SEED = 1125
OFFICERS = 200
PASSWORD = "load-test-only-pw"


@dataclass
class Actor:
    username: str
    session_key: str
    unit_code: str  # district code (staff) or province code (officer)
    district_codes: list[str]  # what an officer browses; the staff's own district
    province_code: str = ""


# The rush is district staff saving their grids, and districts exist on the old map only (to
# 30/06/2025): it enters a month of the old map that the demo leaves empty, reopened for every
# province. Moving it to today's grassroots offices is the next step.
RUSH_MONTH = (2021, 6)


def old_map() -> UnitQuerySet:
    return Unit.objects.filter(valid_until__isnull=False)


@dataclass
class RushData:
    year: int
    month: int
    staff: list[Actor]
    officers: list[Actor]
    # commune id -> last month's participants, so the generator types plausible figures.
    previous: dict[int, int]
    communes_by_district: dict[str, list[int]]


def prepare(*, officers: int = OFFICERS, stdout=print) -> RushData:
    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    call_command("load_admin_units", verbosity=0)
    call_command("load_demo", verbosity=0)
    year, month = RUSH_MONTH
    with transaction.atomic():
        _open_month(year, month)
        previous = _previous_counts(year, month)
        _targets(year, previous)
        staff, officer_list = _users(officers)
    years = recompute_all()
    districts = {d.code: d.pk for d in Unit.objects.districts()}
    by_district: dict[str, list[int]] = {code: [] for code in districts}
    for pk, dcode in old_map().communes().values_list("pk", "district__code"):
        by_district[dcode].append(pk)
    stdout(
        f"prepared {len(staff)} district staff, {len(officer_list)} officers, month "
        f"{month:02d}/{year}, {len(previous)} communes with last month's counts, progress for "
        f"{years} in {time.perf_counter() - started:.1f} s"
    )
    return RushData(year, month, staff, officer_list, previous, by_district)


def _open_month(year: int, month: int) -> None:
    """Every province can enter the month: it is in its normal window, or reopened for the rush."""
    officer = get_user_model().objects.get(username="bacgiang")
    until = clock.now() + dt.timedelta(days=2)
    reopenings = []
    for province in old_map().provinces():
        window = month_window(province_id=province.pk, year=year, month=month)
        if window.state != WindowState.OPEN:
            reopenings.append(
                MonthReopening(
                    province=province,
                    year=year,
                    month=month,
                    open_until=until,
                    reason="load test",
                    reopened_by=officer,
                )
            )
    MonthReopening.objects.bulk_create(reopenings)


def _previous_counts(year: int, month: int) -> dict[int, int]:
    """Last month's figures for every commune, so this month's warnings mean what they mean."""
    rng = random.Random(SEED)
    pyear, pmonth = previous_month(year, month)
    rows = []
    for commune_id in old_map().communes().order_by("pk").values_list("pk", flat=True):
        participants = rng.randint(40, 2500)
        rows.append(
            MonthlyCount(
                commune_id=commune_id,
                year=pyear,
                month=pmonth,
                participants=participants,
                new_participants=int(participants * rng.uniform(0.01, 0.03)),
            )
        )
    MonthlyCount.objects.bulk_create(rows, batch_size=5000)
    return {r.commune_id: r.participants for r in rows}


def _targets(year: int, previous: dict[int, int]) -> None:
    """A participants target per province: about 15% above last month's total."""
    totals: dict[int, int] = {}
    for commune_id, province_id in old_map().communes().values_list("pk", "province_id"):
        totals[province_id] = totals.get(province_id, 0) + previous.get(commune_id, 0)
    Target.objects.bulk_create(
        [
            Target(unit_id=p, year=year, kind=TargetKind.PARTICIPANTS, value=int(t * 1.15))
            for p, t in totals.items()
        ],
        ignore_conflicts=True,
    )


def _users(officers: int) -> tuple[list[Actor], list[Actor]]:
    """One district staff per district and `officers` provincial officers spread over the
    provinces, each with a logged-in session (logging 900 users in through Argon2 would only
    measure the password hasher)."""
    User = get_user_model()
    password = make_password(PASSWORD)  # one hash for all: the load test never logs in
    districts = list(Unit.objects.districts().select_related("province").order_by("code"))
    provinces = list(old_map().provinces().order_by("code"))
    districts_of: dict[int, list[str]] = {}
    for d in districts:
        assert d.province_id is not None  # every district stores its province
        districts_of.setdefault(d.province_id, []).append(d.code)
    plan = [(f"huyen{d.code}", Role.DISTRICT_STAFF, d) for d in districts]
    plan += [
        (f"tinh{p.code}_{i}", Role.PROVINCIAL_OFFICER, p)
        for i, p in ((i, provinces[i % len(provinces)]) for i in range(officers))
    ]
    users = User.objects.bulk_create([User(username=name, password=password) for name, *_ in plan])
    Profile.objects.bulk_create(
        [
            Profile(user=u, role=role, unit=unit)
            for u, (_n, role, unit) in zip(users, plan, strict=True)
        ]
    )
    store = SessionStore()
    expire = clock.now() + dt.timedelta(hours=8)
    sessions, staff, officer_list = [], [], []
    for user, (name, role, unit) in zip(users, plan, strict=True):
        key = get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789")
        data = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
        sessions.append(
            Session(session_key=key, session_data=store.encode(data), expire_date=expire)
        )
        if role == Role.DISTRICT_STAFF:
            assert unit.province is not None  # as above
            staff.append(Actor(name, key, unit.code, [unit.code], unit.province.code))
        else:
            officer_list.append(
                Actor(name, key, unit.code, districts_of.get(unit.pk, []), unit.code)
            )
    Session.objects.bulk_create(sessions)
    return staff, officer_list
