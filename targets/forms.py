"""Forms of the entry pages. They only read the request; the rules live in targets.services."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from bhxh_dashboard.parsing import ParseError, parse_count, parse_month, parse_year
from targets.services import MAX_REOPEN_DAYS, CountEntry, OfficeTargetEntry, TargetEntry


def parse_month_param(value: str | None) -> tuple[int, int] | None:
    """The month a `?thang=2023-06` names; None when blank or not a month (the page then shows
    its default month)."""
    try:
        return parse_month(value)
    except ParseError:
        return None


def parse_year_param(value: str | None, default: int) -> int:
    """The year a `?nam=2023` names; `default` when blank or not a year."""
    try:
        return parse_year(value) or default
    except ParseError:
        return default


@dataclass
class CountGridPost:
    """What one POST of the entry grid carries."""

    entries: list[CountEntry]
    expected_versions: dict[int, int]
    raw: dict[int, tuple[str, str]]  # what was typed, to show it back unchanged
    loaded: dict[int, str]  # the figures the page was loaded with, "participants|new"
    confirm_token: str | None


def _same(typed: str, loaded: str) -> bool:
    if typed == loaded:
        return True
    try:
        return parse_count(typed) == parse_count(loaded)
    except ParseError:
        return False


def count_grid_post(post: QueryDict, commune_ids: list[int]) -> CountGridPost:
    """Read the grid's inputs p_<id>, n_<id>, the version v_<id> and figures o_<id> it loaded.

    Only the rows the user changed are entries: a row left as loaded is not saved again, so it
    can neither overwrite what someone else saved meanwhile nor be reported as a conflict. A row
    left blank that was blank is not an entry either; one that was saved and is now blank is (and
    is refused: saved figures are corrected, not deleted).
    """
    entries, versions, raw, loaded = [], {}, {}, {}
    for commune_id in commune_ids:
        participants = post.get(f"p_{commune_id}", "").strip()
        new = post.get(f"n_{commune_id}", "").strip()
        raw[commune_id] = (participants, new)
        loaded[commune_id] = post.get(f"o_{commune_id}", "")
        loaded_p, _sep, loaded_n = loaded[commune_id].partition("|")
        versions[commune_id] = version_param(post.get(f"v_{commune_id}", "0"))
        if _same(participants, loaded_p) and _same(new, loaded_n):
            continue
        entries.append(CountEntry(commune_id, participants, new))
    token = post.get("confirm_token") if post.get("confirm") else None
    return CountGridPost(entries, versions, raw, loaded, token)


# A unit's (or office's) stored targets: participants, new participants, its own deadline.
StoredTargets = dict[int, tuple[int | None, int | None, int | None]]


def target_grid_entries(
    post: QueryDict, unit_ids: list[int], stored: StoredTargets
) -> tuple[list[TargetEntry], dict[int, tuple[str, str, str]]]:
    """Read t_<id> (participants), tn_<id> (new participants), dl_<id> (deadline month)."""
    raw, keep_deadline = _target_cells(post, unit_ids, stored)
    return [
        TargetEntry(unit_id, *values, keep_deadline=unit_id in keep_deadline)
        for unit_id, values in raw.items()
    ], raw


def office_target_entries(
    post: QueryDict, office_ids: list[int], stored: StoredTargets
) -> tuple[list[OfficeTargetEntry], dict[int, tuple[str, str, str]]]:
    """The office list's cells, named as the targets grid's are (t_/tn_/dl_ and the office id)."""
    raw, keep_deadline = _target_cells(post, office_ids, stored)
    return [
        OfficeTargetEntry(office_id, *values, keep_deadline=office_id in keep_deadline)
        for office_id, values in raw.items()
    ], raw


def shown_target_cells(
    typed: dict[int, tuple[str, str, str]],
    key: int,
    participants: int | None,
    new_participants: int | None,
    deadline_month: int | None,
) -> tuple[str, str, str]:
    """What a target row's three inputs show: what was typed (after a refused save), else what
    is stored (blank for none, and for a deadline taken from the level above)."""
    return typed.get(
        key,
        (
            "" if participants is None else str(participants),
            "" if new_participants is None else str(new_participants),
            str(deadline_month or ""),
        ),
    )


def _target_cells(
    post: QueryDict, ids: list[int], stored: StoredTargets
) -> tuple[dict[int, tuple[str, str, str]], set[int]]:
    """Each posted row's three cells as typed, and the rows whose deadline was not posted.

    A blank cell removes a target; a cell that was not posted at all (a hand-made or cut-short
    POST) keeps what is stored, and a row with none of its cells posted is not an entry: only
    what the form says is written."""
    cells: dict[int, tuple[str, str, str]] = {}
    keep_deadline: set[int] = set()
    for key in ids:
        names = (f"t_{key}", f"tn_{key}", f"dl_{key}")
        if not any(name in post for name in names):
            continue
        kept = ["" if v is None else str(v) for v in stored.get(key, (None, None, None))]
        typed = [
            post.get(name, "").strip() if name in post else kept[i] for i, name in enumerate(names)
        ]
        if names[2] not in post:
            keep_deadline.add(key)
        cells[key] = (typed[0], typed[1], typed[2])
    return cells, keep_deadline


def version_param(text: str) -> int:
    """A row's version as the grid posts it back: ASCII digits, else 0 (a conflict, not a crash)."""
    return int(text) if re.fullmatch(r"[0-9]{1,9}", text) else 0


class MonthReopenForm(forms.Form):
    month = forms.CharField(
        label=_("Tháng"),
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "2023-05"}),
        help_text=_("Năm-tháng, ví dụ 2023-05."),
    )
    days = forms.IntegerField(
        label=_("Mở trong (ngày)"), min_value=1, max_value=MAX_REOPEN_DAYS, initial=7
    )
    reason = forms.CharField(
        label=_("Lý do"), max_length=300, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean_month(self) -> tuple[int, int]:
        try:
            parsed = parse_month(self.cleaned_data["month"])
        except ParseError as exc:
            raise forms.ValidationError(str(exc)) from None
        if parsed is None:
            raise forms.ValidationError(_("Tháng không hợp lệ."))
        return parsed
