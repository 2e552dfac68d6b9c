"""Synthetic units for tests and benchmarks, outside the real codes."""

from provinces.models import DivisionType, Level, Unit
from provinces.search import search_key


def make_district(province: Unit, code: str, communes: int, *, first_commune_code: int = 0) -> Unit:
    """A district with `communes` communes under `province`.

    Commune codes are `<district code><nn>` (up to 100 communes), or consecutive numbers from
    `first_commune_code` when it is given.
    """
    district = Unit.objects.create(
        level=Level.DISTRICT,
        code=code,
        name=f"Thử {code}",
        full_name=f"Huyện Thử {code}",
        division_type=DivisionType.RURAL_DISTRICT,
        search_key=search_key(f"Thử {code}"),
        parent=province,
        province=province,
    )
    district.district = district
    district.save(update_fields=["district"])
    Unit.objects.bulk_create(
        Unit(
            level=Level.COMMUNE,
            code=str(first_commune_code + i) if first_commune_code else f"{code}{i:02d}",
            name=f"Thử {code}-{i}",
            full_name=f"Xã Thử {code}-{i}",
            division_type=DivisionType.COMMUNE,
            search_key=search_key(f"Thử {code}-{i}"),
            parent=district,
            province=province,
            district=district,
        )
        for i in range(communes)
    )
    return district
