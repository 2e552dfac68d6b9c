import datetime as dt
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from bhxh_dashboard import clock
from bhxh_dashboard.months import cutoff_date
from conftest import VIETNAM
from progress.models import RecomputeState
from targets import services
from targets.models import ChangeField, ChangeLog, MonthlyCount, MonthReopening, Target, TargetKind
from targets.selectors import WindowState, month_window
from targets.services import CountEntry, SaveStatus, TargetEntry, counts_save, targets_save
from targets.tests.conftest import CLOSED, OPEN, june_entries, make_district, may_counts

pytestmark = pytest.mark.django_db


def save(user, entries, month=OPEN, **kwargs):
    return counts_save(user=user, year=month[0], month=month[1], entries=entries, **kwargs)


def june_rows(district):
    return MonthlyCount.objects.filter(commune__district=district, year=2023, month=6)


# --- saving -----------------------------------------------------------------------------------


def test_district_staff_save_a_whole_month_with_one_log_row_per_field(demo):
    entries = june_entries(demo.luc_nam)
    result = save(demo.clerk, entries)
    assert result.status == SaveStatus.SAVED, (result.errors, result.general_errors)
    assert (result.created, result.updated) == (24, 0)
    rows = {r.commune_id: r for r in june_rows(demo.luc_nam)}
    assert len(rows) == 24
    first = entries[0]
    assert rows[first.commune_id].participants == first.participants
    assert rows[first.commune_id].updated_by == demo.clerk
    assert rows[first.commune_id].version == 1
    logs = ChangeLog.objects.filter(year=2023, month=6)
    assert logs.count() == 48
    log = logs.get(unit_id=first.commune_id, field=ChangeField.PARTICIPANTS)
    assert (log.old_value, log.new_value, log.changed_by, log.source) == (
        None,
        first.participants,
        demo.clerk,
        "form",
    )


def test_a_large_batch_of_history_rows_is_written_the_same_way(demo, monkeypatch):
    """Imports write history through COPY past BULK_HISTORY_ROWS; the rows must be identical."""
    monkeypatch.setattr(services, "BULK_HISTORY_ROWS", 1)
    entries = june_entries(demo.luc_nam)
    assert save(demo.clerk, entries).status == SaveStatus.SAVED
    logs = ChangeLog.objects.filter(year=2023, month=6)
    assert logs.count() == 48
    first = entries[0]
    log = logs.get(unit_id=first.commune_id, field=ChangeField.NEW_PARTICIPANTS)
    assert (log.old_value, log.new_value, log.changed_by, log.source) == (
        None,
        first.new_participants,
        demo.clerk,
        "form",
    )
    assert abs((clock.now() - log.changed_at).total_seconds()) < 60


def test_a_save_asks_for_the_recompute_of_the_province_once(demo):
    with mock.patch("targets.services.request_recompute") as request_recompute:
        save(demo.clerk, june_entries(demo.luc_nam))
    request_recompute.assert_called_once_with(province_id=demo.bac_giang.pk, year=2023)


def test_a_save_leaves_the_provinces_figures_marked_pending(demo):
    save(demo.clerk, june_entries(demo.luc_nam))
    # The recompute is queued on commit, which this test's transaction never reaches.
    assert RecomputeState.objects.get(province=demo.bac_giang, year=2023).pending


def test_unchanged_rows_are_neither_rewritten_nor_logged(demo):
    entries = june_entries(demo.luc_nam)
    save(demo.clerk, entries)
    before = {r.commune_id: (r.version, r.updated_at) for r in june_rows(demo.luc_nam)}
    logs = ChangeLog.objects.count()
    with mock.patch("targets.services.request_recompute") as request_recompute:
        result = save(demo.clerk, entries)
    assert result.saved and result.unchanged == 24 and result.updated == 0
    assert {r.commune_id: (r.version, r.updated_at) for r in june_rows(demo.luc_nam)} == before
    assert ChangeLog.objects.count() == logs
    request_recompute.assert_not_called()


def test_only_the_changed_field_is_logged_with_old_and_new(demo):
    entries = june_entries(demo.luc_nam)
    save(demo.clerk, entries)
    first = entries[0]
    changed = CountEntry(first.commune_id, first.participants + 3, first.new_participants)
    result = save(demo.clerk, [changed])
    assert result.saved and result.updated == 1
    row = june_rows(demo.luc_nam).get(commune_id=first.commune_id)
    assert (row.participants, row.version) == (first.participants + 3, 2)
    logs = ChangeLog.objects.filter(unit_id=first.commune_id, year=2023, month=6)
    latest = logs.order_by("-id").first()
    assert logs.count() == 3
    assert (latest.field, latest.old_value, latest.new_value) == (
        ChangeField.PARTICIPANTS,
        first.participants,
        first.participants + 3,
    )


def test_thousands_separators_typed_by_people_are_read(demo):
    commune_id = june_entries(demo.luc_nam)[0].commune_id
    may = may_counts(demo.luc_nam)[commune_id]
    typed = f"{may.participants + 5:,}".replace(",", ".")
    result = save(demo.clerk, [CountEntry(commune_id, typed, " 15 ")])
    assert result.saved
    assert june_rows(demo.luc_nam).get().participants == may.participants + 5


# --- validation: all or nothing ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("participants", "new", "field", "message"),
    [
        ("-4", "1", "participants", "“-4” là số âm."),
        (-4, 1, "participants", "“-4” là số âm."),
        ("12,5", "1", "participants", "“12,5” không phải số nguyên."),
        ("12.5", "1", "participants", "“12.5” không phải số nguyên."),
        ("abc", "1", "participants", "“abc” không phải số nguyên."),
        ("", "3", "participants", "Chưa nhập số người tham gia."),
        ("100", "-1", "new_participants", "“-1” là số âm."),
        ("100", "1e3", "new_participants", "“1e3” không phải số nguyên."),
    ],
)
def test_an_invalid_cell_saves_nothing_of_the_grid(demo, participants, new, field, message):
    entries = june_entries(demo.luc_nam)
    bad = entries[5].commune_id
    entries[5] = CountEntry(bad, participants, new)
    result = save(demo.clerk, entries)
    assert result.status == SaveStatus.INVALID
    assert result.errors == {bad: {field: [message]}}
    assert not june_rows(demo.luc_nam).exists()
    assert not ChangeLog.objects.exists()


def test_errors_are_in_english_when_english_is_chosen(demo):
    entries = [CountEntry(june_entries(demo.luc_nam)[0].commune_id, "-3", "x")]
    with translation.override("en"):
        result = save(demo.clerk, entries)
    cid = entries[0].commune_id
    assert result.errors[cid] == {
        "participants": ["“-3” is negative."],
        "new_participants": ["“x” is not a whole number."],
    }
    with translation.override("en"):
        result = save(demo.clerk, june_entries(demo.luc_nam), month=CLOSED)
    assert "closed" in result.general_errors[0]


def test_a_commune_twice_in_one_save_is_an_error(demo):
    entries = june_entries(demo.luc_nam)
    result = save(demo.clerk, entries + [entries[0]])
    assert result.status == SaveStatus.INVALID
    assert entries[0].commune_id in result.errors
    assert not june_rows(demo.luc_nam).exists()


# --- who may enter what -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "who", ["neighbour_clerk", "other_clerk", "officer", "national", "manager", "nobody"]
)
def test_only_the_districts_own_staff_save_its_counts(demo, who):
    result = save(getattr(demo, who), june_entries(demo.luc_nam))
    assert result.status == SaveStatus.INVALID
    assert len(result.errors) == 24
    assert not june_rows(demo.luc_nam).exists()


def test_one_commune_of_another_district_spoils_the_whole_save(demo):
    other = demo.another_district.children.first()
    entries = june_entries(demo.luc_nam) + [CountEntry(other.pk, 100, 10)]
    result = save(demo.clerk, entries)
    assert list(result.errors) == [other.pk]
    assert result.errors[other.pk]["__all__"] == ["Bạn không được nhập số liệu của xã này."]
    assert not MonthlyCount.objects.filter(year=2023, month=6).exists()


def test_a_superuser_may_enter_any_commune(demo, superuser):
    assert save(superuser, june_entries(demo.luc_nam)).saved


# --- the month window -------------------------------------------------------------------------


def test_a_month_opens_on_its_cutoff_day_and_closes_ten_days_later(settings):
    settings.MONTH_CLOSE_AFTER_DAYS = 10

    def window(today):
        return month_window(province_id=0, year=2023, month=5, today=today, reopening=None).state

    assert window(dt.date(2023, 5, 24)) == WindowState.NOT_YET
    assert window(dt.date(2023, 5, 25)) == WindowState.OPEN
    assert window(dt.date(2023, 6, 4)) == WindowState.OPEN
    assert window(dt.date(2023, 6, 5)) == WindowState.CLOSED
    settings.MONTH_CLOSE_AFTER_DAYS = 3
    assert window(dt.date(2023, 5, 29)) == WindowState.CLOSED


def test_december_is_cut_off_on_the_31st():
    assert cutoff_date(2023, 12) == dt.date(2023, 12, 31)
    assert cutoff_date(2023, 11) == dt.date(2023, 11, 25)
    state = month_window(
        province_id=0, year=2023, month=12, today=dt.date(2023, 12, 30), reopening=None
    ).state
    assert state == WindowState.NOT_YET


def test_a_closed_month_is_refused(demo):
    result = save(demo.clerk, june_entries(demo.luc_nam), month=CLOSED)
    assert result.status == SaveStatus.INVALID
    assert "đã khoá sổ" in result.general_errors[0]
    assert not MonthlyCount.objects.filter(year=2023, month=5, version__gt=1).exists()


def test_a_month_before_its_cutoff_is_refused(demo):
    today = clock.today()
    later = (today.year + 1, 1)
    result = save(demo.clerk, june_entries(demo.luc_nam), month=later)
    assert result.status == SaveStatus.INVALID
    assert "Chưa đến ngày chốt số liệu" in result.general_errors[0]
    assert not MonthlyCount.objects.filter(year=later[0]).exists()


def test_the_open_window_accepts_a_save_without_any_reopening(demo, travel):
    MonthReopening.objects.all().delete()
    travel.move_to(dt.datetime(2023, 6, 30, 9, 0, tzinfo=VIETNAM))
    assert save(demo.clerk, june_entries(demo.luc_nam)).saved


def test_a_reopening_that_ran_out_closes_the_month_again(demo):
    MonthReopening.objects.update(open_until=clock.now() - dt.timedelta(minutes=1))
    result = save(demo.clerk, june_entries(demo.luc_nam))
    assert result.status == SaveStatus.INVALID and result.general_errors


def test_a_reopening_of_another_province_does_not_open_this_one(demo):
    MonthReopening.objects.update(province=demo.lang_son)
    assert not save(demo.clerk, june_entries(demo.luc_nam)).saved


# --- warnings ---------------------------------------------------------------------------------


def _one(demo, participants_delta=None, participants=None, new=None):
    commune_id = sorted(may_counts(demo.luc_nam))[0]
    may = may_counts(demo.luc_nam)[commune_id]
    value = participants if participants is not None else may.participants + participants_delta
    return may, CountEntry(commune_id, value, new if new is not None else 0)


def test_a_fall_of_more_than_20_percent_waits_for_confirmation(demo):
    may, entry = _one(demo, participants=None, participants_delta=0)
    entry = CountEntry(entry.commune_id, int(may.participants * 0.79), 0)
    result = save(demo.clerk, [entry])
    assert result.status == SaveStatus.NEEDS_CONFIRMATION
    assert [w.code for w in result.warnings] == ["fall"]
    assert not june_rows(demo.luc_nam).exists()
    confirmed = save(demo.clerk, [entry], confirm_warnings=True)
    assert confirmed.saved and june_rows(demo.luc_nam).count() == 1


def test_a_fall_of_exactly_20_percent_is_not_a_warning(demo):
    may, _ = _one(demo, participants_delta=0)
    cid = sorted(may_counts(demo.luc_nam))[0]
    exact = may.participants - may.participants // 5
    if exact < may.participants * 0.8:
        exact += 1
    result = save(demo.clerk, [CountEntry(cid, exact, 0)])
    assert result.saved, result.warnings


def test_a_rise_of_more_than_half_is_a_warning(demo):
    may, entry = _one(demo, participants_delta=0)
    big = int(may.participants * 1.51) + 1
    result = save(demo.clerk, [CountEntry(entry.commune_id, big, big - may.participants)])
    assert [w.code for w in result.warnings] == ["rise"]


def test_fewer_sign_ups_than_the_rise_is_a_warning(demo):
    may, entry = _one(demo, participants_delta=30, new=12)
    result = save(demo.clerk, [entry])
    assert [w.code for w in result.warnings] == ["new_below_rise"]
    assert "cần ít nhất 30" in result.warnings[0].message


def test_more_sign_ups_than_participants_is_an_error_not_a_warning(demo):
    may, entry = _one(demo, participants_delta=0, new=None)
    entry = CountEntry(entry.commune_id, 249, 1250)
    result = save(demo.clerk, [entry], confirm_warnings=True)  # confirming does not help
    assert result.status == SaveStatus.INVALID and not result.warnings
    assert result.errors[entry.commune_id]["new_participants"] == [
        "Số phát triển mới (1.250) không thể lớn hơn số người tham gia cuối tháng (249): "
        "người mới tham gia trong tháng đã nằm trong số người tham gia."
    ]
    assert not june_rows(demo.luc_nam).exists()


def test_after_an_unreported_month_the_warnings_compare_with_the_last_reported_one(demo):
    may, entry = _one(demo, participants_delta=0)
    MonthlyCount.objects.filter(commune_id=entry.commune_id, year=2023, month=5).delete()
    april = MonthlyCount.objects.get(commune_id=entry.commune_id, year=2023, month=4)
    fallen = int(april.participants * 0.7)
    result = save(demo.clerk, [CountEntry(entry.commune_id, fallen, 0)])
    assert [w.code for w in result.warnings] == ["fall"]
    assert "so với tháng 04/2023 (tháng báo cáo gần nhất)" in result.warnings[0].message
    # a rise across the unreported May needs no sign-ups of June alone to explain it
    risen = CountEntry(entry.commune_id, april.participants + 40, 0)
    assert save(demo.clerk, [risen]).saved


def test_a_confirmation_covers_only_the_warnings_that_were_shown(demo):
    may, entry = _one(demo, participants_delta=30, new=12)
    first = save(demo.clerk, [entry])
    token = first.warnings_token
    # The user changed the figure after seeing the warning: a new warning needs a new look.
    changed = CountEntry(entry.commune_id, entry.participants + 10, 12)
    again = save(demo.clerk, [changed], confirm_warnings=token)
    assert again.status == SaveStatus.NEEDS_CONFIRMATION
    assert save(demo.clerk, [entry], confirm_warnings=token).saved


def test_plausible_figures_save_without_any_warning(demo):
    result = save(demo.clerk, june_entries(demo.luc_nam))
    assert result.saved and result.warnings == []


# --- two people editing at once ---------------------------------------------------------------


def test_the_later_of_two_saves_is_told_what_changed_and_by_whom(demo, second_clerk):
    entries = june_entries(demo.luc_nam)
    loaded = {e.commune_id: 0 for e in entries}  # both loaded the empty June grid
    first = save(demo.clerk, entries, expected_versions=loaded)
    assert first.saved

    theirs = june_entries(demo.luc_nam, rise=7)
    second = save(second_clerk, theirs, expected_versions=loaded)
    assert second.status == SaveStatus.CONFLICT
    assert len(second.conflicts) == 24
    conflict = second.conflicts[0]
    assert conflict.participants == entries[0].participants
    assert conflict.wanted_participants == theirs[0].participants
    assert conflict.updated_by == demo.clerk.get_full_name()
    assert conflict.updated_at is not None and conflict.version == 1
    # Nothing of the second save was written.
    assert set(june_rows(demo.luc_nam).values_list("updated_by", flat=True)) == {demo.clerk.pk}

    # Re-applying over the versions now stored overwrites, and the history keeps both.
    reapplied = save(
        second_clerk, theirs, expected_versions={c.commune_id: c.version for c in second.conflicts}
    )
    assert reapplied.saved and reapplied.updated == 24
    row = june_rows(demo.luc_nam).get(commune_id=entries[0].commune_id)
    assert (row.participants, row.version, row.updated_by) == (
        theirs[0].participants,
        2,
        second_clerk,
    )
    assert ChangeLog.objects.filter(unit_id=row.commune_id, changed_by=second_clerk).count() == 2


def test_one_conflicting_row_blocks_the_whole_save(demo, second_clerk):
    entries = june_entries(demo.luc_nam)
    loaded = {e.commune_id: 0 for e in entries}
    save(second_clerk, entries[:1], expected_versions=loaded)
    result = save(demo.clerk, june_entries(demo.luc_nam, rise=6), expected_versions=loaded)
    assert result.status == SaveStatus.CONFLICT
    assert [c.commune_id for c in result.conflicts] == [entries[0].commune_id]
    assert june_rows(demo.luc_nam).count() == 1


def test_saving_the_same_figures_someone_just_saved_is_not_a_conflict(demo, second_clerk):
    entries = june_entries(demo.luc_nam)
    loaded = {e.commune_id: 0 for e in entries}
    save(second_clerk, entries, expected_versions=loaded)
    result = save(demo.clerk, entries, expected_versions=loaded)
    assert result.saved and result.unchanged == 24


# --- queries ----------------------------------------------------------------------------------


def test_a_save_costs_the_same_queries_for_5_and_30_communes(demo, django_assert_num_queries):
    small = make_district(demo.bac_giang, "990", 5)
    big = make_district(demo.bac_giang, "991", 30)
    clerk = demo.clerk
    clerk.is_superuser = True  # may enter both test districts
    for district in (small, big):
        ids = list(district.children.values_list("pk", flat=True))
        entries = [CountEntry(cid, 100 + i, 5) for i, cid in enumerate(ids)]
        # Savepoint, lock the communes, the reopening, the counts of both months, one insert or
        # update, one insert of the history, release. (request_recompute's belong to progress.)
        with (
            mock.patch("targets.services.request_recompute") as recompute,
            django_assert_num_queries(7),
        ):
            assert save(clerk, entries).saved
        recompute.assert_called_once()
        updated = [CountEntry(e.commune_id, e.participants + 1, 6) for e in entries]
        with (
            mock.patch("targets.services.request_recompute"),
            django_assert_num_queries(7),
        ):
            assert save(clerk, updated).updated == len(ids)


# --- targets ----------------------------------------------------------------------------------


def test_officers_set_district_targets_with_history(demo):
    result = targets_save(
        user=demo.officer,
        year=2023,
        entries=[TargetEntry(demo.luc_nam.pk, "5.000", "1200", "11")],
    )
    assert result.saved, result.errors
    target = Target.objects.get(unit=demo.luc_nam, year=2023, kind=TargetKind.PARTICIPANTS)
    assert (target.value, target.deadline_month, target.updated_by) == (5000, 11, demo.officer)
    new = Target.objects.get(unit=demo.luc_nam, year=2023, kind=TargetKind.NEW_PARTICIPANTS)
    assert new.value == 1200
    fields = set(
        ChangeLog.objects.filter(unit=demo.luc_nam, year=2023).values_list("field", flat=True)
    )
    assert fields == {ChangeField.TARGET_PARTICIPANTS, ChangeField.TARGET_NEW, "deadline_month"}


def test_a_blank_target_removes_it_and_is_logged(demo):
    old = Target.objects.get(unit=demo.luc_nam, year=2023, kind=TargetKind.PARTICIPANTS).value
    assert targets_save(
        user=demo.officer, year=2023, entries=[TargetEntry(demo.luc_nam.pk, "", "", "")]
    ).saved
    assert not Target.objects.filter(unit=demo.luc_nam, year=2023).exists()
    log = ChangeLog.objects.get(unit=demo.luc_nam)
    assert (log.old_value, log.new_value) == (old, None)


@pytest.mark.parametrize("who", ["clerk", "manager", "national", "other_officer"])
def test_only_the_provinces_officers_set_its_targets(demo, who):
    result = targets_save(
        user=getattr(demo, who), year=2023, entries=[TargetEntry(demo.luc_nam.pk, 1, 1, 12)]
    )
    assert not result.saved and demo.luc_nam.pk in result.errors
    assert not ChangeLog.objects.exists()


def test_the_province_target_is_set_by_a_superuser_only(demo, superuser):
    entry = [TargetEntry(demo.bac_giang.pk, 60000, None, 10)]
    assert not targets_save(user=demo.officer, year=2023, entries=entry).saved
    assert targets_save(user=superuser, year=2023, entries=entry).saved
    assert Target.objects.get(unit=demo.bac_giang, year=2023, kind="participants").value == 60000


def _participants_target(unit):
    return Target.objects.get(unit=unit, year=2023, kind=TargetKind.PARTICIPANTS)


def _may(unit):
    from progress.models import Progress

    return Progress.objects.get(unit=unit, year=2023, month=5)


def test_a_blank_deadline_is_none_of_its_own_and_is_audited_as_null(demo):
    value = _participants_target(demo.luc_nam).value
    result = targets_save(
        user=demo.officer, year=2023, entries=[TargetEntry(demo.luc_nam.pk, value, "", "")]
    )
    assert result.saved, result.errors
    assert _participants_target(demo.luc_nam).deadline_month is None
    log = ChangeLog.objects.get(unit=demo.luc_nam, field=ChangeField.DEADLINE_MONTH)
    assert (log.old_value, log.new_value) == (10, None)
    # Setting it again is a change back from "inherit", logged from NULL.
    assert targets_save(
        user=demo.officer, year=2023, entries=[TargetEntry(demo.luc_nam.pk, value, "", "9")]
    ).saved
    back = ChangeLog.objects.filter(unit=demo.luc_nam, field=ChangeField.DEADLINE_MONTH).first()
    assert (back.old_value, back.new_value) == (None, 9)
    assert _participants_target(demo.luc_nam).deadline_month == 9


def test_a_new_target_with_a_blank_deadline_stores_null_not_december(demo):
    commune = demo.luc_nam.children.order_by("code").first()
    assert targets_save(
        user=demo.officer, year=2024, entries=[TargetEntry(commune.pk, 300, 20, "")]
    ).saved
    assert set(
        Target.objects.filter(unit=commune, year=2024).values_list("deadline_month", flat=True)
    ) == {None}


def test_a_district_without_its_own_deadline_takes_the_provinces_october(
    demo, django_capture_on_commit_callbacks
):
    from progress.services import recompute_province

    # Before: December, what a blank deadline used to be stored as.
    Target.objects.filter(unit=demo.luc_nam, year=2023).update(deadline_month=12)
    recompute_province(province_id=demo.bac_giang.pk, year=2023)
    assert (_may(demo.luc_nam).deadline_month, _may(demo.luc_nam).months_left) == (12, 7)
    value = _participants_target(demo.luc_nam).value
    with django_capture_on_commit_callbacks(execute=True):
        assert targets_save(
            user=demo.officer, year=2023, entries=[TargetEntry(demo.luc_nam.pk, value)]
        ).saved
    may = _may(demo.luc_nam)
    # The province asked for October: five months left at the end of May, not seven.
    assert (may.deadline_month, may.months_left) == (10, 5)
    assert may.gap > 0 and may.required_pace == -(-may.gap // 5)


def test_changing_the_provinces_deadline_moves_the_districts_that_inherit_it(
    demo, superuser, django_capture_on_commit_callbacks
):
    Target.objects.filter(unit=demo.luc_nam, year=2023).update(deadline_month=None)
    province = _participants_target(demo.bac_giang)
    new = Target.objects.get(unit=demo.bac_giang, year=2023, kind=TargetKind.NEW_PARTICIPANTS)
    with django_capture_on_commit_callbacks(execute=True):
        assert targets_save(
            user=superuser,
            year=2023,
            entries=[TargetEntry(demo.bac_giang.pk, province.value, new.value, 11)],
        ).saved
    may = _may(demo.luc_nam)
    assert (may.deadline_month, may.months_left) == (11, 6)
    assert may.gap > 0 and may.required_pace == -(-may.gap // 6)
    assert _may(demo.bac_giang).deadline_month == 11
    # Lục Nam's communes and the other districts keep their own October.
    assert _may(demo.luc_nam.children.order_by("code").first()).deadline_month == 10
    assert _may(demo.another_district).deadline_month == 10


def test_an_invalid_target_saves_none_of_them(demo):
    communes = list(demo.luc_nam.children.order_by("code")[:2])
    # The demo's 2024 targets are the old map's provinces' and districts', none of a commune.
    before = sorted(Target.objects.filter(year=2024).values_list("id", "value", "deadline_month"))
    result = targets_save(
        user=demo.officer,
        year=2024,
        entries=[TargetEntry(communes[0].pk, 100, 5, 12), TargetEntry(communes[1].pk, -1, 5, 13)],
    )
    assert not result.saved
    assert set(result.errors[communes[1].pk]) == {"participants", "deadline_month"}
    after = sorted(Target.objects.filter(year=2024).values_list("id", "value", "deadline_month"))
    assert after == before
    assert not Target.objects.filter(year=2024, unit__in=communes).exists()


# --- reopening --------------------------------------------------------------------------------


def test_an_officer_reopens_a_closed_month_and_the_clerk_can_then_enter_it(demo):
    assert not save(demo.clerk, june_entries(demo.luc_nam), month=CLOSED).saved
    reopening = services.month_reopen(
        user=demo.officer, province=demo.bac_giang, year=2023, month=5, days=3, reason="Sửa số xã"
    )
    assert (reopening.reopened_by, reopening.reason) == (demo.officer, "Sửa số xã")
    assert reopening.open_until > clock.now() + dt.timedelta(days=2)
    assert save(demo.clerk, june_entries(demo.luc_nam), month=CLOSED, confirm_warnings=True).saved


@pytest.mark.parametrize("who", ["clerk", "manager", "national", "other_officer"])
def test_only_the_provinces_officers_reopen_its_months(demo, who):
    with pytest.raises(PermissionDenied):
        services.month_reopen(
            user=getattr(demo, who), province=demo.bac_giang, year=2023, month=5, days=3, reason="x"
        )


def test_reopening_needs_a_reason_a_sane_duration_and_a_reportable_month(demo):
    reopen = lambda **kw: services.month_reopen(  # noqa: E731
        user=demo.officer, province=demo.bac_giang, **{"year": 2023, "month": 5, **kw}
    )
    with pytest.raises(ValidationError):
        reopen(days=3, reason="  ")
    with pytest.raises(ValidationError):
        reopen(days=0, reason="x")
    with pytest.raises(ValidationError):
        reopen(days=3, reason="x", year=clock.today().year + 1)
    assert not MonthReopening.objects.filter(month=5).exists()
