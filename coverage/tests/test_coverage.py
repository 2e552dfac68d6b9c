"""Coverage: labour forces and coverage targets, their figures at every level, the entry page,
the file import, refusals, access, and how the Tiền Giang-style case reads on the page and PDF."""

import math
import subprocess
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.urls import reverse

from bhxh_dashboard.formatting import points
from coverage.demo import OLD_LABOUR
from coverage.imports import commit_coverage, preview_coverage
from coverage.models import CoverageTarget, LabourForce
from coverage.services import CoverageEntry, coverage_save
from progress.models import Progress
from progress.services import recompute_all
from provinces.models import Level, Unit
from targets.models import ChangeField, ChangeLog

pytestmark = pytest.mark.django_db


def pct(numerator: int, denominator: int) -> Decimal:
    return (Decimal(100 * numerator) / denominator).quantize(Decimal("0.01"), ROUND_HALF_UP)


def row(unit: Unit, year: int, month: int) -> Progress:
    return Progress.objects.get(unit=unit, year=year, month=month)


def save(user, year, *entries, **kwargs):
    result = coverage_save(user=user, year=year, entries=list(entries), **kwargs)
    return result


# --- Figures ------------------------------------------------------------------------------------


def test_bac_giang_may_2023_coverage_against_its_target(demo):
    may = row(demo.bac_giang, 2023, 5)
    labour = round(OLD_LABOUR["24"][0] * 1.01)
    assert may.participants == 44_134 and may.labour_force == labour
    assert may.coverage_pct == pct(44_134, labour)
    assert may.coverage_target_pct == Decimal("4.50")
    people = math.ceil(Decimal("4.50") * labour / 100)
    assert may.coverage_target_participants == people
    assert may.coverage_gap == people - 44_134
    assert may.coverage_completion_pct == pct(44_134, people)
    # against May 2022 over 2022's labour force, in percentage points
    last = pct(may.same_month_last_year, OLD_LABOUR["24"][0])
    assert may.coverage_change_pp == may.coverage_pct - last


def test_districts_communes_and_the_nation_get_coverage_where_known(demo):
    commune = demo.luc_nam.children.order_by("code").first()
    may_commune = row(commune, 2023, 5).participants
    result = save(
        demo.officer,
        2023,
        CoverageEntry(demo.luc_nam.pk, "120.000"),
        CoverageEntry(commune.pk, str(may_commune * 20), coverage_target="6,5"),
    )
    assert result.saved, result.errors
    recompute_all(year=2023)
    district = row(demo.luc_nam, 2023, 5)
    assert district.coverage_pct == pct(district.participants, 120_000)
    c = row(commune, 2023, 5)
    assert c.coverage_pct == Decimal("5.00") and c.coverage_target_pct == Decimal("6.50")
    # a district without a figure shows none
    assert row(demo.another_district, 2023, 5).coverage_pct is None
    # the nation: the sum of its provinces' figures, every one known
    nation = row(demo.nation, 2023, 5)
    provinces = Progress.objects.filter(level=Level.PROVINCE, year=2023, month=5)
    assert nation.labour_force == sum(p.labour_force for p in provinces)
    assert nation.labour_force_summed
    assert nation.coverage_pct == pct(nation.participants, nation.labour_force)


def test_a_new_province_is_summed_from_the_old_ones_until_it_has_its_own(demo):
    old_bac_ninh = Unit.objects.get(level=Level.PROVINCE, code="27", valid_from__isnull=True)
    summed = LabourForce.objects.get(unit=demo.bac_giang, year=2025).value + (
        LabourForce.objects.get(unit=old_bac_ninh, year=2025).value
    )
    december = row(demo.bac_ninh, 2025, 12)
    assert december.labour_force == summed and december.labour_force_summed
    assert december.coverage_pct == pct(december.participants, summed)
    # 2026: its own figure, compared with 2025's summed one
    own = LabourForce.objects.get(unit=demo.bac_ninh, year=2026).value
    may = row(demo.bac_ninh, 2026, 5)
    assert may.labour_force == own and not may.labour_force_summed
    assert may.labour_force_last_year == summed
    assert may.coverage_change_pp == may.coverage_pct - pct(may.same_month_last_year, summed)
    # an old province without its figure: no sum
    LabourForce.objects.filter(unit=old_bac_ninh, year=2025).delete()
    recompute_all(year=2025)
    assert row(demo.bac_ninh, 2025, 12).labour_force is None
    assert row(demo.bac_ninh, 2025, 12).coverage_pct is None


def test_points_are_written_the_vietnamese_way():
    assert points(Decimal("0.31")) == "+0,31 điểm %"
    assert points(Decimal("-1.20")) == "−1,20 điểm %"


# --- Refusals -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("labour", "target", "message"),
    [
        ("1.000", "", "nhỏ hơn số người tham gia"),
        ("0", "", "phải lớn hơn 0"),
        ("2.000.000", "0", "lớn hơn 0% và không quá 100%"),
        ("2.000.000", "120", "lớn hơn 0% và không quá 100%"),
        ("2.000.000", "abc", "không phải là một tỷ lệ"),
        ("-5", "", "âm"),
    ],
)
def test_bad_figures_are_refused_and_nothing_is_saved(demo, labour, target, message):
    before = LabourForce.objects.count(), CoverageTarget.objects.count(), ChangeLog.objects.count()
    result = save(
        demo.officer,
        2023,
        CoverageEntry(demo.another_district.pk, "150.000"),  # fine on its own
        CoverageEntry(demo.luc_nam.pk, labour, coverage_target=target),
    )
    assert not result.saved
    assert message in " ".join(m for f in result.errors[demo.luc_nam.pk].values() for m in f)
    after = LabourForce.objects.count(), CoverageTarget.objects.count(), ChangeLog.objects.count()
    assert after == before


def test_an_officer_cannot_enter_another_provinces_labour_force(demo):
    result = save(demo.other_officer, 2023, CoverageEntry(demo.bac_giang.pk, "2.000.000"))
    assert not result.saved
    assert not LabourForce.objects.filter(unit=demo.bac_giang, year=2023, value=2_000_000).exists()


def test_a_saved_figure_is_audited(demo):
    result = save(demo.officer, 2023, CoverageEntry(demo.luc_nam.pk, "99.000", coverage_target="5"))
    assert result.saved
    fields = set(ChangeLog.objects.filter(unit=demo.luc_nam).values_list("field", "new_value"))
    assert (ChangeField.LABOUR_FORCE, 99_000) in fields
    assert (ChangeField.COVERAGE_TARGET, 500) in fields
    # a change is audited with the value it replaced
    assert save(demo.officer, 2023, CoverageEntry(demo.luc_nam.pk, "101.000")).saved
    change = ChangeLog.objects.filter(unit=demo.luc_nam, field=ChangeField.LABOUR_FORCE).first()
    assert change is not None and (change.old_value, change.new_value) == (99_000, 101_000)


# --- Import -------------------------------------------------------------------------------------


def test_import_round_trip(demo):
    commune = demo.luc_nam.children.order_by("code").first()
    text = (
        "Cấp,Mã đơn vị,Tên đơn vị,Năm,Lực lượng lao động trong độ tuổi,Nguồn,Mục tiêu bao phủ (%)\n"
        f'Huyện,{demo.luc_nam.code},{demo.luc_nam.name},2023,"130.000",tỉnh,"5,25"\n'
        f"Xã,{commune.code},{commune.name},2023,20000,,\n"
    )
    preview = preview_coverage(text.encode(), "lao-dong.csv", user=demo.officer)
    assert not preview.has_errors, [r.errors for r in preview.rows]
    commit_coverage(preview, user=demo.officer)
    stored = LabourForce.objects.get(unit=demo.luc_nam, year=2023)
    assert (stored.value, stored.source) == (130_000, "province")
    assert CoverageTarget.objects.get(unit=demo.luc_nam, year=2023).pct == Decimal("5.25")
    assert LabourForce.objects.get(unit=commune, year=2023).value == 20_000
    again = preview_coverage(text.encode(), "lao-dong.csv", user=demo.officer)
    assert again.summary["unchanged"] == 2 and not again.rows_to_write


def test_import_refuses_a_bad_line_and_writes_nothing(demo):
    text = (
        "Cấp,Mã đơn vị,Năm,Lực lượng lao động trong độ tuổi,Mục tiêu bao phủ (%)\n"
        f"Huyện,{demo.luc_nam.code},2023,130000,101\n"
        f"Huyện,{demo.another_district.code},2023,0,\n"
    )
    preview = preview_coverage(text.encode(), "x.csv", user=demo.officer)
    assert [r.status for r in preview.rows] == ["error", "ok"]
    assert "không quá 100%" in " ".join(preview.rows[0].errors)
    with pytest.raises(Exception):  # noqa: B017 - the service refuses the zero
        commit_coverage(preview, user=demo.officer)
    assert not LabourForce.objects.filter(year=2023, unit__level=Level.DISTRICT).exists()


def _upload(client, unit: Unit, text: str, name: str = "lao-dong.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("coverage:import", kwargs={"code": unit.url_code})
    return client.post(url, {"preview": "1", "file": SimpleUploadedFile(name, text.encode())})


def test_the_page_keeps_one_committable_file_per_user_and_imports_it(client, demo):
    """A file with an error is not kept (nothing to import from it); a good one is, until
    "Import"; a second upload replaces the first, whose page can no longer import it."""
    from django.core.cache import cache

    from targets.import_jobs import preview_key

    client.force_login(demo.officer)
    header = "Cấp,Mã đơn vị,Năm,Lực lượng lao động trong độ tuổi\n"
    bad = _upload(client, demo.bac_giang, header + f"Huyện,{demo.luc_nam.code},2023,abc\n")
    assert bad.status_code == 200 and "preview-errors" in bad.content.decode()
    assert cache.get(preview_key(demo.officer.pk)) is None
    first = _upload(client, demo.bac_giang, header + f"Huyện,{demo.luc_nam.code},2023,130000\n")
    second = _upload(client, demo.bac_giang, header + f"Huyện,{demo.luc_nam.code},2023,140000\n")
    url = reverse("coverage:import", kwargs={"code": demo.bac_giang.url_code})
    stale = client.post(url, {"commit": "1", "token": first.context["token"]})
    assert stale.status_code == 400 and "hết hạn" in stale.content.decode()
    assert not LabourForce.objects.filter(unit=demo.luc_nam, year=2023).exists()
    done = client.post(url, {"commit": "1", "token": second.context["token"]})
    assert done.status_code == 302
    assert LabourForce.objects.get(unit=demo.luc_nam, year=2023).value == 140_000
    assert cache.get(preview_key(demo.officer.pk)) is None


def test_a_long_file_lists_its_first_problems_and_offers_the_rest_as_a_file(client, demo):
    from targets.import_jobs import MAX_LISTED_PROBLEMS

    client.force_login(demo.officer)
    lines = "".join(f"Huyện,{demo.luc_nam.code},{2000 + n % 20},abc\n" for n in range(400))
    response = _upload(
        client, demo.bac_giang, "Cấp,Mã đơn vị,Năm,Lực lượng lao động trong độ tuổi\n" + lines
    )
    page = response.content.decode()
    assert page.count('data-status="error"') == MAX_LISTED_PROBLEMS
    assert "Tải danh sách đầy đủ (CSV)" in page
    problems = client.get(
        reverse("coverage:import", kwargs={"code": demo.bac_giang.url_code}) + "?loi=1"
    )
    assert problems.status_code == 200
    assert problems.content.decode("utf-8-sig").count("\n") > 400


# --- Pages and access ---------------------------------------------------------------------------


def grid_url(unit: Unit, year: int = 2023) -> str:
    return reverse("coverage:grid", kwargs={"code": unit.url_code}) + f"?nam={year}"


@pytest.mark.parametrize("name", ["coverage:grid", "coverage:import"])
def test_anonymous_is_sent_to_login(client, demo, name):
    response = client.get(reverse(name, kwargs={"code": demo.bac_giang.url_code}))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("name", ["coverage:grid", "coverage:import"])
def test_another_provinces_officer_gets_404(client, demo, name):
    client.force_login(demo.other_officer)
    response = client.get(reverse(name, kwargs={"code": demo.bac_giang.url_code}))
    assert response.status_code == 404


def test_the_officer_enters_a_districts_labour_force_on_the_page(client, demo):
    client.force_login(demo.officer)
    page = client.get(grid_url(demo.bac_giang))
    assert page.status_code == 200
    assert f'name="lf-{demo.luc_nam.pk}"' in page.content.decode()
    response = client.post(
        grid_url(demo.bac_giang),
        {
            "nam": "2023",
            f"lf-{demo.luc_nam.pk}": "125.000",
            f"src-{demo.luc_nam.pk}": "survey",
            f"ct-{demo.luc_nam.pk}": "4,8",
            f"lf-{demo.another_district.pk}": "",
            f"src-{demo.another_district.pk}": "survey",
        },
        follow=True,
    )
    assert "Đã lưu số lao động" in response.content.decode()
    assert LabourForce.objects.get(unit=demo.luc_nam, year=2023).value == 125_000


def test_a_manager_reads_the_page_but_cannot_save(client, demo):
    client.force_login(demo.manager)
    page = client.get(grid_url(demo.bac_giang))
    assert page.status_code == 200 and 'name="lf-' not in page.content.decode()
    assert client.post(grid_url(demo.bac_giang), {"nam": "2023"}).status_code == 403
    assert client.get(reverse("coverage:import", args=[demo.bac_giang.url_code])).status_code == 403


def test_the_page_says_when_a_figure_was_summed(client, demo):
    client.force_login(demo.today_officer)
    text = client.get(grid_url(demo.bac_ninh, 2025)).content.decode()
    assert "Cộng từ tỉnh cũ" in text and "Bắc Giang" in text


def test_a_unit_without_labour_force_says_so(client, demo):
    client.force_login(demo.officer)
    text = client.get(demo.luc_nam.get_absolute_url() + "?year=2023&month=5").content.decode()
    assert "chưa có số lao động" in text
    text = client.get(demo.bac_giang.get_absolute_url() + "?year=2023&month=5").content.decode()
    assert 'data-figure="coverage"' in text and "điểm %" in text


# --- The Tiền Giang-style case: a province at 31% of its coverage target -------------------------


def _at_31_percent(demo) -> Progress:
    may = row(demo.lang_son, 2023, 5)
    assert may.participants is not None
    # 10% of 159.000 is 15.900 people; participants / 15.900 = 31,00%
    labour = math.ceil(Decimal(may.participants) / Decimal("0.031"))
    while pct(may.participants, math.ceil(labour / 10)) != Decimal("31.00"):
        labour += 1
    LabourForce.objects.filter(unit=demo.lang_son, year=2023).update(value=labour)
    CoverageTarget.objects.filter(unit=demo.lang_son, year=2023).update(pct=Decimal("10"))
    recompute_all(year=2023)
    return row(demo.lang_son, 2023, 5)


def test_a_province_at_31_percent_of_its_target_reads_right_on_the_page(client, demo):
    may = _at_31_percent(demo)
    assert may.coverage_completion_pct == Decimal("31.00")
    client.force_login(demo.other_officer)
    text = client.get(demo.lang_son.get_absolute_url() + "?year=2023&month=5").content.decode()
    assert "31,00%" in text and "10,00%" in text
    assert f"bao phủ {may.coverage_pct:.2f}%".replace(".", ",") in text


def test_a_province_at_31_percent_of_its_target_reads_right_in_the_pdf(client, demo, tmp_path):
    may = _at_31_percent(demo)
    client.force_login(demo.other_officer)
    response = client.get(
        reverse("reports:pdf", args=[demo.lang_son.url_code]) + "?year=2023&month=5"
    )
    assert response.status_code == 200
    path = tmp_path / "s.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = " ".join(text.split())
    coverage = f"{may.coverage_pct:.2f}%".replace(".", ",")
    assert f"Tỷ lệ bao phủ: {coverage}" in flat
    assert "mục tiêu bao phủ 10,00%, đạt 31,00% mục tiêu" in flat


def test_the_change_history_shows_a_coverage_target_as_a_percentage(demo):
    from reports.templatetags.figures import change_value

    save(demo.officer, 2023, CoverageEntry(demo.luc_nam.pk, "99.000", coverage_target="4,5"))
    change = ChangeLog.objects.get(unit=demo.luc_nam, field=ChangeField.COVERAGE_TARGET)
    assert change_value(change) == "4,50%" and change_value(change, "old") == "–"
