"""Loading the 63 / 696 / 10,051 tree of January 2025 from the `vietnam-provinces` package."""

import functools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources

from django.db import transaction
from django.db.models import F

from provinces.models import DivisionType, Level, Unit
from provinces.search import search_key

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
        },
    )
    created[Level.NATION] += was_created

    existing = {(u.level, u.code): u for u in Unit.objects.all()}
    rows = list(_rows(tree))
    # Parents before children, so each level can refer to ids of the level above.
    for level in (Level.PROVINCE, Level.DISTRICT, Level.COMMUNE):
        fields = ["name", "full_name", "division_type", "search_key", "parent_id"]
        if level >= Level.DISTRICT:
            fields.append("province_id")
        if level == Level.COMMUNE:
            fields.append("district_id")
        to_create, to_update = [], []
        for row_level, code, full_name, parent_code, p_code, d_code in rows:
            if row_level != level:
                continue
            short, full, division_type = split_name(level, full_name)
            wanted = {
                "name": short,
                "full_name": full,
                "division_type": division_type,
                "search_key": search_key(short),
                "parent_id": existing[(level - 1, parent_code)].pk,
            }
            if "province_id" in fields:
                wanted["province_id"] = existing[(Level.PROVINCE, p_code)].pk
            if "district_id" in fields:
                assert d_code is not None  # a commune's row always names its district
                wanted["district_id"] = existing[(Level.DISTRICT, d_code)].pk
            unit = existing.get((level, code))
            if unit is None:
                unit = Unit(level=level, code=code, **wanted)
                to_create.append(unit)
                existing[(level, code)] = unit
            elif any(getattr(unit, key) != value for key, value in wanted.items()):
                for key, value in wanted.items():
                    setattr(unit, key, value)
                to_update.append(unit)
        Unit.objects.bulk_create(to_create, batch_size=2000)
        Unit.objects.bulk_update(to_update, fields, batch_size=2000)
        created[level] += len(to_create)
        updated[level] += len(to_update)
        # A province or district is the root of its own subtree filter (within()).
        self_field = {Level.PROVINCE: "province_id", Level.DISTRICT: "district_id"}.get(level)
        if self_field:
            Unit.objects.filter(level=level).exclude(**{self_field: F("pk")}).update(
                **{self_field: F("pk")}
            )
            for unit in to_create:
                setattr(unit, self_field, unit.pk)
    total = {level: Unit.objects.filter(level=level).count() for level in Level.values}
    return LoadResult(created=created, updated=updated, total=total)
