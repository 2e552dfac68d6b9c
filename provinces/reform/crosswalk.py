"""Old communes (the 0.6.0 tree of January 2025 the product loads) -> communes of today's map.

Built from the official table (vietnam-provinces 2026.9.0, by code), with vietnamadminunits'
name converter as the second, independent source: it gives the default successor of each split
commune, which the official table does not, and settles nothing else on its own (decisions.py).

The wrinkles, each handled here:
- 28 communes of the 0.6.0 tree are in neither table (merged between January and June 2025):
  `bridges()` maps each through the commune that absorbed it, or guesses from its district.
- 10 codes of the official table are communes those early-2025 mergers made: they are not in the
  0.6.0 tree, so they are no keys of the crosswalk, but they serve as absorbers for the bridges
  (for seven of them the 0.6.0 tree has the same commune under another code: the official
  table's code wins).
- The official table tags old ward 27691 (Phường 4, Tân An, Long An) with Tiền Giang's province
  code, and 30781 (Xã Tiên Hải, Hà Tiên, Kiên Giang) with An Giang's: an old commune's province is
  always taken from its district in the 0.6.0 tree, never from the table.
- Five island districts had no communes (318 Bạch Long Vĩ, 471 Cồn Cỏ, 498 Hoàng Sa, 536 Lý Sơn,
  755 Côn Đảo): `island_districts()` maps each to the special zone (đặc khu) it became.
"""

import collections
import enum
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from unidecode import unidecode

from provinces.loader import read_package_tree
from provinces.reform.decisions import DECISIONS, Source
from provinces.reform.new_map import read_new_map
from provinces.reform.sources import (
    read_official_table,
    read_vau_converter,
    read_vau_legacy_units,
    read_vau_new_units,
)

# REFORM.md, the authority: new province <- the old provinces that went into it, whole.
PROVINCE_MERGERS: dict[str, tuple[str, ...]] = {
    "01": ("01",),
    "04": ("04",),
    "08": ("02", "08"),
    "11": ("11",),
    "12": ("12",),
    "14": ("14",),
    "15": ("10", "15"),
    "19": ("06", "19"),
    "20": ("20",),
    "22": ("22",),
    "24": ("24", "27"),  # old Bắc Giang and old Bắc Ninh -> Bắc Ninh
    "25": ("17", "25", "26"),
    "31": ("30", "31"),
    "33": ("33", "34"),
    "37": ("35", "36", "37"),
    "38": ("38",),
    "40": ("40",),
    "42": ("42",),
    "44": ("44", "45"),
    "46": ("46",),
    "48": ("48", "49"),
    "51": ("51", "62"),
    "52": ("52", "64"),
    "56": ("56", "58"),
    "66": ("54", "66"),
    "68": ("60", "67", "68"),
    "75": ("70", "75"),
    "79": ("74", "77", "79"),
    "80": ("72", "80"),
    "82": ("82", "87"),  # Tiền Giang and Đồng Tháp -> Đồng Tháp
    "86": ("83", "84", "86"),
    "91": ("89", "91"),
    "92": ("92", "93", "94"),
    "96": ("95", "96"),
}

# Communes the early-2025 mergers made: in the official table, not in the 0.6.0 tree.
EARLY_2025_CODES = frozenset(
    {"03980", "03983", "03984", "26929", "26953", "27076", "27226", "27232", "27367", "27373"}
)


class Share(enum.StrEnum):
    """How much of the old commune went to a successor. The official table's notes say whether a
    part was of the area or of the population; neither package kept that, only whole or part.
    A sole successor can be a part (132 communes): the official table says only part of the old
    commune went there and names nowhere else for the rest."""

    WHOLE = "whole"
    PART = "part"


@dataclass(frozen=True)
class Successor:
    code: str  # a commune of today's map
    share: Share
    # The one successor that carries the old commune's figures when they cannot be divided.
    is_default: bool


class BridgeMethod(enum.StrEnum):
    CONVERTER = "converter"  # the name converter lists the commune
    ABSORBED = "absorbed"  # vietnamadminunits names the commune that absorbed it
    DISTRICT = "district"  # a guess: the most common successor in its old district


@dataclass(frozen=True)
class Bridge:
    """How a commune of the 0.6.0 tree that the official table lacks is carried over."""

    old_code: str
    method: BridgeMethod
    via: str | None  # the absorbing commune, whose successors it takes
    note: str


@dataclass(frozen=True)
class _OldCommune:
    code: str
    name: str
    district_code: str
    province_code: str


@functools.cache
def _old_communes() -> Mapping[str, _OldCommune]:
    return {
        f"{ward['code']:05d}": _OldCommune(
            f"{ward['code']:05d}",
            ward["name"],
            f"{district['code']:03d}",
            f"{province['code']:02d}",
        )
        for province in read_package_tree()
        for district in province["districts"]
        for ward in district["wards"]
    }


def _name_key(name: str) -> str:
    """A name keyed the way vietnamadminunits keys it: "Xã Chiềng Ly" -> "xachiengly"."""
    return re.sub(r"[^a-z0-9]", "", unidecode(name).lower())


@functools.cache
def read_name_crosswalk() -> Mapping[str, tuple[tuple[str, bool | None], ...]]:
    """The name converter joined to codes: old commune code -> ((new code, is_default), ...);
    is_default is None for a commune that went whole. Island districts are left out."""
    legacy = {unit.key: unit for unit in read_vau_legacy_units()}
    new = {unit.key: unit.code for unit in read_vau_new_units().values()}
    converter = read_vau_converter()
    pairs: collections.defaultdict[str, list[tuple[str, bool | None]]] = collections.defaultdict(
        list
    )
    for province_key, communes in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for commune_key, old_keys in communes.items():
            for old_key in old_keys:
                old_code = legacy[old_key].code
                if old_code:
                    pairs[old_code].append((new[province_key, commune_key], None))
    for province_key, old_communes in converter["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old_key, targets in old_communes.items():
            old_code = legacy[old_key].code
            assert old_code is not None  # a divided unit is a commune, which has a code
            for target in targets:
                new_code = new[province_key, target["newWardKey"]]
                pairs[old_code].append((new_code, target["isDefaultNewWard"]))
    return MappingProxyType(
        {
            code: tuple(sorted(found, key=lambda pair: pair[0]))
            for code, found in sorted(pairs.items())
        }
    )


def source_disagreements() -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """Old communes in both sources whose successors differ: code -> (official, by name), each
    sorted. DECISIONS must settle exactly these."""
    by_name = read_name_crosswalk()
    found = {}
    for code, row in read_official_table().rows.items():
        if code in by_name:
            official = tuple(sorted(row.new_codes))
            named = tuple(sorted(new_code for new_code, _ in by_name[code]))
            if official != named:
                found[code] = (official, named)
    return found


@functools.cache
def island_districts() -> Mapping[str, str]:
    """Old island district without communes -> the special zone it became (from the name
    converter, which lists these districts as old units of their own)."""
    legacy = {unit.key: unit for unit in read_vau_legacy_units()}
    new = {unit.key: unit.code for unit in read_vau_new_units().values()}
    zones = {}
    for province_key, communes in read_vau_converter()["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for commune_key, old_keys in communes.items():
            for old_key in old_keys:
                if legacy[old_key].code is None:
                    zones[legacy[old_key].district_code] = new[province_key, commune_key]
    return MappingProxyType(dict(sorted(zones.items())))


def _successors(
    codes: tuple[str, ...], *, partly: bool, defaults: list[str]
) -> tuple[Successor, ...]:
    """The default first, then by code. `defaults` are candidates; only one may be a successor."""
    if len(codes) == 1:
        return (Successor(codes[0], Share.PART if partly else Share.WHOLE, True),)
    default = [code for code in defaults if code in codes]
    if len(default) != 1:
        raise ValueError(f"{len(default)} default successors among {sorted(codes)}")
    return tuple(
        Successor(code, Share.PART, code == default[0])
        for code in sorted(codes, key=lambda code: (code != default[0], code))
    )


@functools.cache
def _official_crosswalk() -> Mapping[str, tuple[Successor, ...]]:
    """Every old commune of the official table (also the 10 early-2025 ones), decisions applied."""
    by_name = read_name_crosswalk()
    crosswalk = {}
    for code, row in read_official_table().rows.items():
        named = by_name.get(code, ())
        decision = DECISIONS.get(code)
        if decision and decision.take is Source.BY_NAME:
            codes = tuple(new_code for new_code, _ in named)
            partly = any(is_default is not None for _, is_default in named)
        else:
            codes, partly = row.new_codes, row.is_partly_merged
        defaults = [new_code for new_code, is_default in named if is_default]
        try:
            crosswalk[code] = _successors(codes, partly=partly, defaults=defaults)
        except ValueError as error:
            raise ValueError(f"Old commune {code}: {error}") from None
    return crosswalk


@functools.cache
def bridges() -> Mapping[str, Bridge]:
    """The 28 communes of the 0.6.0 tree that the official table lacks, and how each is carried.

    In order of evidence: the name converter lists it (2); vietnamadminunits names the commune
    that absorbed it, as that commune's name or one of its former names, in the same old district
    (24); else the most common default successor of its old district's other communes, ties to
    the one of the nearest code (2: Xã Đông Xuân 16411 and Xã Phù Mỹ 25186, guesses to check
    against the early-2025 resolutions of Thanh Hóa and Lâm Đồng).
    """
    official = _official_crosswalk()
    by_name = read_name_crosswalk()
    legacy_by_district = collections.defaultdict(list)
    for unit in read_vau_legacy_units():
        if unit.code in official:
            legacy_by_district[unit.district_code].append(unit)
    old = _old_communes()
    result = {}
    for code, commune in old.items():
        if code in official:
            continue
        if code in by_name:
            result[code] = Bridge(code, BridgeMethod.CONVERTER, None, "listed by the converter")
            continue
        key = _name_key(commune.name)
        absorbers = [
            unit for unit in legacy_by_district[commune.district_code] if key in unit.name_keys
        ]
        if len(absorbers) > 1:
            raise ValueError(f"{code} {commune.name}: absorbed by {[u.code for u in absorbers]}?")
        if absorbers:
            absorber = absorbers[0]
            assert absorber.name is not None  # a commune of the official table: it has a name
            if _name_key(absorber.name) == key:
                # The same commune under another code (the merger kept this one's name): the
                # official table's code wins.
                note = f"the merged commune kept its name under the official code {absorber.code}"
            else:
                note = (
                    f"absorbed by {absorber.code} {absorber.name}, which vietnamadminunits also "
                    f"knows by this commune's name"
                )
            result[code] = Bridge(code, BridgeMethod.ABSORBED, absorber.code, note)
            continue
        result[code] = Bridge(
            code, BridgeMethod.DISTRICT, None, f"guessed from old district {commune.district_code}"
        )
    return MappingProxyType(result)


def _district_guess(code: str, official: Mapping[str, tuple[Successor, ...]]) -> str:
    district = _old_communes()[code].district_code
    siblings = {
        other.code: official[other.code][0].code
        for other in _old_communes().values()
        if other.district_code == district and other.code in official
    }
    counts = collections.Counter(siblings.values())
    top = max(counts.values())
    tied = [sibling for sibling, successor in siblings.items() if counts[successor] == top]
    nearest = min(tied, key=lambda sibling: (abs(int(sibling) - int(code)), sibling))
    return siblings[nearest]


@functools.cache
def read_crosswalk() -> Mapping[str, tuple[Successor, ...]]:
    """Every commune of the 0.6.0 tree (10,051) -> its successors in today's map, the default
    first. A commune split across several has exactly one default."""
    official = _official_crosswalk()
    by_name = read_name_crosswalk()
    crosswalk = {}
    for code in _old_communes():
        if code in official:
            crosswalk[code] = official[code]
            continue
        bridge = bridges()[code]
        if bridge.method is BridgeMethod.CONVERTER:
            named = by_name[code]
            crosswalk[code] = _successors(
                tuple(new_code for new_code, _ in named),
                partly=any(is_default is not None for _, is_default in named),
                defaults=[new_code for new_code, is_default in named if is_default],
            )
        elif bridge.method is BridgeMethod.ABSORBED:
            # It is inside the absorber: it goes where the absorber went, a part of it when the
            # absorber was split (which part is not known).
            assert bridge.via is not None  # an absorbed commune names its absorber
            through = official[bridge.via]
            crosswalk[code] = tuple(
                Successor(s.code, Share.WHOLE if len(through) == 1 else Share.PART, s.is_default)
                for s in through
            )
        else:
            crosswalk[code] = (Successor(_district_guess(code, official), Share.WHOLE, True),)
    return MappingProxyType(crosswalk)


@functools.cache
def province_crosswalk() -> Mapping[str, str]:
    """Old province code -> new province code, derived from the commune crosswalk (and the island
    districts); raises if an old province was split or the result is not REFORM.md's table."""
    new_communes = read_new_map().communes
    reached: collections.defaultdict[str, set[str]] = collections.defaultdict(set)
    for code, successors in read_crosswalk().items():
        province = _old_communes()[code].province_code
        reached[province].update(new_communes[s.code].province_code for s in successors)
    districts = {
        f"{district['code']:03d}": f"{province['code']:02d}"
        for province in read_package_tree()
        for district in province["districts"]
    }
    for district, zone in island_districts().items():
        reached[districts[district]].add(new_communes[zone].province_code)
    split = {old: sorted(new) for old, new in reached.items() if len(new) != 1}
    if split:
        raise ValueError(f"Old provinces split across new ones: {split}")
    derived = {old: new.pop() for old, new in sorted(reached.items())}
    authority = {old: new for new, olds in PROVINCE_MERGERS.items() for old in olds}
    if derived != dict(sorted(authority.items())):
        differences = {
            old: (derived.get(old), authority.get(old))
            for old in derived.keys() | authority.keys()
            if derived.get(old) != authority.get(old)
        }
        raise ValueError(f"Province crosswalk (derived, REFORM.md) differs: {differences}")
    return MappingProxyType(derived)
