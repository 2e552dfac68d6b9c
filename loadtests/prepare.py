"""Month-end data for the rush on today's map: the whole country, grassroots offices of about ten
communes each with one staff member, officers of the 34 provinces, the month in progress open for
every province, last month's counts, and a logged-in session for each user.

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
from bhxh_dashboard.months import latest_reportable_month, previous_month
from progress.services import recompute_all
from provinces.models import GrassrootsOffice, OfficeCommune, Profile, Role, Unit, UnitQuerySet
from targets.models import MonthlyCount, MonthReopening, Target, TargetKind
from targets.selectors import WindowState, month_window

SEED = 1125
OFFICERS = 200
PASSWORD = "load-test-only-pw"
OFFICE_SIZE = 10  # communes per grassroots office the rush sets up (about 340 offices)


@dataclass
class Actor:
    username: str
    session_key: str
    grid_code: str  # staff: the URL code of their grid ("o12"); officers: ""
    browse_codes: list[str]  # officers: URL codes of their province's communes they open
    province_code: str  # today's province's code ("24")
    province_url: str  # its URL code ("t24")


def todays_map() -> UnitQuerySet:
    return Unit.objects.filter(valid_from__isnull=False)


@dataclass
class RushData:
    year: int
    month: int
    staff: list[Actor]
    officers: list[Actor]
    # commune id -> last month's participants, so the generator types plausible figures.
    previous: dict[int, int]


def prepare(*, officers: int = OFFICERS, stdout=print) -> RushData:
    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    call_command("load_admin_units", verbosity=0)
    call_command("load_demo", force=True, verbosity=0)  # the stack's own throw-away database
    # The month being reported by the clock (reopened where its window has closed already).
    year, month = latest_reportable_month(clock.today())
    with transaction.atomic():
        _open_month(year, month)
        previous = _previous_counts(year, month)
        _targets(year, previous)
        _offices()
        staff, officer_list = _users(officers)
    years = recompute_all()
    stdout(
        f"prepared {len(staff)} grassroots office staff, {len(officer_list)} officers, month "
        f"{month:02d}/{year} on today's map, {len(previous)} communes with last month's counts, "
        f"progress for {years} in {time.perf_counter() - started:.1f} s"
    )
    return RushData(year, month, staff, officer_list, previous)


def _open_month(year: int, month: int) -> None:
    """Every province can enter the month: it is in its normal window, or reopened for the rush."""
    officer = get_user_model().objects.get(username="bacninh")
    until = clock.now() + dt.timedelta(days=2)
    reopenings = []
    for province in todays_map().provinces():
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
    """Last month's figures for every commune, so this month's warnings mean what they mean
    (the demo's provinces keep the figures it gave them)."""
    rng = random.Random(SEED)
    pyear, pmonth = previous_month(year, month)
    communes = todays_map().communes()
    rows = []
    for commune_id in communes.order_by("pk").values_list("pk", flat=True):
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
    MonthlyCount.objects.bulk_create(rows, batch_size=5000, ignore_conflicts=True)
    return dict(
        MonthlyCount.objects.filter(year=pyear, month=pmonth, commune__in=communes).values_list(
            "commune_id", "participants"
        )
    )


def _targets(year: int, previous: dict[int, int]) -> None:
    """A participants target per province that has none: about 15% above last month's total."""
    totals: dict[int, int] = {}
    for commune_id, province_id in todays_map().communes().values_list("pk", "province_id"):
        totals[province_id] = totals.get(province_id, 0) + previous.get(commune_id, 0)
    Target.objects.bulk_create(
        [
            Target(unit_id=p, year=year, kind=TargetKind.PARTICIPANTS, value=int(t * 1.15))
            for p, t in totals.items()
        ],
        ignore_conflicts=True,
    )


def _offices() -> None:
    """Each province's communes that no office serves yet (the demo has one), in offices of
    OFFICE_SIZE by code; the provincial office keeps none for itself in the rush."""
    taken = set(OfficeCommune.objects.values_list("commune_id", flat=True))
    memberships = []
    for province in todays_map().provinces().order_by("code"):
        free = [
            pk
            for pk in province.children.communes().order_by("code").values_list("pk", flat=True)
            if pk not in taken
        ]
        chunks = [free[i : i + OFFICE_SIZE] for i in range(0, len(free), OFFICE_SIZE)]
        offices = GrassrootsOffice.objects.bulk_create(
            GrassrootsOffice(province=province, code=f"R{i:03d}", name=f"BHXH cơ sở {i}")
            for i in range(1, len(chunks) + 1)
        )
        memberships += [
            OfficeCommune(office=office, commune_id=pk)
            for office, chunk in zip(offices, chunks, strict=True)
            for pk in chunk
        ]
    OfficeCommune.objects.bulk_create(memberships, batch_size=5000)


def _users(officers: int) -> tuple[list[Actor], list[Actor]]:
    """One staff member per grassroots office and `officers` provincial officers spread over
    the provinces, each with a logged-in session (logging 500 users in through Argon2 would
    only measure the password hasher)."""
    User = get_user_model()
    password = make_password(PASSWORD)  # one hash for all: the load test never logs in
    offices = list(GrassrootsOffice.objects.select_related("province").order_by("pk"))
    provinces = list(todays_map().provinces().order_by("code"))
    # What an officer opens below the province: the first commune of each of its offices.
    browse: dict[int, list[str]] = {}
    for commune in Unit.objects.filter(office_memberships__office__in=offices).order_by("code"):
        assert commune.province_id is not None  # a commune stores its province
        codes = browse.setdefault(commune.province_id, [])
        if len(codes) < 40:
            codes.append(commune.url_code)
    plan: list[tuple[str, str, Unit, GrassrootsOffice | None]] = [
        (f"coso{o.pk}", Role.GRASSROOTS_STAFF, o.province, o) for o in offices
    ]
    plan += [
        (f"tinh{p.code}_{i}", Role.PROVINCIAL_OFFICER, p, None)
        for i, p in ((i, provinces[i % len(provinces)]) for i in range(officers))
    ]
    users = User.objects.bulk_create([User(username=name, password=password) for name, *_ in plan])
    Profile.objects.bulk_create(
        [
            Profile(user=u, role=role, unit=unit, office=office)
            for u, (_n, role, unit, office) in zip(users, plan, strict=True)
        ]
    )
    store = SessionStore()
    expire = clock.now() + dt.timedelta(hours=8)
    sessions, staff, officer_list = [], [], []
    for user, (name, _role, unit, office) in zip(users, plan, strict=True):
        key = get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789")
        data = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
        sessions.append(
            Session(session_key=key, session_data=store.encode(data), expire_date=expire)
        )
        if office is not None:
            staff.append(Actor(name, key, office.url_code, [], unit.code, unit.url_code))
        else:
            officer_list.append(
                Actor(name, key, "", browse.get(unit.pk, []), unit.code, unit.url_code)
            )
    Session.objects.bulk_create(sessions)
    return staff, officer_list
