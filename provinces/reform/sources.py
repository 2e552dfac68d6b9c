"""The packages' data files, read as they are: no joins between sources and no fixes.

Nothing here imports a data package's code. The vietnam-provinces 2026.9.0 wheel is opened as a zip
(it cannot be installed beside the pinned 0.6.0: same distribution name), and vietnamadminunits'
files are found through its installed metadata, because importing it would import shapely and
geopy, which are not installed (requirements-data.txt goes in with --no-deps).
"""

import ast
import datetime as dt
import functools
import importlib.metadata
import json
import re
import sqlite3
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# Resolution 202/2025/QH15: 34 provinces, no districts, 3,321 communes from this day.
REFORM_DATE = dt.date(2025, 7, 1)
VIETNAM_PROVINCES_VERSION = "2026.9.0"
VIETNAMADMINUNITS_VERSION = "1.0.4"


class ReformDataMissing(ImproperlyConfigured):
    """A data file of today's map is not where `make venv` puts it."""


@dataclass(frozen=True)
class OfficialRow:
    """One old commune of the official conversion table, as vietnam-provinces transcribes it."""

    old_code: str
    district_code: str
    province_code: str  # as tagged in the table: wrong once (see crosswalk.py), not used
    is_partly_merged: bool
    new_codes: tuple[str, ...]


@dataclass(frozen=True)
class OfficialTable:
    rows: dict[str, OfficialRow]
    effective_date: dt.date


@dataclass(frozen=True)
class LegacyUnit:
    """An old unit of vietnamadminunits' `admin_units_legacy` table (a commune, or an island
    district without communes, which has no commune code)."""

    code: str | None
    name: str | None
    district_code: str
    district_name: str
    province_code: str
    key: str  # provinceKey_districtKey_wardKey, the converter's way of naming an old commune
    name_keys: frozenset[str]  # the commune's own key and its aliases (names it had before)


@dataclass(frozen=True)
class NewUnitRow:
    """A commune of vietnamadminunits' `admin_units` table (today's map)."""

    code: str
    name: str
    division_type: str
    province_code: str
    province_name: str
    key: tuple[str, str]  # (provinceKey, wardKey)


# --- vietnam-provinces 2026.9.0, straight from the wheel --------------------------------------


def wheel_path() -> Path:
    path = Path(settings.VIETNAM_PROVINCES_2026_WHEEL)
    if not path.is_file():
        raise ReformDataMissing(
            f"{path} is missing: run `make venv`, which downloads the vietnam-provinces "
            f"{VIETNAM_PROVINCES_VERSION} wheel (or point VIETNAM_PROVINCES_2026_WHEEL at it)."
        )
    return path


def _wheel_text(member: str) -> str:
    with zipfile.ZipFile(wheel_path()) as wheel:
        return wheel.read(f"vietnam_provinces/{member}").decode("utf-8")


@functools.cache
def wheel_data_version() -> dt.date:
    """The day the package's authors scraped the statistics office's list (`__data_version__`)."""
    text = _wheel_text("__init__.py")
    version = re.search(r"^__version__ = '([^']+)'", text, re.M)
    data_version = re.search(r"^__data_version__ = '(\d{4}-\d\d-\d\d)'", text, re.M)
    if not version or version[1] != VIETNAM_PROVINCES_VERSION or not data_version:
        raise ReformDataMissing(
            f"{wheel_path()} is not vietnam-provinces {VIETNAM_PROVINCES_VERSION}: run `make venv`."
        )
    return dt.date.fromisoformat(data_version[1])


@functools.cache
def read_new_map_json() -> list[dict]:
    """`data/nested-divisions.json`: the 34 provinces, each with its communes ("wards")."""
    wheel_data_version()
    return json.loads(_wheel_text("data/nested-divisions.json"))


# The table is Python source (NamedTuple calls inside dict literals). It is parsed, never run:
# only these constructors, with these numbers of arguments, and literals are accepted.
_RECORD_ARITY = {"OldToNewEntry": 2, "OldWardRef": 4, "NewWardRef": 2}


def _literal(node: ast.AST) -> Any:
    """An int, or a tuple of _literal values (records and tuples nest): the caller unpacks it."""
    if isinstance(node, ast.Call):
        name = node.func.id if isinstance(node.func, ast.Name) else ""
        if _RECORD_ARITY.get(name) != len(node.args) or node.keywords:
            raise ValueError(f"Unexpected call in the conversion table: {ast.unparse(node)[:80]}")
        return tuple(_literal(arg) for arg in node.args)
    if isinstance(node, ast.Tuple):
        return tuple(_literal(element) for element in node.elts)
    if isinstance(node, ast.Constant) and isinstance(node.value, int):  # codes and flags
        return node.value
    raise ValueError(f"Unexpected value in the conversion table: {ast.unparse(node)[:80]}")


@functools.cache
def read_official_table() -> OfficialTable:
    """`_ward_conversion_2025.py`: old commune code -> new commune codes, generated from the
    official conversion table (BangChuyendoiĐVHCmoi_cu). Takes about 0.8 s, once."""
    wheel_data_version()
    text = _wheel_text("_ward_conversion_2025.py")
    # NEW_TO_OLD, the second half of the file, is the same table turned round: not parsed.
    end = text.find("\nNEW_TO_OLD")
    if end < 0:
        raise ValueError("_ward_conversion_2025.py no longer has NEW_TO_OLD after OLD_TO_NEW")
    module = ast.parse(text[:end])
    values: dict[str, ast.expr] = {}
    for statement in module.body:
        if isinstance(statement, ast.Assign | ast.AnnAssign):
            target = statement.targets[0] if isinstance(statement, ast.Assign) else statement.target
            if (
                isinstance(target, ast.Name)
                and target.id in ("OLD_TO_NEW", "EFFECTIVE_DATE")
                and statement.value is not None
            ):
                values[target.id] = statement.value
    if set(values) != {"OLD_TO_NEW", "EFFECTIVE_DATE"}:
        raise ValueError("_ward_conversion_2025.py lacks OLD_TO_NEW or EFFECTIVE_DATE")
    rows: dict[str, OfficialRow] = {}
    table = values["OLD_TO_NEW"]
    if not isinstance(table, ast.Dict):
        raise ValueError("_ward_conversion_2025.py: OLD_TO_NEW is not a dict literal")
    for key_node, value_node in zip(table.keys, table.values, strict=True):
        (code, district, province, partly), new_wards = _literal(value_node)
        if key_node is None or code != ast.literal_eval(key_node):  # None: a `**` in the dict
            raise ValueError(f"Conversion table key {key_node} holds old ward {code}")
        old_code = f"{code:05d}"
        rows[old_code] = OfficialRow(
            old_code=old_code,
            district_code=f"{district:03d}",
            province_code=f"{province:02d}",
            is_partly_merged=partly,
            new_codes=tuple(f"{new_code:05d}" for new_code, _province in new_wards),
        )
    return OfficialTable(
        rows=rows, effective_date=dt.date.fromisoformat(ast.literal_eval(values["EFFECTIVE_DATE"]))
    )


# --- vietnamadminunits 1.0.4, installed without dependencies ----------------------------------


def _vau_file(name: str) -> Path:
    try:
        distribution = importlib.metadata.distribution("vietnamadminunits")
    except importlib.metadata.PackageNotFoundError:
        raise ReformDataMissing(
            "vietnamadminunits is not installed: run `make venv` (requirements-data.txt)."
        ) from None
    if distribution.version != VIETNAMADMINUNITS_VERSION:
        raise ReformDataMissing(
            f"vietnamadminunits {distribution.version} is installed; the reform readers are "
            f"checked against {VIETNAMADMINUNITS_VERSION}: run `make venv`."
        )
    path = Path(str(distribution.locate_file(f"vietnamadminunits/data/{name}")))
    if not path.is_file():
        raise ReformDataMissing(f"{path} is missing: reinstall with `make venv`.")
    return path


def _vau_rows(query: str) -> list[sqlite3.Row]:
    # Read-only and immutable: the package directory may not be writable, and nothing may change.
    uri = f"file:{_vau_file('dataset.db')}?mode=ro&immutable=1"
    with sqlite3.connect(uri, uri=True) as connection:
        connection.row_factory = sqlite3.Row
        return connection.execute(query).fetchall()


def _keys(*json_lists: str | None) -> frozenset[str]:
    return frozenset(key for text in json_lists if text for key in json.loads(text))


@functools.cache
def read_vau_new_units() -> dict[str, NewUnitRow]:
    """Table `admin_units`: the 3,321 communes of today's map, by code."""
    rows = _vau_rows(
        "SELECT wardCode, ward, wardType, provinceCode, province, provinceKey, wardKey"
        " FROM admin_units"
    )
    return {
        row["wardCode"]: NewUnitRow(
            code=row["wardCode"],
            name=row["ward"],
            division_type=row["wardType"],
            province_code=row["provinceCode"],
            province_name=row["province"],
            key=(row["provinceKey"], row["wardKey"]),
        )
        for row in rows
    }


@functools.cache
def read_vau_legacy_units() -> tuple[LegacyUnit, ...]:
    """Table `admin_units_legacy`: 10,035 old communes and the 5 island districts."""
    rows = _vau_rows(
        "SELECT wardCode, ward, districtCode, district, provinceCode,"
        " provinceKey, districtKey, wardKey, wardAlias FROM admin_units_legacy"
    )
    return tuple(
        LegacyUnit(
            code=row["wardCode"],
            name=row["ward"],
            district_code=row["districtCode"],
            district_name=row["district"],
            province_code=row["provinceCode"],
            key=f"{row['provinceKey']}_{row['districtKey']}_{row['wardKey'] or ''}",
            name_keys=_keys(row["wardAlias"]) | ({row["wardKey"]} if row["wardKey"] else set()),
        )
        for row in rows
    )


# (level, code, of today's map?) -> (latitude, longitude)
Centroids = dict[tuple[int, str, bool], tuple[float, float]]


@functools.cache
def _vau_centroids() -> tuple[tuple[tuple[int, str, bool], tuple[float, float]], ...]:
    points: Centroids = {}
    # levels as provinces.models.Level: 1 province, 2 district, 3 commune
    for row in _vau_rows(
        "SELECT provinceCode, provinceLat, provinceLon, wardCode, wardLat, wardLon FROM admin_units"
    ):
        points[(1, row["provinceCode"], True)] = (row["provinceLat"], row["provinceLon"])
        points[(3, row["wardCode"], True)] = (row["wardLat"], row["wardLon"])
    for row in _vau_rows(
        "SELECT provinceCode, provinceLat, provinceLon, districtCode, districtLat, districtLon,"
        " wardCode, wardLat, wardLon FROM admin_units_legacy"
    ):
        points[(1, row["provinceCode"], False)] = (row["provinceLat"], row["provinceLon"])
        points[(2, row["districtCode"], False)] = (row["districtLat"], row["districtLon"])
        if row["wardCode"]:
            points[(3, row["wardCode"], False)] = (row["wardLat"], row["wardLon"])
    return tuple((k, v) for k, v in points.items() if None not in v)


def read_vau_centroids() -> Centroids:
    """Tables `admin_units` and `admin_units_legacy`: the centroid of every province and
    commune of today's map and every province, district and commune of the old one (a copy)."""
    return dict(_vau_centroids())


@functools.cache
def read_vau_converter() -> dict:
    """`converter_2025.json`: DICT_PROVINCE_WARD_NO_DIVIDED (new province key -> new commune key
    -> old keys that went whole) and DICT_PROVINCE_WARD_DIVIDED (new province key -> old key ->
    the new communes it was split across, one of them `isDefaultNewWard`)."""
    return json.loads(_vau_file("converter_2025.json").read_text(encoding="utf-8"))
