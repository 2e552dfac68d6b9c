"""Today's map: 34 provinces and 3,321 communes, no districts (since 1 July 2025)."""

import datetime as dt
import enum
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from provinces.reform.sources import REFORM_DATE, read_new_map_json, wheel_data_version


class NewDivisionType(enum.StrEnum):
    """Types of today's units. The values are provinces.models.DivisionType's where that has the
    type; DivisionType has no special zone (đặc khu) yet."""

    PROVINCE = "tinh"
    CENTRAL_CITY = "thanh_pho_tw"
    COMMUNE = "xa"
    WARD = "phuong"
    SPECIAL_ZONE = "dac_khu"


# The package's division_type -> ours, and the prefix the unit's name must then start with.
_PROVINCE_TYPES = {
    "tỉnh": (NewDivisionType.PROVINCE, "Tỉnh"),
    "thành phố trung ương": (NewDivisionType.CENTRAL_CITY, "Thành phố"),
}
_COMMUNE_TYPES = {
    "xã": (NewDivisionType.COMMUNE, "Xã"),
    "phường": (NewDivisionType.WARD, "Phường"),
    "đặc khu": (NewDivisionType.SPECIAL_ZONE, "Đặc khu"),
}


@dataclass(frozen=True)
class NewProvince:
    code: str  # 2 digits
    name: str  # "Bắc Ninh"
    full_name: str  # "Tỉnh Bắc Ninh"
    division_type: NewDivisionType
    type_from: dt.date  # the day the unit has had this type since


@dataclass(frozen=True)
class NewCommune:
    code: str  # 5 digits
    name: str
    full_name: str
    division_type: NewDivisionType
    type_from: dt.date
    province_code: str


@dataclass(frozen=True)
class NewMap:
    """Provinces and communes by code. `as_of` is the day the data was taken from the statistics
    office's list: types and names are those of that day."""

    provinces: Mapping[str, NewProvince]
    communes: Mapping[str, NewCommune]
    as_of: dt.date


def _split(full_name: str, prefix: str) -> tuple[str, str]:
    """("xã Bắc Sơn", "Xã") -> ("Bắc Sơn", "Xã Bắc Sơn"). The package writes one prefix in lower
    case; a name that is only a number keeps its prefix, as in provinces.loader."""
    if not full_name.lower().startswith(prefix.lower() + " "):
        raise ValueError(f"{full_name!r} does not start with {prefix!r}, its division type")
    short = " ".join(full_name[len(prefix) + 1 :].split())
    full = f"{prefix} {short}"
    return (full if short.isdigit() else short), full


@functools.cache
def read_new_map() -> NewMap:
    """The 34 provinces (28 tỉnh, 6 thành phố trực thuộc trung ương) and 3,321 communes (2,621 xã,
    687 phường, 13 đặc khu) of vietnam-provinces 2026.9.0's `nested-divisions.json`.

    Every type is dated from the reform (1 July 2025): the data of September 2026 has the same type
    as vietnamadminunits' of August 2025 for every commune (tests/test_reform.py), so none changed
    in between that the data knows of. Đồng Nai's rise to a centrally-run city on 30 April 2026
    (REFORM.md) is not in this data: it still lists Đồng Nai as a tỉnh with 23 phường.
    """
    provinces, communes = {}, {}
    for province in read_new_map_json():
        province_type, prefix = _PROVINCE_TYPES[province["division_type"]]
        p_code = f"{province['code']:02d}"
        name, full_name = _split(province["name"], prefix)
        provinces[p_code] = NewProvince(p_code, name, full_name, province_type, REFORM_DATE)
        for ward in province["wards"]:
            commune_type, prefix = _COMMUNE_TYPES[ward["division_type"]]
            c_code = f"{ward['code']:05d}"
            if c_code in communes:
                raise ValueError(f"Commune {c_code} is listed twice")
            name, full_name = _split(ward["name"], prefix)
            communes[c_code] = NewCommune(
                c_code, name, full_name, commune_type, REFORM_DATE, province_code=p_code
            )
    return NewMap(
        provinces=MappingProxyType(provinces),
        communes=MappingProxyType(communes),
        as_of=wheel_data_version(),
    )
