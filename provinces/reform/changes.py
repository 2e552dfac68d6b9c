"""Changes to today's units after the reform that the packages' data does not carry yet.

Units keep changing with stable codes (REFORM.md): each change is a new name and type from a
date, stored as a dated UnitName by the loader, never by overwriting the unit's history.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from provinces.reform.new_map import NewDivisionType


@dataclass(frozen=True)
class NameChange:
    level: int  # 1 province, 3 commune
    code: str
    valid_from: dt.date
    name: str
    full_name: str
    division_type: NewDivisionType


LATER_CHANGES: tuple[NameChange, ...] = (
    # Đồng Nai became a centrally-run city on 30 April 2026 (vietnam-provinces 2026.9.0 still
    # lists it as a tỉnh). Ten of its communes became phường that day; the sources at hand do
    # not name them, so they wait for data that does.
    NameChange(
        1,
        "75",
        dt.date(2026, 4, 30),
        "Đồng Nai",
        "Thành phố Đồng Nai",
        NewDivisionType.CENTRAL_CITY,
    ),
)
