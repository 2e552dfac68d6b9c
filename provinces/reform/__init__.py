"""Today's map (the reform of 1 July 2025) and the crosswalk from the old map, read from the data
packages' files at call time, once per process. Pure reads: nothing here touches the database.

- read_new_map(): the 34 provinces and 3,321 communes, with types and the day each applies from.
- read_crosswalk(): old commune (the 0.6.0 tree) -> successors, the default first.
- bridges(): how the 28 old communes missing from the official table are carried over.
- island_districts(): the five old island districts without communes -> their special zones.
- province_crosswalk(): old province -> new province, checked against REFORM.md.
- DECISIONS: where the two crosswalk sources disagree, which answer is taken and why.
"""

from provinces.reform.crosswalk import (
    EARLY_2025_CODES,
    PROVINCE_MERGERS,
    Bridge,
    BridgeMethod,
    Share,
    Successor,
    bridges,
    island_districts,
    province_crosswalk,
    read_crosswalk,
    read_name_crosswalk,
    source_disagreements,
)
from provinces.reform.decisions import DECISIONS, Decision, Source
from provinces.reform.new_map import NewCommune, NewDivisionType, NewMap, NewProvince, read_new_map
from provinces.reform.sources import REFORM_DATE, ReformDataMissing, read_official_table

__all__ = [
    "DECISIONS",
    "EARLY_2025_CODES",
    "PROVINCE_MERGERS",
    "REFORM_DATE",
    "Bridge",
    "BridgeMethod",
    "Decision",
    "NewCommune",
    "NewDivisionType",
    "NewMap",
    "NewProvince",
    "ReformDataMissing",
    "Share",
    "Source",
    "Successor",
    "bridges",
    "island_districts",
    "province_crosswalk",
    "read_crosswalk",
    "read_name_crosswalk",
    "read_new_map",
    "read_official_table",
    "source_disagreements",
]
