"""Where the two crosswalks disagree, which answer is taken, and why.

The official table is vietnam-provinces' `_ward_conversion_2025.py`, generated from the statistics
office's conversion table and keyed by code. The name converter is vietnamadminunits'
`converter_2025.json`, keyed by names and joined to codes here. They share 10,033 old communes and
agree on 9,996. For each of the other 37 this table holds both answers as they are today, so a test
fails when a disagreement appears that is not here, or when one here is no longer in the data.

The rule: the official table wins. It is keyed by code and it is the authority; the name converter
is a second reading of the same resolutions and goes wrong in a way that can be shown (name twins,
below). The two exceptions are communes whose official row describes a commune enlarged by a merger
of early 2025 that the 0.6.0 tree does not have yet.
"""

import enum
from dataclasses import dataclass


class Source(enum.StrEnum):
    OFFICIAL = "official"  # vietnam-provinces 2026.9.0, _ward_conversion_2025.py
    BY_NAME = "by_name"  # vietnamadminunits 1.0.4, converter_2025.json


@dataclass(frozen=True)
class Decision:
    official: tuple[str, ...]  # the new communes the official table lists, sorted
    by_name: tuple[str, ...]  # the new communes the name converter lists, sorted
    take: Source
    why: str
    # A name twin: an old commune with the same name that went to the same new province.
    twin: str | None = None


OFFICIAL, BY_NAME = Source.OFFICIAL, Source.BY_NAME

# The converter names an old commune by province, district and commune name, but after the reform
# it groups them by new province, and two old communes of one new province with the same name (a
# "Phường 4" in two old towns) get each other's successors as well. The twin's successor is the
# extra one; the converter's default successor is still the official one (except 31379, below).
NAME_TWIN = "name twin in the same new province: the converter adds the twin's successor"

# An early-2025 merger (January to June 2025) folded a commune of the 0.6.0 tree into this one,
# and the official table lists the enlarged commune: its second successor is the absorbed
# commune's. In the 0.6.0 tree the absorbed commune still stands on its own (bridged to that
# successor in crosswalk.py, as the converter says), so this commune keeps only its own successor.
EARLY_MERGER = (
    "the official row is for the commune enlarged in early 2025; the absorbed {absorbed} is on its "
    "own in the 0.6.0 tree and bridged to {successor}: take the converter's single successor"
)

DECISIONS: dict[str, Decision] = {
    # Hà Nội, Huyện Gia Lâm. The converter attaches Xã Thuận An (00562) to Đặng Xá instead of to
    # its neighbour Cổ Bi; nothing in either source settles it, so the official table stands for
    # both (Đặng Xá then keeps its one successor, marked as a part, as the official row says).
    "00553": Decision(
        ("00136", "00541", "00562", "00565"),
        ("00136", "00541", "00565"),
        OFFICIAL,
        "the official table lists Thuận An (00562) too; the converter moved it to Đặng Xá (00556)",
    ),
    "00556": Decision(
        ("00541",),
        ("00541", "00562"),
        OFFICIAL,
        "the converter adds Thuận An (00562), which the official table gives to Cổ Bi (00553)",
    ),
    # Cao Bằng, Xã Hồng Quang absorbed Xã Mỹ Hưng (01651) in early 2025.
    "01615": Decision(
        ("01636", "01648"),
        ("01636",),
        BY_NAME,
        EARLY_MERGER.format(absorbed="Xã Mỹ Hưng (01651)", successor="Xã Phục Hòa (01648)"),
    ),
    # Tuyên Quang, Xã Công Đa absorbed Xã Phú Thịnh (02482) in early 2025.
    "02485": Decision(
        ("02458", "02494"),
        ("02458",),
        BY_NAME,
        EARLY_MERGER.format(absorbed="Xã Phú Thịnh (02482)", successor="Xã Thái Bình (02494)"),
    ),
    "06079": Decision(("06079",), ("06079", "06184"), OFFICIAL, NAME_TWIN, twin="06205"),
    # Hà Nội, Huyện Mê Linh: the converter leaves out the part of Văn Khê that went to Ô Diên.
    "09013": Decision(
        ("08980", "08995", "09022", "09817"),
        ("08980", "08995", "09022"),
        OFFICIAL,
        "the official table also lists Ô Diên (09817); the converter drops that pair",
    ),
    "10798": Decision(
        ("10804", "10843"), ("10804", "10843", "11911"), OFFICIAL, NAME_TWIN, twin="11890"
    ),
    "11890": Decision(("11911",), ("10804", "10843", "11911"), OFFICIAL, NAME_TWIN, twin="10798"),
    # Lâm Đồng (old Bình Thuận) Xã Hòa Thắng and Tây Ninh (old Long An) Thị trấn Thủ Thừa: the
    # converter splits them, the official table moves them whole. The converter's default is the
    # official successor, so figures go to the same commune either way.
    "23053": Decision(
        ("23053",),
        ("23041", "23053"),
        OFFICIAL,
        "the converter adds Hồng Thái (23041); the official table moves Hòa Thắng whole",
    ),
    "25462": Decision(("25459",), ("25459", "27694"), OFFICIAL, NAME_TWIN, twin="27691"),
    "27691": Decision(("27694",), ("25459", "27694"), OFFICIAL, NAME_TWIN, twin="25462"),
    "28036": Decision(
        ("28036",),
        ("28036", "28087"),
        OFFICIAL,
        "the converter adds Nhựt Tảo (28087); the official table moves Thủ Thừa whole",
    ),
    # Đồng Tháp: the Phường 3, 4 and 6 of Mỹ Tho, Cai Lậy, Sa Đéc and Cao Lãnh.
    "28252": Decision(("28249",), ("28249", "29869"), OFFICIAL, NAME_TWIN, twin="29872"),
    "28270": Decision(("28270",), ("28270", "29869"), OFFICIAL, NAME_TWIN, twin="29878"),
    "28437": Decision(("28435",), ("28435", "29869"), OFFICIAL, NAME_TWIN, twin="29875"),
    "28439": Decision(("28439",), ("28439", "29869"), OFFICIAL, NAME_TWIN, twin="29872"),
    "29902": Decision(("29905",), ("29869", "29905"), OFFICIAL, NAME_TWIN, twin="29875"),
    "29908": Decision(("29905",), ("29869", "29905"), OFFICIAL, NAME_TWIN, twin="29872"),
    # Vĩnh Long (old Bến Tre and Vĩnh Long).
    "28924": Decision(("28921",), ("28921", "29734"), OFFICIAL, NAME_TWIN, twin="29734"),
    "29623": Decision(("29623",), ("29182", "29623"), OFFICIAL, NAME_TWIN, twin="29233"),
    "29734": Decision(("29734",), ("28921", "29734"), OFFICIAL, NAME_TWIN, twin="28924"),
    # Cần Thơ (old Cần Thơ, Hậu Giang and Sóc Trăng). For 31379 (Phú Tân of Hậu Giang's Châu
    # Thành) the converter's default is even its twin's successor: the twins' districts have the
    # same name too, so nothing in the converter's key tells them apart.
    "31246": Decision(("31246",), ("31246", "31726"), OFFICIAL, NAME_TWIN, twin="31714"),
    "31268": Decision(("31288",), ("31288", "31666"), OFFICIAL, NAME_TWIN, twin="31666"),
    "31378": Decision(("31378",), ("31378", "31654"), OFFICIAL, NAME_TWIN, twin="31657"),
    "31379": Decision(("31378",), ("31378", "31582"), OFFICIAL, NAME_TWIN, twin="31582"),
    "31438": Decision(("31408",), ("31408", "31741"), OFFICIAL, NAME_TWIN, twin="31741"),
    "31474": Decision(("31473",), ("31473", "31741"), OFFICIAL, NAME_TWIN, twin="31744"),
    "31480": Decision(("31480",), ("31480", "31639"), OFFICIAL, NAME_TWIN, twin="31669"),
    "31483": Decision(("31495",), ("31495", "31591"), OFFICIAL, NAME_TWIN, twin="31606"),
    "31582": Decision(("31582",), ("31378", "31582"), OFFICIAL, NAME_TWIN, twin="31379"),
    "31606": Decision(("31591",), ("31495", "31591"), OFFICIAL, NAME_TWIN, twin="31483"),
    "31657": Decision(("31654",), ("31378", "31654"), OFFICIAL, NAME_TWIN, twin="31378"),
    "31666": Decision(("31666",), ("31288", "31666"), OFFICIAL, NAME_TWIN, twin="31268"),
    "31669": Decision(("31639",), ("31480", "31639"), OFFICIAL, NAME_TWIN, twin="31480"),
    "31714": Decision(("31726",), ("31246", "31726"), OFFICIAL, NAME_TWIN, twin="31246"),
    "31741": Decision(("31741",), ("31408", "31741"), OFFICIAL, NAME_TWIN, twin="31438"),
    "31744": Decision(("31741",), ("31473", "31741"), OFFICIAL, NAME_TWIN, twin="31474"),
}
