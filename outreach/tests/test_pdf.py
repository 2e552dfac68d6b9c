"""The unit PDF's "Phát triển mới theo kênh thu" section, as a manager reads it (pdftotext):
new participants by channel with their shares and the part not attributed, each organisation
against its target, events against plan and conversion, communes without a collection point.
Every expected figure is computed here from the rows the demo and the test hold."""

import datetime as dt
import re
import subprocess
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.urls import reverse

from bhxh_dashboard.formatting import number, percent
from bhxh_dashboard.months import cutoff_date
from outreach.models import (
    ChannelCount,
    ChannelTarget,
    CollectionOrg,
    CollectionPoint,
    EventPlan,
    OrgKind,
    OutreachEvent,
)
from provinces.models import Unit
from targets.models import MonthlyCount

pytestmark = pytest.mark.django_db

YEAR, MONTH = 2023, 5


def pdf_lines(content: bytes, tmp_path) -> list[str]:
    """The PDF's text as laid out, a line per printed line, runs of spaces made one."""
    path = tmp_path / "summary.pdf"
    path.write_bytes(content)
    text = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    return [re.sub(r"\s+", " ", line).strip() for line in text.splitlines()]


def ratio(part: int, whole: int) -> Decimal:
    return (Decimal(100 * part) / whole).quantize(Decimal("0.01"))


@pytest.fixture
def summary(demo, client, tmp_path):
    """Bắc Giang's May 2023 summary, two of its communes left without a collection point."""
    communes = Unit.objects.communes().filter(province=demo.bac_giang).order_by("code")
    pointless = list(communes[:2])
    CollectionPoint.objects.filter(commune__in=pointless).delete()
    client.force_login(demo.manager)
    url = reverse("reports:pdf", args=[demo.bac_giang.url_code]) + f"?year={YEAR}&month={MONTH}"
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    lines = pdf_lines(response.content, tmp_path)
    start = next(i for i, line in enumerate(lines) if "Phát triển mới theo kênh thu" in line)
    return lines, start, pointless, communes


def test_the_section_gives_the_channels_shares_and_the_part_not_attributed(demo, summary):
    lines, start, _pointless, _communes = summary
    communes = Unit.objects.communes().filter(province=demo.bac_giang)
    counts = ChannelCount.objects.filter(commune__in=communes, year=YEAR, month__lte=MONTH)
    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # in May, year to date
    for kind, month, n in counts.values_list("org__kind", "month", "new_participants"):
        by_kind[kind][1] += n
        by_kind[kind][0] += n if month == MONTH else 0
    new = MonthlyCount.objects.filter(commune__in=communes, year=YEAR, month__lte=MONTH)
    total_ytd = new.aggregate(n=Sum("new_participants"))["n"]
    total_may = new.filter(month=MONTH).aggregate(n=Sum("new_participants"))["n"]
    rest = [total_may - sum(v[0] for v in by_kind.values()),
            total_ytd - sum(v[1] for v in by_kind.values())]  # fmt: skip
    assert rest[1] > 0  # the demo leaves part of it not attributed
    section = lines[start:]
    assert any(
        f"Từ đầu năm đến tháng 05/2023: {number(total_ytd)} người tham gia mới" in line
        for line in section
    )
    expected = {str(OrgKind(k).label): v for k, v in by_kind.items()} | {"Chưa phân bổ": rest}
    for label, (may, ytd) in expected.items():
        row = f"{label} {number(may)} {number(ytd)} {percent(ratio(ytd, total_ytd))}"
        assert row in section, row
    assert f"Tổng phát triển mới {number(total_may)} {number(total_ytd)} 100,00%" in section


def test_the_section_gives_each_organisation_against_its_target(demo, summary):
    lines, start, _pointless, _communes = summary
    section = lines[start:]
    communes = Unit.objects.communes().filter(province=demo.bac_giang)
    targets = dict(
        ChannelTarget.objects.filter(unit=demo.bac_giang, year=YEAR).values_list("org_id", "value")
    )
    shown = 0
    for org in CollectionOrg.objects.filter(province=demo.bac_giang):
        ytd = ChannelCount.objects.filter(
            commune__in=communes, org=org, year=YEAR, month__lte=MONTH
        ).aggregate(n=Sum("new_participants"))["n"]
        if not ytd or org.pk not in targets:
            continue
        target = targets[org.pk]
        gap = max(target - ytd, 0)
        cells = f"{number(ytd)} {number(target)} {percent(ratio(ytd, target))}"
        row = next(line for line in section if line.startswith(org.name))
        assert cells in row, (row, cells)
        assert (number(gap) if gap else "đã đạt") in row.split(cells)[1]
        shown += 1
    assert shown >= 3


def test_the_section_gives_events_against_plan_and_communes_without_a_point(demo, summary):
    lines, start, pointless, communes = summary
    text = " ".join(lines[start:])
    events = OutreachEvent.objects.filter(
        commune__province=demo.bac_giang,
        held_on__gte=dt.date(YEAR, 1, 1),
        held_on__lte=cutoff_date(YEAR, MONTH),
    )
    held = events.count()
    sums = events.aggregate(a=Sum("attendees"), s=Sum("sign_ups"))
    planned = EventPlan.objects.get(unit=demo.bac_giang, year=YEAR).events
    assert held and planned
    assert (
        f"đã tổ chức {number(held)}/{number(planned)} cuộc theo kế hoạch "
        f"({percent(ratio(held, planned))}); {number(sums['a'])} người dự, "
        f"{number(sums['s'])} người đăng ký tại chỗ, tỷ lệ chuyển đổi "
        f"{percent(ratio(sums['s'], sums['a']))}."
    ) in text
    in_force = communes.in_force(cutoff_date(YEAR, MONTH)).count()
    names = ", ".join(sorted(c.name for c in pointless))
    assert (
        f"{len(pointless)}/{number(in_force)} xã chưa có điểm thu đang hoạt động: {names}." in text
    )


def test_no_other_provinces_organisation_is_named(demo, summary):
    lines, _start, _pointless, _communes = summary
    text = "\n".join(lines)
    others = CollectionOrg.objects.exclude(province=demo.bac_giang).values_list("name", flat=True)
    assert others
    for name in others:
        assert name not in text, name
