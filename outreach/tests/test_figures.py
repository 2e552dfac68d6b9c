"""The channel figures: they add up to the new participants at every level and on both maps,
old communes carry onto today's, organisations' targets give completion, gap and pace."""

from decimal import Decimal

import pytest
from django.db.models import Sum

from outreach.models import ChannelCount, ChannelFigure, ChannelTarget
from outreach.selectors import channel_page, org_progress
from outreach.services import ChannelEntry, channels_save
from progress.models import Progress
from progress.services import recompute_province
from provinces.models import Level, Succession

pytestmark = pytest.mark.django_db


def channel_sums(**filters) -> dict[tuple[int, int, int], int]:
    return {
        (r["unit_id"], r["year"], r["month"]): r["n"]
        for r in ChannelFigure.objects.filter(carried=False, **filters)
        .values("unit_id", "year", "month")
        .annotate(n=Sum("new_in_month"))
    }


@pytest.mark.parametrize("year", [2023, 2025, 2026])
def test_channels_and_the_not_attributed_part_add_up_to_new_participants_at_every_level(demo, year):
    sums = channel_sums(year=year)
    rows = Progress.objects.filter(year=year, new_in_month__isnull=False)
    levels = set()
    for row in rows.exclude(level=Level.COMMUNE).values(
        "unit_id", "year", "month", "new_in_month", "level"
    ):
        key = (row["unit_id"], row["year"], row["month"])
        assert sums.get(key, 0) == row["new_in_month"], row
        levels.add(row["level"])
    assert {Level.NATION, Level.PROVINCE} <= levels
    # Communes: their own rows, read by the page, add up the same way.
    communes = rows.filter(level=Level.COMMUNE).order_by("unit_id", "month")
    sample = list(communes.filter(month=5).select_related("unit")[:30])
    assert sample
    for row in sample:
        page = channel_page(unit=row.unit, year=year, month=row.month)
        assert page.total_in_month == row.new_in_month, row
    # The demo attributes most of it, never all of it.
    attributed = ChannelFigure.objects.filter(year=year, level=Level.NATION, org__isnull=False)
    missing = ChannelFigure.objects.filter(year=year, level=Level.NATION, org__isnull=True)
    assert attributed.aggregate(n=Sum("new_in_month"))["n"] > 0
    assert missing.aggregate(n=Sum("new_in_month"))["n"] > 0


def test_todays_commune_carries_the_old_communes_it_took_over(demo):
    commune = (
        demo.bac_ninh.__class__.objects.communes()
        .filter(province=demo.bac_ninh, predecessions__is_default=True)
        .first()
    )
    old = Succession.objects.filter(successor=commune, is_default=True).values("predecessor_id")
    march = Progress.objects.filter(unit_id__in=old, year=2025, month=3).aggregate(
        n=Sum("new_in_month")
    )["n"]
    page = channel_page(unit=commune, year=2025, month=8)
    assert page.carried
    assert page.trend[2].total == march
    assert (
        page.total_in_month == Progress.objects.get(unit=commune, year=2025, month=8).new_in_month
    )


def test_todays_province_carries_its_old_provinces_months_before_the_reform(demo):
    taken_over = list(demo.bac_ninh.taken_over_province_ids)
    old = ChannelFigure.objects.filter(unit_id__in=taken_over, year=2025, month=3)
    carried = ChannelFigure.objects.filter(unit=demo.bac_ninh, year=2025, month=3)
    assert carried.exists() and all(r.carried for r in carried)
    assert (
        carried.aggregate(n=Sum("new_in_month"))["n"] == old.aggregate(n=Sum("new_in_month"))["n"]
    )
    # From July on, today's province has its own rows, not carried.
    assert not ChannelFigure.objects.filter(unit=demo.bac_ninh, year=2025, month=8, carried=True)
    assert ChannelFigure.objects.filter(unit=demo.bac_ninh, year=2025, month=8).exists()


def test_an_organisations_target_gives_completion_gap_and_pace(demo, june):
    commune = june.communes[0]
    ChannelTarget.objects.update_or_create(
        org=june.post, unit=commune, year=2023, defaults={"value": 40}
    )
    result = channels_save(
        user=demo.clerk,
        year=2023,
        month=6,
        entries=[
            ChannelEntry(commune.pk, june.post.pk, 9),
            ChannelEntry(commune.pk, june.bhxh.pk, 3),
        ],
    )
    assert result.saved
    recompute_province(province_id=demo.bac_giang.pk, year=2023)
    before = (
        ChannelCount.objects.filter(
            commune=commune, year=2023, org=june.post, month__lt=6
        ).aggregate(n=Sum("new_participants"))["n"]
        or 0
    )
    ytd = before + 9
    (row,) = [o for o in org_progress(unit=commune, year=2023, month=6) if o.org == june.post]
    assert (row.new_ytd, row.target, row.as_of_month) == (ytd, 40, 6)
    assert row.completion_pct == (Decimal(100 * ytd) / 40).quantize(Decimal("0.01"))
    gap = max(40 - ytd, 0)
    assert row.gap == gap
    assert row.required_pace == -(-gap // 6)  # six months left after June
    # The commune's June adds up to its 15 new participants: 9 + 3 + 3 not attributed.
    page = channel_page(unit=commune, year=2023, month=6)
    shares = {s.kind: s.in_month for s in page.shares}
    assert (shares["post_office"], shares["bhxh"], shares["none"]) == (9, 3, 3)
    assert page.total_in_month == 15
    # The district sees the same split, stored, with the district's own target figures.
    district = ChannelFigure.objects.get(unit=demo.luc_nam, year=2023, month=6, org=june.post)
    assert district.new_in_month >= 9
    ChannelTarget.objects.create(org=june.post, unit=demo.luc_nam, year=2023, value=5000)
    recompute_province(province_id=demo.bac_giang.pk, year=2023)
    district = ChannelFigure.objects.get(unit=demo.luc_nam, year=2023, month=6, org=june.post)
    assert (district.target, district.gap) == (5000, 5000 - district.new_ytd)
    assert district.completion_pct == (Decimal(100 * district.new_ytd) / 5000).quantize(
        Decimal("0.01")
    )
    assert district.required_pace == -(-(5000 - district.new_ytd) // 6)


@pytest.mark.parametrize("year", [2023, 2025])
def test_province_by_province_or_all_at_once_the_same_rows_before_and_across_the_reform(demo, year):
    """A recompute split by province (as the full recompute's connections and a grid save do)
    gives the rows the recompute of every province at once gives: before the reform no province
    has carried rows, in 2025 today's provinces carry their old communes' months."""
    from bhxh_dashboard import clock
    from outreach import figures
    from provinces.models import Unit

    def rows() -> list[tuple]:
        fields = [f.attname for f in ChannelFigure._meta.concrete_fields]
        fields = [f for f in fields if f not in ("id", "computed_at")]
        return sorted(
            ChannelFigure.objects.filter(year=year).values_list(*fields),
            key=lambda r: tuple((v is None, v) for v in r),
        )

    nation = Unit.objects.get(level=Level.NATION).pk
    now = clock.now()
    assert figures.compute_units(province_ids=None, years=(year,), nation=nation, now=now) == 0
    stored = rows()
    carried = ChannelFigure.objects.filter(year=year, carried=True)
    assert stored and carried.exists() == (year == 2025)
    ChannelFigure.objects.filter(year=year).delete()
    for province in Unit.objects.provinces().values_list("pk", flat=True):
        figures.compute_units(province_ids=[province], years=(year,), nation=nation, now=now)
    figures.compute_nation(years=(year,), nation=nation, now=now)
    assert rows() == stored


def test_a_grid_save_rewrites_only_its_provinces_rows_it_moved_and_nothing_twice(demo, june):
    """The recompute is an upsert: after one commune's June split is saved, only Bắc Giang's
    rows (its units' June and later) and the nation's change; recomputing again writes
    nothing; a split set back to nothing deletes the rows it alone made."""
    from bhxh_dashboard import clock
    from outreach import figures
    from provinces.models import Unit

    nation = Unit.objects.get(level=Level.NATION).pk
    recompute_province(province_id=demo.bac_giang.pk, year=2023)  # the June counts settled
    before = {r.pk: r.computed_at for r in ChannelFigure.objects.all()}
    commune = june.communes[0]
    assert channels_save(
        user=demo.clerk,
        year=2023,
        month=6,
        entries=[ChannelEntry(commune.pk, june.bhxh.pk, 4)],
    ).saved
    assert not ChannelFigure.objects.filter(unit=demo.luc_nam, year=2023, month=6, org=june.bhxh)
    recompute_province(province_id=demo.bac_giang.pk, year=2023)

    after = {r.pk: r for r in ChannelFigure.objects.all()}
    written = [r for pk, r in after.items() if before.get(pk) != r.computed_at]
    assert written
    assert {r.province_id for r in written} <= {demo.bac_giang.pk, None}
    assert {(r.year, r.month >= 6) for r in written} == {(2023, True)}
    assert {r.level for r in written} == {Level.NATION, Level.PROVINCE, Level.DISTRICT}
    # Lạng Sơn's rows, today's Bắc Ninh's, the other years: the same rows, not rewritten.
    untouched = ChannelFigure.objects.exclude(province_id=demo.bac_giang.pk).exclude(
        province_id__isnull=True
    )
    assert untouched.exists()
    assert all(before[r.pk] == r.computed_at for r in untouched)
    new_row = ChannelFigure.objects.get(unit=demo.luc_nam, year=2023, month=6, org=june.bhxh)
    assert new_row.new_in_month == 4
    # The not-attributed part of the district's June went down by as much.
    total = ChannelFigure.objects.filter(unit=demo.luc_nam, year=2023, month=6).aggregate(
        n=Sum("new_in_month")
    )["n"]
    assert total == Progress.objects.get(unit=demo.luc_nam, year=2023, month=6).new_in_month

    # Nothing changed: nothing written.
    now = clock.now()
    assert (
        figures.compute_units(
            province_ids=[demo.bac_giang.pk], years=(2023,), nation=nation, now=now
        )
        == 0
    )
    assert figures.compute_nation(years=(2023,), nation=nation, now=now) == 0

    # The split taken back: the district's BHXH June row goes, the rest stays.
    assert channels_save(
        user=demo.clerk, year=2023, month=6, entries=[ChannelEntry(commune.pk, june.bhxh.pk, None)]
    ).saved
    recompute_province(province_id=demo.bac_giang.pk, year=2023)
    assert not ChannelFigure.objects.filter(unit=demo.luc_nam, year=2023, month=6, org=june.bhxh)
    assert (
        ChannelFigure.objects.filter(unit=demo.luc_nam, year=2023, month=6).aggregate(
            n=Sum("new_in_month")
        )["n"]
        == total
    )
