"""Loading both maps: the 63 / 696 / 10,051 tree of January 2025 from `vietnam-provinces==0.6.0`
(in force until 30/06/2025), today's 34 / 3,321 from the reform data (provinces.reform, from
01/07/2025), and the crosswalk between them (Succession)."""

import datetime as dt
import functools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from typing import Any

from django.db import transaction
from django.db.models import F

from bhxh_dashboard import clock
from bhxh_dashboard.db import analyze
from provinces.models import (
    NEW_MAP_FROM,
    OLD_MAP_UNTIL,
    DivisionType,
    Level,
    Share,
    Succession,
    Unit,
    UnitName,
)
from provinces.search import compact_key, search_key

NATION_CODE = "VN"
NATION_NAME = "Toàn quốc"

# The package's division_type is coarse (every district "huyện", every commune "xã"); the real
# type is the name's prefix. Longest prefixes first so "Thành phố" wins over nothing shorter.
_PREFIXES: dict[int, list[tuple[str, DivisionType]]] = {
    Level.PROVINCE: [("Thành phố", DivisionType.CENTRAL_CITY), ("Tỉnh", DivisionType.PROVINCE)],
    Level.DISTRICT: [
        ("Thành phố", DivisionType.PROVINCIAL_CITY),
        ("Thị xã", DivisionType.DISTRICT_TOWN),
        ("Quận", DivisionType.URBAN_DISTRICT),
        ("Huyện", DivisionType.RURAL_DISTRICT),
    ],
    Level.COMMUNE: [
        ("Thị trấn", DivisionType.TOWNSHIP),
        ("Phường", DivisionType.WARD),
        ("Xã", DivisionType.COMMUNE),
    ],
}
_CODE_WIDTH = {Level.PROVINCE: 2, Level.DISTRICT: 3, Level.COMMUNE: 5}


def split_name(level: int, full_name: str) -> tuple[str, str, str]:
    """ "Huyện Yên Thế" -> ("Yên Thế", "Huyện Yên Thế", "huyen").

    The prefix is matched ignoring case (the package writes "Thành Phố Bắc Kạn" once) and written
    back in its usual case. Names that are only a number ("Quận 1", "Phường 12") keep the prefix.
    """
    for prefix, division_type in _PREFIXES[level]:
        if full_name.lower().startswith(prefix.lower() + " "):
            short = " ".join(full_name[len(prefix) + 1 :].split())
            full = f"{prefix} {short}"
            return (full if short.isdigit() else short), full, division_type
    raise ValueError(f"Unknown division prefix in {full_name!r}")


@dataclass
class LoadResult:
    created: dict[int, int]
    updated: dict[int, int]
    total: dict[int, int]


@functools.cache
def read_package_tree() -> list[dict]:
    # nested-divisions.json holds all 696 districts; the package's enums leave out 5 island
    # districts that have no communes, so the JSON file is the source.
    path = resources.files("vietnam_provinces") / "data" / "nested-divisions.json"
    return json.loads(path.read_text(encoding="utf-8"))


def _rows(tree: list[dict]) -> Iterator[tuple[Level, str, str, str, str, str | None]]:
    """(level, code, full_name, parent_code, province_code, district_code) for every unit."""
    for province in tree:
        p_code = str(province["code"]).zfill(2)
        yield Level.PROVINCE, p_code, province["name"], NATION_CODE, p_code, None
        for district in province["districts"]:
            d_code = str(district["code"]).zfill(3)
            yield Level.DISTRICT, d_code, district["name"], p_code, p_code, d_code
            for ward in district["wards"]:
                c_code = str(ward["code"]).zfill(5)
                yield Level.COMMUNE, c_code, ward["name"], d_code, p_code, d_code


@transaction.atomic
def load_admin_units(tree: list[dict] | None = None) -> LoadResult:
    """Create or update every unit; a second run changes nothing. One transaction: an interrupted
    run leaves the previous tree intact."""
    tree = read_package_tree() if tree is None else tree
    created = dict.fromkeys(Level.values, 0)
    updated = dict.fromkeys(Level.values, 0)

    nation, was_created = Unit.objects.get_or_create(
        level=Level.NATION,
        code=NATION_CODE,
        defaults={
            "name": NATION_NAME,
            "full_name": NATION_NAME,
            "division_type": DivisionType.NATION,
            "search_key": search_key(NATION_NAME),
            "search_compact": compact_key(NATION_NAME),
        },
    )
    created[Level.NATION] += was_created

    existing = {(u.level, u.code): u for u in Unit.objects.filter(valid_from__isnull=True)}
    rows = list(_rows(tree))
    # Parents before children, so each level can refer to ids of the level above.
    for level in (Level.PROVINCE, Level.DISTRICT, Level.COMMUNE):
        fields = [
            "name",
            "full_name",
            "division_type",
            "search_key",
            "search_compact",
            "parent_id",
            "valid_until",
        ]
        if level >= Level.DISTRICT:
            fields.append("province_id")
        if level == Level.COMMUNE:
            fields.append("district_id")
        to_create: list[Unit] = []
        to_update: list[Unit] = []
        for row_level, code, full_name, parent_code, p_code, d_code in rows:
            if row_level != level:
                continue
            short, full, division_type = split_name(level, full_name)
            wanted = {
                "name": short,
                "full_name": full,
                "division_type": division_type,
                "search_key": search_key(short),
                "search_compact": compact_key(full),
                "parent_id": existing[(level - 1, parent_code)].pk,
                "valid_until": OLD_MAP_UNTIL,
            }
            if "province_id" in fields:
                wanted["province_id"] = existing[(Level.PROVINCE, p_code)].pk
            if "district_id" in fields:
                assert d_code is not None  # a commune's row always names its district
                wanted["district_id"] = existing[(Level.DISTRICT, d_code)].pk
            existing[(level, code)] = _stage(
                existing.get((level, code)),
                Unit(level=level, code=code, **wanted),
                wanted,
                to_create,
                to_update,
            )
        Unit.objects.bulk_create(to_create, batch_size=2000)
        Unit.objects.bulk_update(to_update, fields, batch_size=2000)
        created[level] += len(to_create)
        updated[level] += len(to_update)
        # A province or district is the root of its own subtree filter (within()).
        self_field = {Level.PROVINCE: "province_id", Level.DISTRICT: "district_id"}.get(level)
        if self_field:
            Unit.objects.filter(level=level, valid_from__isnull=True).exclude(
                **{self_field: F("pk")}
            ).update(**{self_field: F("pk")})
            for unit in to_create:
                setattr(unit, self_field, unit.pk)
    total = {
        level: Unit.objects.filter(level=level, valid_from__isnull=True).count()
        for level in Level.values
    }
    analyze("provinces_unit")
    return LoadResult(created=created, updated=updated, total=total)


@dataclass
class NewMapResult:
    created: dict[int, int]
    updated: dict[int, int]
    total: dict[int, int]
    successions: int


@transaction.atomic
def load_new_map(province_codes: set[str] | None = None) -> NewMapResult:
    """Create or update today's provinces and communes (from 01/07/2025) and the crosswalk from
    the old units already loaded; a second run changes nothing. `province_codes` (new codes)
    limits it to some provinces, for tests. Old provinces and communes that are not loaded get
    no successions."""
    from provinces import reform

    new_map = reform.read_new_map()
    nation = Unit.objects.get(level=Level.NATION)
    created = dict.fromkeys(Level.values, 0)
    updated = dict.fromkeys(Level.values, 0)
    existing = {
        (u.level, u.code): u for u in Unit.objects.filter(valid_from__isnull=False, level__gte=1)
    }

    def upsert(level: int, code: str, wanted: dict) -> tuple[Unit, bool]:
        unit = existing.get((level, code))
        if unit is None:
            unit = Unit.objects.create(level=level, code=code, valid_from=NEW_MAP_FROM, **wanted)
            existing[(level, code)] = unit
            created[level] += 1
            return unit, True
        if any(getattr(unit, key) != value for key, value in wanted.items()):
            for key, value in wanted.items():
                setattr(unit, key, value)
            updated[level] += 1
            return unit, True
        return unit, False

    provinces = {
        code: p
        for code, p in new_map.provinces.items()
        if province_codes is None or code in province_codes
    }
    names: list[tuple[int, str, dt.date, str, str, str]] = []  # the dated names, see UnitName
    for code, p in provinces.items():
        name, full_name, division_type = _named_today(
            names, Level.PROVINCE, code, (p.name, p.full_name, p.division_type.value)
        )
        unit, changed = upsert(
            Level.PROVINCE,
            code,
            {
                "name": name,
                "full_name": full_name,
                "division_type": division_type,
                "search_key": search_key(p.name),
                "search_compact": compact_key(full_name),
                "parent_id": nation.pk,
            },
        )
        if unit.province_id != unit.pk:
            unit.province_id = unit.pk
            changed = True
        if changed:
            unit.save()
    to_create: list[Unit] = []
    to_update: list[Unit] = []
    fields = [
        "name",
        "full_name",
        "division_type",
        "search_key",
        "search_compact",
        "parent_id",
        "province_id",
    ]
    for code, c in new_map.communes.items():
        if c.province_code not in provinces:
            continue
        province = existing[(Level.PROVINCE, c.province_code)]
        name, full_name, division_type = _named_today(
            names, Level.COMMUNE, code, (c.name, c.full_name, c.division_type.value)
        )
        wanted = {
            "name": name,
            "full_name": full_name,
            "division_type": division_type,
            "search_key": search_key(name),
            "search_compact": compact_key(full_name),
            "parent_id": province.pk,
            "province_id": province.pk,
        }
        existing[(Level.COMMUNE, code)] = _stage(
            existing.get((Level.COMMUNE, code)),
            Unit(level=Level.COMMUNE, code=code, valid_from=NEW_MAP_FROM, **wanted),
            wanted,
            to_create,
            to_update,
        )
    Unit.objects.bulk_create(to_create, batch_size=2000)
    Unit.objects.bulk_update(to_update, fields, batch_size=2000)
    created[Level.COMMUNE] += len(to_create)
    updated[Level.COMMUNE] += len(to_update)
    successions = _load_successions(existing)
    _load_names(names, existing)
    load_centroids()
    total: dict[int, int] = {
        level: Unit.objects.filter(level=level, valid_from__isnull=False).count()
        for level in (Level.PROVINCE, Level.COMMUNE)
    }
    analyze("provinces_unit", "provinces_succession", "provinces_unitname")
    return NewMapResult(created=created, updated=updated, total=total, successions=successions)


def _stage(
    unit: Unit | None,
    new: Unit,
    wanted: dict[str, Any],
    to_create: list[Unit],
    to_update: list[Unit],
) -> Unit:
    """The unit a bulk load saves: `new` (to create) when there is none yet, the existing one
    with the wanted values (to update) when any differs, else the existing one as it is."""
    if unit is None:
        to_create.append(new)
        return new
    if any(getattr(unit, key) != value for key, value in wanted.items()):
        for key, value in wanted.items():
            setattr(unit, key, value)
        to_update.append(unit)
    return unit


def _named_today(
    names: list[tuple[int, str, dt.date, str, str, str]],
    level: int,
    code: str,
    from_reform: tuple[str, str, str],
) -> tuple[str, str, str]:
    """Record the unit's names (the data's from the reform, then the later changes) in `names`
    and return the one in force today, which the unit itself carries."""
    from provinces.reform.changes import LATER_CHANGES

    current = from_reform
    names.append((level, code, NEW_MAP_FROM, *from_reform))
    for change in sorted(LATER_CHANGES, key=lambda c: c.valid_from):
        if (change.level, change.code) != (level, code):
            continue
        named = (change.name, change.full_name, change.division_type.value)
        names.append((level, code, change.valid_from, *named))
        if change.valid_from <= clock.today():
            current = named
    return current


def _load_names(
    names: list[tuple[int, str, dt.date, str, str, str]], units: dict[tuple[int, str], Unit]
) -> None:
    """Today's units' dated names, replaced whole (data, never edited here)."""
    loaded = [units[(level, code)].pk for level, code, *_rest in names]
    UnitName.objects.filter(unit_id__in=loaded).delete()
    UnitName.objects.bulk_create(
        [
            UnitName(
                unit=units[(level, code)],
                valid_from=day,
                name=name,
                full_name=full_name,
                division_type=division_type,
            )
            for level, code, day, name, full_name, division_type in names
        ],
        batch_size=5000,
    )


def _load_successions(new_units: dict[tuple[int, str], Unit]) -> int:
    """The crosswalk between the loaded old units and the loaded new ones, replaced whole (it is
    data from the packages, never edited here). Old provinces -> their new province (whole);
    old communes -> their successors; the five island districts -> their special zones."""
    from provinces import reform

    old = {
        (u.level, u.code): u.pk
        for u in Unit.objects.filter(valid_from__isnull=True, level__gte=1).only("level", "code")
    }
    rows = []
    for old_code, new_code in reform.province_crosswalk().items():
        a, b = old.get((Level.PROVINCE, old_code)), new_units.get((Level.PROVINCE, new_code))
        if a and b:
            rows.append(Succession(predecessor_id=a, successor=b, share=Share.WHOLE))
    for old_code, successors in reform.read_crosswalk().items():
        a = old.get((Level.COMMUNE, old_code))
        for s in successors:
            b = new_units.get((Level.COMMUNE, s.code))
            if a and b:
                rows.append(
                    Succession(
                        predecessor_id=a,
                        successor=b,
                        share=Share.WHOLE if s.share == reform.Share.WHOLE else Share.PART,
                        is_default=s.is_default,
                    )
                )
    for district_code, zone_code in reform.island_districts().items():
        a, b = old.get((Level.DISTRICT, district_code)), new_units.get((Level.COMMUNE, zone_code))
        if a and b:
            rows.append(Succession(predecessor_id=a, successor=b, share=Share.WHOLE))
    Succession.objects.all().delete()
    Succession.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


# Hoàng Sa (of Đà Nẵng) and Trường Sa (of Khánh Hòa): the data geocodes the old island
# districts and their communes on the mainland; they are placed where today's special zones
# that took them over are (old district code -> today's special zone's code).
ARCHIPELAGOS = {"498": "20333", "576": "22736"}


def load_centroids() -> int:
    """Each loaded unit's centroid from vietnamadminunits' dataset.db (both maps), for the maps;
    units the data does not place keep None. Returns how many units were moved (0 when run
    again)."""
    from provinces.reform.sources import read_vau_centroids

    centroids = read_vau_centroids()
    units = list(
        Unit.objects.filter(level__gte=Level.PROVINCE)
        .select_related("district")
        .only("level", "code", "valid_from", "lat", "lon", "district__code")
    )
    placed = []
    for unit in units:
        key = (unit.level, unit.code, unit.valid_from is not None)
        if unit.valid_from is None and unit.district and unit.district.code in ARCHIPELAGOS:
            key = (Level.COMMUNE, ARCHIPELAGOS[unit.district.code], True)
        point = centroids.get(key)
        if point is not None and (unit.lat, unit.lon) != point:
            unit.lat, unit.lon = point
            placed.append(unit)
    Unit.objects.bulk_update(placed, ["lat", "lon"], batch_size=500)
    return len(placed)
