"""The channel split and events: sums, access, the month window, all or nothing, audit."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from outreach.models import (
    ChannelChange,
    ChannelCount,
    CollectionPoint,
    EventKind,
    OrgReporter,
    OutreachEvent,
)
from outreach.services import ChannelEntry, channels_save, event_save
from outreach.tests.conftest import org_of
from provinces.models import Profile, Role

pytestmark = pytest.mark.django_db


def test_channels_adding_up_to_the_communes_new_participants_are_saved_and_audited(demo, june):
    a, b = june.communes[:2]
    result = channels_save(
        user=demo.clerk,
        year=2023,
        month=6,
        entries=[
            ChannelEntry(a.pk, june.post.pk, "9"),
            ChannelEntry(a.pk, june.bhxh.pk, "6"),
            ChannelEntry(b.pk, june.post.pk, "4"),
        ],
    )
    assert result.saved, (result.errors, result.general_errors)
    stored = {
        (c.commune_id, c.org_id): c.new_participants
        for c in ChannelCount.objects.filter(year=2023, month=6)
    }
    assert stored == {(a.pk, june.post.pk): 9, (a.pk, june.bhxh.pk): 6, (b.pk, june.post.pk): 4}
    assert ChannelChange.objects.filter(year=2023, month=6, changed_by=demo.clerk).count() == 3

    # A blank cell removes the figure, audited too.
    result = channels_save(
        user=demo.clerk, year=2023, month=6, entries=[ChannelEntry(b.pk, june.post.pk, "")]
    )
    assert result.saved
    assert not ChannelCount.objects.filter(commune=b, year=2023, month=6).exists()
    last = ChannelChange.objects.filter(commune=b).first()
    assert (last.old_value, last.new_value) == (4, None)


def test_an_attribution_above_the_communes_new_participants_names_both_and_saves_nothing(
    demo, june
):
    a, b = june.communes[:2]
    result = channels_save(
        user=demo.clerk,
        year=2023,
        month=6,
        entries=[
            ChannelEntry(b.pk, june.post.pk, "3"),  # fine on its own
            ChannelEntry(a.pk, june.post.pk, "10"),
            ChannelEntry(a.pk, june.bhxh.pk, "8"),
        ],
    )
    assert not result.saved
    assert result.errors[a.pk]["__all__"] == [
        "Các kênh cộng lại 18 người, nhiều hơn số phát triển mới của xã trong tháng (15 người)."
    ]
    assert b.pk not in result.errors
    assert not ChannelCount.objects.filter(year=2023, month=6).exists()  # all or nothing


def test_stored_channels_count_towards_the_sum(demo, june):
    a = june.communes[0]
    assert channels_save(
        user=demo.clerk, year=2023, month=6, entries=[ChannelEntry(a.pk, june.post.pk, 12)]
    ).saved
    result = channels_save(
        user=demo.clerk, year=2023, month=6, entries=[ChannelEntry(a.pk, june.bhxh.pk, 4)]
    )
    assert "16 người" in result.errors[a.pk]["__all__"][0]


def test_a_commune_without_its_months_counts_cannot_be_split(demo):
    commune = demo.luc_nam.children.order_by("code").first()
    result = channels_save(
        user=demo.clerk,
        year=2023,
        month=6,
        entries=[ChannelEntry(commune.pk, org_of(demo.bac_giang).pk, 1)],
    )
    assert "Xã chưa có số liệu tháng 06/2023" in result.errors[commune.pk]["__all__"][0]


@pytest.mark.parametrize(
    "value, message",
    [("abc", "“abc” không phải số nguyên."), ("-2", None), ("1,5", None)],
)
def test_a_value_that_is_not_a_count_is_refused(demo, june, value, message):
    a = june.communes[0]
    result = channels_save(
        user=demo.clerk, year=2023, month=6, entries=[ChannelEntry(a.pk, june.post.pk, value)]
    )
    assert not result.saved
    errors = result.errors[a.pk][str(june.post.pk)]
    assert errors and (message is None or errors == [message])


def test_district_staff_cannot_split_another_districts_commune(demo, june):
    other = demo.another_district.children.order_by("code").first()
    result = channels_save(
        user=demo.clerk, year=2023, month=6, entries=[ChannelEntry(other.pk, june.post.pk, 1)]
    )
    assert result.errors[other.pk][str(june.post.pk)] == ["Bạn không được nhập số liệu của xã này."]


def test_another_provinces_organisation_is_refused(demo, june):
    a = june.communes[0]
    result = channels_save(
        user=demo.clerk,
        year=2023,
        month=6,
        entries=[ChannelEntry(a.pk, june.lang_son_post.pk, 1)],
    )
    assert result.errors[a.pk][str(june.lang_son_post.pk)] == [
        "Tổ chức dịch vụ thu không hoạt động ở tỉnh của xã này."
    ]


def test_a_closed_month_is_refused(demo):
    commune = demo.luc_nam.children.order_by("code").first()
    result = channels_save(
        user=demo.clerk,
        year=2023,
        month=5,
        entries=[ChannelEntry(commune.pk, org_of(demo.bac_giang).pk, 1)],
    )
    assert not result.saved
    assert "đã khoá sổ" in result.general_errors[0]


@pytest.fixture
def reporter(demo, django_user_model):
    """The old Bắc Giang post office's reporter."""
    user = django_user_model.objects.create_user(username="buudien-bg", password="pw")
    Profile.objects.create(user=user, role=Role.ORG_REPORTER, unit=demo.bac_giang)
    OrgReporter.objects.create(user=user, org=org_of(demo.bac_giang))
    return user


def test_an_organisations_reporter_enters_its_own_column_where_it_has_a_point(demo, june, reporter):
    a, b = june.communes[:2]
    CollectionPoint.objects.filter(org=june.post, commune=b).delete()
    own = channels_save(
        user=reporter, year=2023, month=6, entries=[ChannelEntry(a.pk, june.post.pk, 7)]
    )
    assert own.saved
    refused = channels_save(
        user=reporter,
        year=2023,
        month=6,
        entries=[ChannelEntry(b.pk, june.post.pk, 1), ChannelEntry(a.pk, june.bhxh.pk, 1)],
    )
    assert refused.errors[b.pk][str(june.post.pk)] == [
        "Tổ chức của bạn không có điểm thu ở xã này trong tháng."
    ]
    assert refused.errors[a.pk][str(june.bhxh.pk)] == ["Bạn không được nhập số liệu của xã này."]


def test_an_event_is_recorded_with_its_conversion(demo):
    commune = demo.luc_nam.children.order_by("code").first()
    event = event_save(
        user=demo.clerk,
        commune=commune,
        organiser=org_of(demo.bac_giang),
        kind=EventKind.CUSTOMER_CONFERENCE,
        held_on=dt.date(2023, 6, 10),
        attendees=100,
        sign_ups=12,
    )
    assert OutreachEvent.objects.get(pk=event.pk).sign_ups == 12


def test_an_event_with_more_sign_ups_than_attendees_is_refused_naming_both(demo):
    commune = demo.luc_nam.children.order_by("code").first()
    with pytest.raises(ValidationError) as raised:
        event_save(
            user=demo.clerk,
            commune=commune,
            organiser=org_of(demo.bac_giang),
            kind=EventKind.CONFERENCE,
            held_on=dt.date(2023, 6, 10),
            attendees=40,
            sign_ups=45,
        )
    assert raised.value.message_dict["sign_ups"] == [
        "Số người đăng ký tại chỗ (45) không thể lớn hơn số người dự (40)."
    ]


def test_an_event_outside_the_users_communes_is_refused(demo):
    other = demo.another_district.children.order_by("code").first()
    with pytest.raises(ValidationError) as raised:
        event_save(
            user=demo.clerk,
            commune=other,
            organiser=org_of(demo.bac_giang),
            kind=EventKind.CONFERENCE,
            held_on=dt.date(2023, 6, 10),
            attendees=40,
            sign_ups=4,
        )
    assert "commune" in raised.value.message_dict
