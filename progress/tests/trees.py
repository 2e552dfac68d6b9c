"""Small synthetic trees for the progress tests: nation > provinces > districts > communes."""

from itertools import count
from typing import TypedDict

from provinces.models import DivisionType, Level, Unit

_codes = count(1)


def make_unit(level: int, parent: Unit | None, name: str = "") -> Unit:
    code = {0: "VN", 1: "{:02d}", 2: "{:03d}", 3: "{:05d}"}[level].format(next(_codes) % 100000)
    if level == Level.NATION:
        existing = Unit.objects.filter(level=Level.NATION).first()
        if existing:
            return existing
    unit = Unit.objects.create(
        level=level,
        code=code,
        name=name or f"U{code}",
        full_name=name or f"U{code}",
        division_type=DivisionType.COMMUNE,
        search_key=code,
        parent=parent,
    )
    unit.province_id = unit.pk if level == Level.PROVINCE else getattr(parent, "province_id", None)
    if level == Level.DISTRICT:
        unit.district_id = unit.pk
    elif level == Level.COMMUNE:
        assert parent is not None  # a commune always hangs under its district
        unit.district_id = parent.district_id
    else:
        unit.district_id = None
    unit.save(update_fields=["province", "district"])
    return unit


class Tree(TypedDict):
    nation: Unit
    provinces: list[Unit]
    districts: list[Unit]
    communes: list[Unit]


def make_tree(shape: list[list[int]]) -> Tree:
    """shape[i][j] = number of communes of district j of province i. Returns the units by level."""
    nation = make_unit(Level.NATION, None)
    tree: Tree = {"nation": nation, "provinces": [], "districts": [], "communes": []}
    for districts in shape:
        province = make_unit(Level.PROVINCE, nation)
        tree["provinces"].append(province)
        for communes in districts:
            district = make_unit(Level.DISTRICT, province)
            tree["districts"].append(district)
            for _ in range(communes):
                tree["communes"].append(make_unit(Level.COMMUNE, district))
    return tree
