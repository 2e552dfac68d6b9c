"""Import of an organisation's file of channel figures: the template, upload -> preview ->
import, each refusal with its message and nothing saved, the organisation's reporter limited to
its points, and who may use the pages."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from outreach.models import ChannelChange, ChannelCount, ChannelFigure, CollectionPoint, OrgReporter
from outreach.tests.conftest import org_of
from progress import tasks
from progress.readings import freshness
from provinces.models import Profile, Role
from targets.models import MonthlyCount

pytestmark = pytest.mark.django_db

HEADER = "Mã xã;Tên xã;Năm;Tháng;Tổ chức;Phát triển mới"
TITLE_LINES = 5  # unit, period, map, generated at, by whom
IMPORT = "/kenh-thu/nhap-tep/{}/"
TEMPLATE = "/kenh-thu/mau/{}/"


def channel_file(*lines: tuple) -> SimpleUploadedFile:
    """A CSV as a spreadsheet saves it: the header then (commune, year, month, org, figure)."""
    text = [HEADER] + [
        f"{commune.code};{commune.full_name};{year};{month};{org};{value}"
        for commune, year, month, org, value in lines
    ]
    return SimpleUploadedFile(
        "kenh.csv", ("\ufeff" + "\r\n".join(text)).encode(), content_type="text/csv"
    )


def preview(client, code, *lines):
    response = client.post(IMPORT.format(code), {"file": channel_file(*lines), "preview": "1"})
    assert response.status_code == 200
    return response.content.decode()


def token_of(html: str) -> str:
    match = re.search(r'name="token" value="([^"]*)"', html)
    return match[1] if match else ""


def statuses(html: str) -> dict[int, str]:
    return {int(n): s for n, s in re.findall(r'id="line-(\d+)" data-status="(\w+)"', html)}


def test_a_good_file_is_previewed_then_imported_and_the_figures_recomputed(client, demo, june):
    a, b, c, d = june.communes[:4]
    viettel = org_of(demo.bac_giang, "viettel")
    ChannelCount.objects.create(commune=b, org=june.post, year=2023, month=6, new_participants=4)
    ChannelCount.objects.create(commune=c, org=june.post, year=2023, month=6, new_participants=5)
    client.force_login(demo.clerk)
    html = preview(
        client,
        "d218",
        (a, 2023, 6, june.post.name, 9),
        # the name without diacritics, in capitals; or the organisation's id
        (a, 2023, 6, "bhxh TINH bac giang (thu truc tiep)", 3),
        (b, 2023, 6, june.post.pk, 6),
        (c, 2023, 6, june.post.name, 5),
        (d, 2023, 6, viettel.name, ""),
    )
    assert statuses(html) == {2: "new", 3: "new", 4: "changed", 5: "unchanged", 6: "empty"}
    assert "4 → 6" in html
    assert re.search(r'id="count-new">2 dòng mới', html)
    assert re.search(r'id="count-changed">1 dòng thay đổi', html)
    assert "Nhập 3 dòng" in html
    assert not ChannelChange.objects.exists()  # a preview writes nothing

    assert tasks.recompute_province.apply((demo.bac_giang.pk, 2023)).get() is True
    assert freshness(demo.bac_giang, 2023).pending is False
    response = client.post(IMPORT.format("d218"), {"token": token_of(html), "commit": "1"})
    assert response.status_code == 302
    assert response["Location"] == "/kenh-thu/nhap/d218/?thang=2023-06"
    stored = {
        (r.commune_id, r.org_id): r.new_participants
        for r in ChannelCount.objects.filter(year=2023, month=6)
    }
    assert stored == {
        (a.pk, june.post.pk): 9,
        (a.pk, june.bhxh.pk): 3,
        (b.pk, june.post.pk): 6,
        (c.pk, june.post.pk): 5,
    }
    changes = {
        (ch.commune_id, ch.org_id): (ch.old_value, ch.new_value, ch.source, ch.changed_by)
        for ch in ChannelChange.objects.all()
    }
    assert changes == {
        (a.pk, june.post.pk): (None, 9, "import", demo.clerk),
        (a.pk, june.bhxh.pk): (None, 3, "import", demo.clerk),
        (b.pk, june.post.pk): (4, 6, "import", demo.clerk),
    }
    # The import asked for the recompute the grid's save asks for (the task the broker would
    # run once the transaction commits): Lục Nam's June channel figures (stored for the units
    # above the commune) are the file's: 9 + 6 + 5 by the post office, 3 by BHXH.
    assert freshness(demo.bac_giang, 2023).pending is True
    assert tasks.recompute_province.apply((demo.bac_giang.pk, 2023)).get() is True
    figures = {
        f.org_id: f.new_in_month
        for f in ChannelFigure.objects.filter(unit=demo.luc_nam, year=2023, month=6)
    }
    not_attributed = 15 * len(june.communes) - 23
    assert figures == {june.post.pk: 20, june.bhxh.pk: 3, None: not_attributed}
    grid = client.get(response["Location"]).content.decode()
    assert "Đã nhập tệp kenh.csv: 3 dòng được ghi, 1 dòng không đổi." in grid
    assert f'data-not-attributed="{a.pk}">3<' in grid
    assert f'data-not-attributed="{b.pk}">9<' in grid


def bad_lines(demo, june):
    """(lines of a file whose second line is wrong, the message the preview gives for it)."""
    a, b = june.communes[:2]
    other_district = demo.another_district.children.order_by("code").first()
    lang_son_commune = demo.lang_son_district.children.order_by("code").first()
    post = june.post.name
    good = (a, 2023, 6, post, 4)
    return {
        "unknown commune": (
            [good, (type(a)(code="99999", full_name=""), 2023, 6, post, 2)],
            "Không có đơn vị mã “99999”.",
        ),
        "unknown organisation": (
            [good, (b, 2023, 6, "Hội Cựu chiến binh", 2)],
            "Không có tổ chức dịch vụ thu “Hội Cựu chiến binh” ở Tỉnh Bắc Giang.",
        ),
        "another province's organisation": (
            [good, (b, 2023, 6, june.lang_son_post.name, 2)],
            f"Không có tổ chức dịch vụ thu “{june.lang_son_post.name}” ở Tỉnh Bắc Giang.",
        ),
        "another district's commune": (
            [good, (other_district, 2023, 6, post, 2)],
            f"{other_district.full_name} (mã {other_district.code}) ngoài phạm vi bạn được nhập.",
        ),
        "another province's commune": (
            [good, (lang_son_commune, 2023, 6, post, 2)],
            f"{lang_son_commune.full_name} (mã {lang_son_commune.code}) ngoài phạm vi",
        ),
        "closed month": ([good, (b, 2023, 5, post, 2)], "Tháng 05/2023 đã khoá sổ ngày"),
        "month to come": ([good, (b, 2027, 1, post, 2)], "Tháng 01/2027 chưa đến ngày chốt"),
        "non-ASCII digits": (
            [good, (b, 2023, 6, post, "١٢")],
            "Phát triển mới: “١٢” không phải số nguyên.",
        ),
        "full-width digits": (
            [good, (b, 2023, 6, post, "１２")],
            "Phát triển mới: “１２” không phải số nguyên.",
        ),
        "negative": ([good, (b, 2023, 6, post, "-3")], "Phát triển mới: “-3” là số âm."),
        "channels above the commune's new participants": (
            [good, (a, 2023, 6, june.bhxh.name, 12)],
            "Các kênh cộng lại 16 người, nhiều hơn số phát triển mới của xã trong tháng "
            "(15 người).",
        ),
        "twice the same cell": (
            [good, (a, 2023, 6, june.post.pk, 4)],
            "Trùng với dòng 2 (cùng xã, cùng tháng, cùng tổ chức).",
        ),
    }


CASES = [
    "unknown commune",
    "unknown organisation",
    "another province's organisation",
    "another district's commune",
    "another province's commune",
    "closed month",
    "month to come",
    "non-ASCII digits",
    "full-width digits",
    "negative",
    "channels above the commune's new participants",
    "twice the same cell",
]


@pytest.mark.parametrize("case", CASES)
def test_a_bad_line_refuses_the_whole_file_saying_why(client, demo, june, case):
    lines, message = bad_lines(demo, june)[case]
    client.force_login(demo.clerk)
    html = preview(client, "d218", *lines)
    assert message in html
    assert statuses(html)[3] == "error"
    assert "Tệp có lỗi nên chưa thể nhập" in html
    assert 'id="commit-form"' not in html and not token_of(html)
    # Pressing "Import" anyway writes nothing: the file with an error was not kept.
    response = client.post(IMPORT.format("d218"), {"token": "", "commit": "1"})
    assert response.status_code == 400
    assert not ChannelCount.objects.filter(year=2023, month=6).exists()
    assert not ChannelChange.objects.exists()


def test_the_sum_counts_the_other_organisations_stored_figures(client, demo, june):
    a = june.communes[0]
    ChannelCount.objects.create(commune=a, org=june.bhxh, year=2023, month=6, new_participants=10)
    client.force_login(demo.clerk)
    html = preview(client, "d218", (a, 2023, 6, june.post.name, 6))
    assert "Các kênh cộng lại 16 người, nhiều hơn số phát triển mới" in html
    # The file's own figure for that organisation replaces the stored one.
    html = preview(client, "d218", (a, 2023, 6, june.post.name, 6), (a, 2023, 6, june.bhxh.name, 9))
    assert statuses(html) == {2: "new", 3: "changed"}


def test_a_commune_whose_month_has_no_count_yet_is_refused(client, demo, june):
    a = june.communes[0]
    MonthlyCount.objects.filter(commune=a, year=2023, month=6).delete()
    client.force_login(demo.clerk)
    html = preview(client, "d218", (a, 2023, 6, june.post.name, 2))
    assert "Xã chưa có số liệu tháng 06/2023" in html


def test_what_changed_between_the_preview_and_the_import_refuses_it_all(client, demo, june):
    a, b = june.communes[:2]
    client.force_login(demo.clerk)
    html = preview(client, "d218", (a, 2023, 6, june.post.name, 9), (b, 2023, 6, june.post.name, 9))
    token = token_of(html)
    assert token
    # Meanwhile someone splits commune b's June on the grid: the file's 9 no longer fits.
    ChannelCount.objects.create(commune=b, org=june.bhxh, year=2023, month=6, new_participants=10)
    response = client.post(IMPORT.format("d218"), {"token": token, "commit": "1"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Các kênh cộng lại 19 người, nhiều hơn số phát triển mới của xã trong tháng" in html
    assert not ChannelCount.objects.filter(org=june.post, year=2023, month=6).exists()
    assert not ChannelChange.objects.exists()


@pytest.fixture
def reporter(demo, june, django_user_model):
    """The Bắc Giang post office's reporter; the post office has no point in the 2nd commune."""
    user = django_user_model.objects.create_user(username="bd", password="pw")
    Profile.objects.create(user=user, role=Role.ORG_REPORTER, unit=demo.bac_giang)
    OrgReporter.objects.create(user=user, org=june.post)
    CollectionPoint.objects.filter(org=june.post, commune=june.communes[1]).delete()
    return user


def test_an_organisations_reporter_imports_its_own_column_where_it_has_points(
    client, demo, june, reporter
):
    a, b = june.communes[:2]
    code = june.post.url_code
    client.force_login(reporter)
    html = preview(
        client,
        code,
        (a, 2023, 6, june.post.name, 5),
        (b, 2023, 6, june.post.name, 5),
        (a, 2023, 6, june.bhxh.name, 2),
    )
    assert (
        f"{june.post.name} không có điểm thu hoạt động ở {b.full_name} (mã {b.code}) "
        "trong tháng 06/2023."
    ) in html
    assert (
        f"Bạn chỉ được nhập số liệu của {june.post.name}, không nhập số liệu của {june.bhxh.name}."
    ) in html
    assert statuses(html) == {2: "new", 3: "error", 4: "error"}
    assert not token_of(html)

    html = preview(client, code, (a, 2023, 6, june.post.name, 5))
    response = client.post(IMPORT.format(code), {"token": token_of(html), "commit": "1"})
    assert response.status_code == 302
    assert response["Location"] == f"/kenh-thu/nhap/{code}/?thang=2023-06"
    change = ChannelChange.objects.get()
    assert (change.commune, change.org, change.new_value, change.source, change.changed_by) == (
        a,
        june.post,
        5,
        "import",
        reporter,
    )
    # Its template lists its point communes only, in its own column.
    response = client.get(TEMPLATE.format(code) + "?thang=2023-06")
    lines = response.content.decode("utf-8-sig").splitlines()[TITLE_LINES + 1 :]
    assert {line.split(";")[4] for line in lines} == {june.post.name}
    assert b.code not in {line.split(";")[0] for line in lines}
    assert f"{a.code};{a.full_name};2023;6;{june.post.name};5" in lines
    # Not the district's page.
    assert client.get(IMPORT.format("d218")).status_code == 403


def test_the_template_lists_the_grids_communes_and_organisations_and_imports_back_unchanged(
    client, demo, june
):
    a = june.communes[0]
    ChannelCount.objects.create(commune=a, org=june.post, year=2023, month=6, new_participants=7)
    client.force_login(demo.clerk)
    response = client.get(TEMPLATE.format("d218") + "?thang=2023-06&dinh_dang=xlsx")
    assert response["Content-Disposition"] == (
        'attachment; filename="mau-kenh-thu-d218-2023-06.xlsx"'
    )
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    rows = rows[TITLE_LINES:]
    assert rows[0] == ("Mã xã", "Tên xã", "Năm", "Tháng", "Tổ chức", "Phát triển mới")
    orgs = ChannelCount._meta.get_field("org").related_model.objects.filter(province=demo.bac_giang)
    assert len(rows) - 1 == len(june.communes) * orgs.count()
    assert (a.code, a.full_name, 2023, 6, june.post.name, 7) in rows
    assert (a.code, a.full_name, 2023, 6, june.bhxh.name, None) in rows
    # Sent back as it came, it changes nothing.
    response = client.post(
        IMPORT.format("d218"),
        {"file": SimpleUploadedFile("mau.xlsx", response.content), "preview": "1"},
    )
    html = response.content.decode()
    assert 'id="nothing-to-write"' in html
    assert set(statuses(html).values()) == {"unchanged", "empty"}


def test_the_grid_and_the_import_page_link_to_each_other(client, demo, june):
    client.force_login(demo.clerk)
    grid = client.get("/kenh-thu/nhap/d218/?thang=2023-06").content.decode()
    assert f'href="{IMPORT.format("d218")}"' in grid
    page = client.get(IMPORT.format("d218")).content.decode()
    assert 'href="/kenh-thu/nhap/d218/"' in page
    assert 'action="/kenh-thu/mau/d218/"' in page
    assert 'value="2023-06"' in page
    # Who only reads the grid is not offered the import.
    client.force_login(demo.officer)
    grid = client.get("/kenh-thu/nhap/d218/?thang=2023-06").content.decode()
    assert IMPORT.format("d218") not in grid


def urls(demo):
    g = org_of(demo.bac_giang).url_code
    return [IMPORT.format("d218"), TEMPLATE.format("d218"), IMPORT.format(g), TEMPLATE.format(g)]


def test_anonymous_users_are_sent_to_sign_in(client, demo):
    for url in urls(demo):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
        response = client.post(url, {"file": channel_file(), "preview": "1"})
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_another_provinces_users_get_404(client, demo, june):
    a = june.communes[0]
    for user in (demo.other_officer, demo.other_clerk):
        client.force_login(user)
        for url in urls(demo):
            assert client.get(url).status_code == 404, (user, url)
            response = client.post(
                url, {"file": channel_file((a, 2023, 6, june.post.name, 3)), "preview": "1"}
            )
            assert response.status_code == 404, (user, url)
    assert not ChannelCount.objects.filter(year=2023, month=6).exists()


@pytest.mark.parametrize(
    "username,url,status",
    [
        ("clerk", IMPORT.format("d218"), 200),
        ("clerk", TEMPLATE.format("d218"), 200),
        ("neighbour_clerk", IMPORT.format("d218"), 404),  # another district of the province
        ("neighbour_clerk", TEMPLATE.format("d218"), 404),
        ("officer", IMPORT.format("d218"), 403),  # reads Lục Nam's grid, does not enter it
        ("officer", TEMPLATE.format("d218"), 200),
    ],
)
def test_who_may_use_which_page(client, demo, username, url, status):
    client.force_login(getattr(demo, username))
    assert client.get(url).status_code == status


def test_the_import_reads_in_english(client, demo, june):
    from django.conf import settings

    client.force_login(demo.clerk)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(IMPORT.format("d218")).content.decode()
    assert "Import the channel split from a file" in html
    html = preview(client, "d218", (june.communes[0], 2023, 6, "Hội Cựu chiến binh", 2))
    assert "There is no collection organisation “Hội Cựu chiến binh” in" in html
    assert "Nhập phân bổ theo kênh từ tệp" not in html


def test_the_preview_costs_the_same_queries_for_a_line_or_a_whole_district(client, demo, june):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from outreach.imports import preview_channels
    from provinces.access import get_visible_entry_group_or_404

    group = get_visible_entry_group_or_404(demo.clerk, "d218")
    orgs = [june.post, june.bhxh, org_of(demo.bac_giang, "viettel")]
    lines = [(c, 2023, 6, o.name, 2) for c in june.communes for o in orgs]

    def queries(chosen) -> int:
        data = channel_file(*chosen).read()
        with CaptureQueriesContext(connection) as captured:
            result = preview_channels(data, "kenh.csv", user=demo.clerk, group=group)
        assert not result.has_errors, [r.errors for r in result.rows if r.errors]
        return len(captured)

    assert len(lines) > 60
    queries(lines[:1])  # what the first call keeps (the user's profile)
    one = queries(lines[:1])
    assert queries(lines) == one, "a query per line"


def test_a_file_without_the_organisation_column_is_refused_as_a_whole(client, demo, june):
    client.force_login(demo.clerk)
    data = "Mã xã;Năm;Tháng;Phát triển mới\r\n07444;2023;6;3".encode()
    response = client.post(
        IMPORT.format("d218"), {"file": SimpleUploadedFile("k.csv", data), "preview": "1"}
    )
    assert "Tệp thiếu cột: Tổ chức. Hãy dùng tệp mẫu tải từ trang này." in (
        response.content.decode()
    )
    assert not ChannelCount.objects.filter(year=2023, month=6).exists()


def test_past_the_listed_problems_the_rest_are_in_a_file(client, demo, june):
    from targets.io_views import MAX_LISTED_PROBLEMS

    a = june.communes[0]
    lines = [(a, 2023, 6, f"Tổ chức {i}", 1) for i in range(MAX_LISTED_PROBLEMS + 5)]
    client.force_login(demo.clerk)
    html = preview(client, "d218", *lines)
    assert 'id="problems-download"' in html
    assert len(statuses(html)) == len(lines)  # a file this short is listed whole
    listing = client.get(IMPORT.format("d218") + "?loi=1")
    text = listing.content.decode("utf-8-sig").splitlines()
    assert len(text) == 1 + len(lines)
    assert "Không có tổ chức dịch vụ thu “Tổ chức 204”" in text[-1]
