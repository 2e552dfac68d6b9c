"""Forms of the outreach pages. They only read the request; the rules live in outreach.services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from outreach.models import CollectionOrg, CollectionPoint, CollectionStaff, EventKind
from outreach.services import ChannelEntry
from provinces.models import Unit


def cell_name(commune_id: int, org_id: int) -> str:
    return f"c_{commune_id}_{org_id}"


def channel_grid_entries(
    post: QueryDict, cells: list[tuple[int, int]]
) -> tuple[list[ChannelEntry], dict[tuple[int, int], str]]:
    """The grid's editable cells c_<commune>_<org> as typed (the service skips unchanged ones)."""
    typed = {key: post.get(cell_name(*key), "").strip() for key in cells}
    return [ChannelEntry(c, o, value) for (c, o), value in typed.items()], typed


class EventForm(forms.Form):
    commune = forms.ModelChoiceField(label=_("Xã/phường"), queryset=Unit.objects.none())
    organiser = forms.ModelChoiceField(
        label=_("Đơn vị tổ chức"), queryset=CollectionOrg.objects.none()
    )
    kind = forms.ChoiceField(label=_("Hình thức"), choices=EventKind.choices)
    held_on = forms.DateField(
        label=_("Ngày tổ chức"),
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    attendees = forms.IntegerField(label=_("Số người dự"), min_value=0, max_value=100_000)
    sign_ups = forms.IntegerField(
        label=_("Số người đăng ký tại chỗ"), min_value=0, max_value=100_000, initial=0
    )

    def __init__(
        self,
        data: QueryDict | None,
        *,
        communes: QuerySet[Unit],
        organisers: QuerySet[CollectionOrg],
    ) -> None:
        super().__init__(data)
        self.fields["commune"].queryset = communes  # type: ignore[attr-defined]
        self.fields["organiser"].queryset = organisers  # type: ignore[attr-defined]


DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]


def _date_field(label: Any, required: bool = True) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class CommuneChoiceField(forms.ModelChoiceField):
    """A commune, with the day an old one ended (they serve points opened before 07/2025)."""

    def label_from_instance(self, obj: Unit) -> str:
        if obj.valid_until is not None:
            return _("%(name)s (đến %(day)s)") % {
                "name": obj.full_name,
                "day": obj.valid_until.strftime("%d/%m/%Y"),
            }
        return str(obj.full_name)


class PointChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: CollectionPoint) -> str:
        return f"{obj.name} — {obj.commune.name} ({obj.org.name})"


class PointForm(forms.Form):
    org = forms.ModelChoiceField(label=_("Tổ chức"), queryset=CollectionOrg.objects.none())
    commune = CommuneChoiceField(label=_("Xã/phường"), queryset=Unit.objects.none())
    name = forms.CharField(label=_("Tên điểm thu"), max_length=120)
    active_from = _date_field(_("Hoạt động từ"))
    active_until = _date_field(_("Hoạt động đến"), required=False)

    def __init__(
        self, data: QueryDict | None, *, orgs: QuerySet[CollectionOrg], communes: QuerySet[Unit]
    ) -> None:
        super().__init__(data, prefix="add")
        self.fields["org"].queryset = orgs  # type: ignore[attr-defined]
        self.fields["commune"].queryset = communes  # type: ignore[attr-defined]


class PointCloseForm(forms.Form):
    point = PointChoiceField(label=_("Điểm thu"), queryset=CollectionPoint.objects.none())
    active_until = _date_field(_("Hoạt động đến hết ngày"))

    def __init__(self, data: QueryDict | None, *, points: QuerySet[CollectionPoint]) -> None:
        super().__init__(data, prefix="close")
        self.fields["point"].queryset = points  # type: ignore[attr-defined]


class StaffForm(forms.Form):
    org = forms.ModelChoiceField(label=_("Tổ chức"), queryset=CollectionOrg.objects.none())
    code = forms.CharField(label=_("Mã nhân viên"), max_length=20)
    name = forms.CharField(label=_("Họ tên"), max_length=120)
    point = PointChoiceField(
        label=_("Điểm thu"),
        queryset=CollectionPoint.objects.none(),
        required=False,
        empty_label=_("(lưu động, không gắn điểm thu)"),
    )

    def __init__(
        self,
        data: QueryDict | None,
        *,
        orgs: QuerySet[CollectionOrg],
        points: QuerySet[CollectionPoint],
    ) -> None:
        super().__init__(data, prefix="add")
        self.fields["org"].queryset = orgs  # type: ignore[attr-defined]
        self.fields["point"].queryset = points  # type: ignore[attr-defined]


class StaffAssignForm(forms.Form):
    staff = forms.ModelChoiceField(
        label=_("Nhân viên thu"), queryset=CollectionStaff.objects.none()
    )
    point = PointChoiceField(
        label=_("Điểm thu"),
        queryset=CollectionPoint.objects.none(),
        required=False,
        empty_label=_("(lưu động, không gắn điểm thu)"),
    )

    def __init__(
        self,
        data: QueryDict | None,
        *,
        staff: QuerySet[CollectionStaff],
        points: QuerySet[CollectionPoint],
    ) -> None:
        super().__init__(data, prefix="assign")
        self.fields["staff"].queryset = staff  # type: ignore[attr-defined]
        self.fields["point"].queryset = points  # type: ignore[attr-defined]
