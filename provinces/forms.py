"""Forms of the grassroots office pages. They only read the request; the rules live in
provinces.services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from provinces.models import Unit


class CommuneChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return f"{obj.full_name} ({obj.code})"


class OfficeForm(forms.Form):
    code = forms.CharField(
        label=_("Mã"), max_length=10, help_text=_("Mã ngắn, không trùng trong tỉnh, ví dụ 01.")
    )
    name = forms.CharField(label=_("Tên"), max_length=100)
    communes = CommuneChoiceField(
        label=_("Các xã phục vụ"),
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Chỉ liệt kê các xã chưa thuộc BHXH cơ sở nào khác."),
    )

    def __init__(self, *args: Any, communes: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["communes"]
        assert isinstance(field, CommuneChoiceField)
        field.queryset = communes


class MembershipFileForm(forms.Form):
    file = forms.FileField(
        label=_("Tệp (.csv hoặc .xlsx, UTF-8)"),
        help_text=_("Ba cột: mã BHXH cơ sở, tên BHXH cơ sở, mã xã; một dòng mỗi xã."),
    )
