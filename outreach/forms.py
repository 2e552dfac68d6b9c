"""Forms of the outreach pages. They only read the request; the rules live in outreach.services."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from outreach.models import CollectionOrg, EventKind
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
