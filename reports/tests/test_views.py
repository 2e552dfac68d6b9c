"""Dashboard pages: who sees what, the figures a reader sees, filters, exports, query counts."""

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from bhxh_dashboard import clock
from progress.models import Progress, RecomputeState
from provinces.models import Level, Profile, Role, Unit
from reports.tests.progress_rows import progress_row
from targets.models import ChangeField, ChangeLog, MonthlyCount

MAY_2023 = "?year=2023&month=5"


@pytest.fixture
def filled(demo):
    demo.commune = demo.luc_nam.children.order_by("code").first()
    return demo


def _csv(response):
    """The rows of a CSV export, past its title block (5 lines), `;` between cells."""
    lines = response.content.decode("utf-8-sig").splitlines()[5:]
    return list(csv.DictReader(io.StringIO("\n".join(lines)), delimiter=";"))


# ---------------------------------------------------------------------------------------------
# Access: anonymous -> login, out of scope -> 404, in scope -> 200, national sees everything
# ---------------------------------------------------------------------------------------------

PAGES = {
    "nation": "/u/vn/",
    "province": "/u/p24/",
    "district": "/u/d218/",
    "commune": "commune",
    "province_csv": "/u/p24/?_export=csv",
    "province_reporting": "/u/p24/bao-cao/",
    "district_reporting": "/u/d218/bao-cao/",
    "other_province": "/u/p20/",
}

# user -> pages answering 200 (every other page answers 404)
ALLOWED = {
    "national": set(PAGES),
    "officer": {
        "province",
        "district",
        "commune",
        "province_csv",
        "province_reporting",
        "district_reporting",
    },
    "manager": {
        "province",
        "district",
        "commune",
        "province_csv",
        "province_reporting",
        "district_reporting",
    },
    "clerk": {"district", "commune", "district_reporting"},
    "neighbour_clerk": set(),
    "other_officer": {"other_province"},
    "other_clerk": set(),
    "nobody": set(),
}


def _url(demo, page):
    url = PAGES[page]
    return demo.commune.get_absolute_url() if url == "commune" else url


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client, filled):
    for page in PAGES:
        response = client.get(_url(filled, page))
        assert response.status_code == 302, page
        assert response["Location"].startswith("/accounts/login/"), page


@pytest.mark.django_db
@pytest.mark.parametrize("who", list(ALLOWED))
def test_each_user_sees_only_their_scope(client, filled, who):
    client.force_login(getattr(filled, who))
    for page in PAGES:
        expected = 200 if page in ALLOWED[who] else 404
        response = client.get(_url(filled, page))
        assert response.status_code == expected, (who, page, response.status_code)


@pytest.mark.django_db
def test_a_commune_reporting_page_is_in_scope_of_its_district_only(client, filled):
    url = f"/u/{filled.commune.url_code}/bao-cao/"
    client.force_login(filled.clerk)
    assert client.get(url).status_code == 200
    client.force_login(filled.neighbour_clerk)
    assert client.get(url).status_code == 404


# ---------------------------------------------------------------------------------------------
# What the officer reads
# ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_province_headline_reproduces_the_bac_giang_example(client, filled):
    client.force_login(filled.officer)
    html = client.get("/u/p24/" + MAY_2023).content.decode()
    for shown in (
        'data-figure="participants">44.134<',
        'data-figure="target">52.139<',
        'data-figure="completion">84,65%<',
        'data-figure="gap">8.005<',
        'data-figure="pace">1.601<',
        'data-figure="vs-month">+4.934<',
        'data-figure="vs-year-end">+3.036<',
        "Kế hoạch năm</a> 2023",  # the label leads to its definition
        "chốt số liệu ngày 25/05/2023",
    ):
        assert shown in html, shown


@pytest.mark.django_db
def test_english_writes_numbers_the_english_way(client, filled):
    client.force_login(filled.officer)
    client.cookies["django_language"] = "en"
    html = client.get("/u/p24/" + MAY_2023).content.decode()
    assert 'data-figure="participants">44,134<' in html
    assert 'data-figure="completion">84.65%<' in html


@pytest.mark.django_db
def test_without_a_period_the_latest_month_with_data_is_shown(client, filled):
    latest = (
        Progress.objects.filter(unit=filled.bac_giang, participants__isnull=False)
        .order_by("-year", "-month")
        .first()
    )
    client.force_login(filled.officer)
    response = client.get("/u/p24/")
    assert (response.context["year"], response.context["month"]) == (latest.year, latest.month)
    assert f"<strong>{latest.month:02d}/{latest.year}</strong>" in response.content.decode()


@pytest.mark.django_db
def test_national_overview_ranks_provinces_by_completion(client, filled):
    client.force_login(filled.national)
    response = client.get("/u/vn/" + MAY_2023)
    rows = list(response.context["table"].rows)
    names = [row.record.unit.name for row in rows]
    assert set(names) == {"Bắc Giang", "Lạng Sơn"}
    completions = [row.record.completion_pct for row in rows]
    assert completions == sorted(completions, reverse=True)
    assert 'href="/u/p24/?year=2023&amp;month=5"' in response.content.decode()


@pytest.mark.django_db
def test_district_table_links_one_level_down_for_the_same_period(client, filled):
    client.force_login(filled.officer)
    html = client.get("/u/p24/" + MAY_2023).content.decode()
    assert 'href="/u/d218/?year=2023&amp;month=5">Lục Nam</a>' in html
    html = client.get("/u/d218/" + MAY_2023).content.decode()
    assert f'href="/u/{filled.commune.url_code}/?year=2023&amp;month=5"' in html


@pytest.mark.django_db
def test_name_filter_finds_units_typed_without_diacritics(client, filled):
    client.force_login(filled.officer)
    response = client.get("/u/p24/" + MAY_2023 + "&q=luc+nam")
    assert [r.record.unit.name for r in response.context["table"].rows] == ["Lục Nam"]
    response = client.get("/u/p24/" + MAY_2023 + "&q=Lục+Ngạn")
    assert [r.record.unit.name for r in response.context["table"].rows] == ["Lục Ngạn"]


@pytest.mark.django_db
def test_band_filter_keeps_only_units_in_the_band(client, filled):
    client.force_login(filled.officer)
    response = client.get("/u/p24/" + MAY_2023 + "&band=ge100")
    shown = [r.record for r in response.context["table"].rows]
    expected = Progress.objects.filter(
        parent=filled.bac_giang, year=2023, month=5, completion_pct__gte=100
    ).count()
    assert len(shown) == expected > 0
    assert all(r.completion_pct >= 100 for r in shown)
    response = client.get("/u/p24/" + MAY_2023 + "&band=80_100")
    assert all(80 <= r.record.completion_pct < 100 for r in response.context["table"].rows)


@pytest.mark.django_db
def test_table_sorts_by_name(client, filled):
    client.force_login(filled.officer)
    response = client.get("/u/p24/" + MAY_2023 + "&sort=name")
    names = [r.record.unit.name for r in response.context["table"].rows]
    assert names == sorted(names, key=lambda n: Unit.objects.get(name=n, level=2).name)
    assert names[0] == "Bắc Giang" and names != [
        r.record.unit.name for r in client.get("/u/p24/" + MAY_2023).context["table"].rows
    ]


@pytest.mark.django_db
def test_csv_export_has_every_district_with_raw_numbers(client, filled):
    client.force_login(filled.officer)
    response = client.get("/u/p24/" + MAY_2023 + "&_export=csv")
    assert response["Content-Disposition"].endswith('filename="tien-do-p24-05-2023.csv"')
    rows = _csv(response)
    luc_nam = Progress.objects.get(unit=filled.luc_nam, year=2023, month=5)
    by_name = {r["Đơn vị"]: r for r in rows}
    assert len(rows) == filled.bac_giang.children.count()
    assert by_name["Lục Nam"]["Số người tham gia"] == str(luc_nam.participants)
    # a `;` file is for Vietnamese settings, whose decimal mark is ",": 84,65 is a number there
    assert by_name["Lục Nam"]["% kế hoạch"] == str(luc_nam.completion_pct).replace(".", ",")
    assert "Vượt kế hoạch" in rows[0]


@pytest.mark.django_db
def test_excel_export_opens_with_the_same_rows(client, filled):
    client.force_login(filled.officer)
    response = client.get("/u/p24/" + MAY_2023 + "&_export=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header, *rows = list(sheet.values)[5:]  # past the title block
    assert header[0] == "Đơn vị"
    assert len(rows) == filled.bac_giang.children.count()


@pytest.mark.django_db
def test_pending_recompute_is_announced(client, filled):
    client.force_login(filled.officer)
    assert "Đang cập nhật số liệu mới" not in client.get("/u/p24/").content.decode()
    now = clock.now()
    RecomputeState.objects.update_or_create(
        province=filled.bac_giang,
        year=2023,
        defaults={"computed_at": now - timezone.timedelta(minutes=5), "requested_at": now},
    )
    html = client.get("/u/p24/" + MAY_2023).content.decode()
    assert "Đang cập nhật số liệu mới" in html
    assert "Số liệu tính đến" in html


@pytest.mark.django_db
def test_commune_page_shows_history_and_audit_trail(client, filled):
    ChangeLog.objects.create(
        unit=filled.commune,
        year=2023,
        month=5,
        field=ChangeField.PARTICIPANTS,
        old_value=1200,
        new_value=1234,
        changed_by=filled.clerk,
    )
    client.force_login(filled.officer)
    response = client.get(filled.commune.get_absolute_url())
    html = response.content.decode()
    # Every month up to the last reported one: the demo runs to May 2023, then from January
    # 2024 to June 2025, when the commune went into today's map; a month it missed (June to
    # December 2023) shows as a gap, the months after its end do not show.
    periods = [r.get_cell("period") for r in response.context["table"].rows]
    rows = Progress.objects.filter(unit=filled.commune)
    assert len(periods) == rows.count() == 12 + 12 + 12 + 6
    assert periods[0] == "06/2025" and periods[-1] == "01/2022"
    assert "07/2025" not in periods
    gaps = [f"{m:02d}/2023" for m in range(6, 13)]
    assert rows.filter(participants__isnull=True).count() == len(gaps)
    assert all(p in periods for p in gaps)
    assert "1.200" in html and "1.234" in html
    assert "Cán bộ BHXH Lục Nam" in html


@pytest.mark.django_db
def test_reporting_status_lists_the_communes_that_did_not_report(client, filled):
    missing = filled.luc_nam.children.order_by("code")[1]
    MonthlyCount.objects.filter(commune=missing, year=2023, month=5).delete()
    client.force_login(filled.officer)
    response = client.get("/u/p24/bao-cao/" + MAY_2023)
    status = response.context["status"]
    assert status.missing == 1
    assert status.total == Unit.objects.communes().filter(province=filled.bac_giang).count()
    html = response.content.decode()
    assert f'href="/u/{missing.url_code}/">{missing.name}</a>' in html
    assert 'href="/u/d218/bao-cao/?year=2023&amp;month=5">Lục Nam</a>' in html
    assert "25/05/2023" in html and "28/05/2023" in html


@pytest.mark.django_db
def test_december_reporting_cut_off_is_the_31st(client, filled):
    client.force_login(filled.officer)
    html = client.get("/u/p24/bao-cao/?year=2022&month=12").content.decode()
    assert "31/12/2022" in html


# ---------------------------------------------------------------------------------------------
# A constant number of queries whatever the number of rows
# ---------------------------------------------------------------------------------------------


def _synthetic_province(n: int) -> tuple[Unit, Unit]:
    """A province with n districts, the first district with n communes, and their progress."""
    nation, _ = Unit.objects.get_or_create(
        level=Level.NATION,
        code="VN",
        defaults={"name": "Việt Nam", "full_name": "Việt Nam", "division_type": "quoc_gia"},
    )
    province = Unit.objects.create(
        level=1, code="99", name="Thử", full_name="Tỉnh Thử", division_type="tinh", parent=nation
    )
    province.province = province
    province.save()
    districts = Unit.objects.bulk_create(
        Unit(
            level=2,
            code=f"{9000 + i}",
            name=f"Huyện {i}",
            full_name=f"Huyện {i}",
            division_type="huyen",
            search_key=f"huyen {i}",
            parent=province,
            province=province,
        )
        for i in range(n)
    )
    first = districts[0]
    Unit.objects.filter(pk__in=[d.pk for d in districts]).update(district_id=models_F("pk"))
    first.refresh_from_db()
    communes = Unit.objects.bulk_create(
        Unit(
            level=3,
            code=f"{90000 + i}",
            name=f"Xã {i}",
            full_name=f"Xã {i}",
            division_type="xa",
            search_key=f"xa {i}",
            parent=first,
            province=province,
            district=first,
        )
        for i in range(n)
    )
    now = clock.now()
    rows = []
    for units in (districts, communes):
        for i, unit in enumerate(units):
            for month in (4, 5):
                rows.append(
                    Progress(
                        unit=unit,
                        level=unit.level,
                        parent_id=unit.parent_id,
                        year=2023,
                        month=month,
                        participants=100 + i,
                        target=200,
                        completion_pct=Decimal(100 + i) / 2,
                        gap=100 - i if i < 100 else 0,
                        change_vs_prev_year_end=10,
                        deadline_month=10,
                        communes_reported=1,
                        communes_total=1,
                        computed_at=now,
                    )
                )
    Progress.objects.bulk_create(rows)
    for unit in (nation, province):
        for month in (4, 5):
            progress_row(unit, 2023, month, participants=1000, target=2000, deadline_month=10)
    MonthlyCount.objects.bulk_create(
        MonthlyCount(commune=c, year=2023, month=5, participants=10) for c in communes[::2]
    )
    for c in communes[:3]:
        ChangeLog.objects.create(unit=c, year=2023, month=5, field="participants", new_value=1)
    return province, first


def models_F(name):
    from django.db.models import F

    return F(name)


def _national_user():
    user = get_user_model().objects.create_user("qg-test", password="x")
    Profile.objects.create(
        user=user, role=Role.NATIONAL_VIEWER, unit=Unit.objects.get(level=Level.NATION)
    )
    return user


KEPT_PAGE_QUERIES = 10
QUERY_PAGES = {
    # page -> (url for the synthetic tree, queries); each counts the data version, the unit and
    # its PDF box's state read for the ETag (reports/conditional.py); the coverage card reads the
    # unit's coverage by year and its coverage targets, and who may enter them
    # and one lists the provinces without figures ("chưa báo cáo")
    "nation": (lambda p, d, c: "/u/vn/" + MAY_2023, 19),
    # one of them reads the unit's predecessors or successors across the reform
    "province": (lambda p, d, c: "/u/p99/" + MAY_2023, 19),
    "district": (lambda p, d, c: f"/u/{d.url_code}/" + MAY_2023, 20),
    "province_csv": (lambda p, d, c: "/u/p99/?_export=csv&year=2023&month=5", 11),
    "commune": (lambda p, d, c: f"/u/{c.url_code}/", 15),
    "reporting": (lambda p, d, c: "/u/p99/bao-cao/" + MAY_2023, 8),
}


@pytest.mark.django_db
@pytest.mark.parametrize("page", list(QUERY_PAGES))
@pytest.mark.parametrize("rows", [5, 700])
def test_query_count_does_not_grow_with_rows(client, django_assert_num_queries, page, rows):
    province, district = _synthetic_province(rows)
    commune = district.children.order_by("code").first()
    client.force_login(_national_user())
    url, queries = QUERY_PAGES[page]
    with django_assert_num_queries(queries):
        response = client.get(url(province, district, commune))
    assert response.status_code == 200


def _without_csrf_tokens(html: bytes) -> str:
    import re

    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html.decode())


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [5, 700])
def test_a_page_whose_figures_did_not_change_is_served_from_its_kept_data_part(
    client, django_assert_num_queries, rows
):
    province, district = _synthetic_province(rows)
    client.force_login(_national_user())
    url = "/u/p99/" + MAY_2023
    first = client.get(url)
    # session, user, unit, profile and scope, the PDF box (ETag and box), the data version:
    # none of the figures, whatever the number of rows
    with django_assert_num_queries(KEPT_PAGE_QUERIES):
        again = client.get(url)
    assert _without_csrf_tokens(again.content) == _without_csrf_tokens(first.content)


@pytest.mark.django_db
def test_table_body_has_one_cell_per_header(client, filled):
    """The lean body template must follow the table's columns."""
    import re

    client.force_login(filled.officer)
    html = client.get("/u/d218/" + MAY_2023).content.decode()
    table = html[html.index('<table class="progress-table"') : html.index("</table>")]
    headers = len(re.findall(r"<th\b", table))
    first_row = table[table.index("<tbody>") :].split("</tr>")[0]
    assert headers == 13  # the coverage column is the last
    assert len(re.findall(r"<td\b", first_row)) == headers
    # Over-target rows say so in the gap column; the traffic light is labelled.
    over = Progress.objects.filter(
        parent=filled.luc_nam, year=2023, month=5, over_target__gt=0
    ).first()
    assert f"vượt +{over.over_target}" in html or "vượt +" in html
    assert 'class="light light-green">Đúng tiến độ<' in html


@pytest.mark.django_db
def test_national_reporting_status_lists_at_most_30_missing_communes_per_province(client, filled):
    MonthlyCount.objects.filter(commune__province=filled.lang_son, year=2023, month=5).delete()
    client.force_login(filled.national)
    response = client.get("/u/vn/bao-cao/" + MAY_2023)
    lang_son = next(g for g in response.context["status"].groups if g.code == "20")
    html = response.content.decode()
    assert len(lang_son.missing) > 30
    assert f"và {len(lang_son.missing) - 30} xã khác" in html
    assert 'href="/u/p20/bao-cao/?year=2023&amp;month=5"' in html


@pytest.mark.django_db
def test_national_headline_without_a_target_shows_what_provinces_add_up_to(client, filled):
    nation = Progress.objects.get(unit=filled.nation, year=2023, month=5)
    client.force_login(filled.national)
    html = client.get("/u/vn/" + MAY_2023).content.decode()
    assert f'data-figure="participants">{nation.participants:,}<'.replace(",", ".") in html
    # The demo sets no national target; the provinces' targets add up.
    assert nation.target is None and nation.children_target
    shown = f"{nation.children_target:,}".replace(",", ".")
    assert f'data-figure="children-target">{shown}<' in html
    assert "tháng còn lại</span>" not in html  # no pace note (the definition says the words)


@pytest.mark.django_db
def test_the_national_page_lists_every_province_and_compares_like_with_like(client, filled):
    import datetime as dt

    from bhxh_dashboard.formatting import percent
    from provinces.models import DivisionType

    Unit.objects.create(
        level=Level.PROVINCE,
        code="01",
        name="Hà Nội",
        full_name="Thành phố Hà Nội",
        division_type=DivisionType.CENTRAL_CITY,
        parent=filled.nation,
        valid_until=dt.date(2025, 6, 30),
    )
    client.force_login(filled.national)
    html = client.get("/u/vn/" + MAY_2023).content.decode()
    in_force = Unit.objects.provinces().in_force(dt.date(2023, 5, 25))
    with_rows = Progress.objects.filter(parent=filled.nation, year=2023, month=5)
    missing = in_force.exclude(pk__in=with_rows.values("unit_id"))
    assert missing.filter(code="01").exists()
    unreported = html[html.index('id="unreported"') :]
    assert f"Chưa báo cáo ({missing.count()} tỉnh/thành phố)" in unreported
    assert all(f">{u.name}</a>" in unreported for u in missing)
    assert f"({with_rows.count()} có số liệu / {in_force.count()})" in html
    # No national plan: completion is against the targets of the provinces that have figures.
    rows = Progress.objects.filter(
        parent=filled.nation, year=2023, month=5, participants__isnull=False, target__isnull=False
    )
    p, t = sum(r.participants for r in rows), sum(r.target for r in rows)
    pct = (Decimal(100 * p) / t).quantize(Decimal("0.01"))
    assert f'data-figure="completion-children">{percent(pct)}<' in html
    assert f"so với tổng kế hoạch của {rows.count()} đơn vị cấp dưới có số liệu" in html


@pytest.mark.django_db
def test_a_period_the_unit_has_no_figures_for_is_said_not_passed_off(client, demo):
    client.force_login(demo.today_officer)
    html = client.get(f"/u/{demo.bac_ninh.url_code}/?year=2023&month=5").content.decode()
    assert "Không có số liệu của đơn vị cho kỳ 05/2023; trang đang hiển thị kỳ 05/2026." in html
    assert "data-unavailable" not in client.get(f"/u/{demo.bac_ninh.url_code}/").content.decode()
    shown = client.get(f"/u/{demo.bac_ninh.url_code}/?year=2026&month=5").content.decode()
    assert "data-unavailable" not in shown
