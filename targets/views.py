"""Data-entry pages: monthly counts, targets, month reopening, change history.

Each view checks access through provinces.access, reads with targets.selectors and writes with
targets.services. Outside the user's scope: 404; inside it but without the right to write: the
page is read-only and a POST is 403.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bhxh_dashboard import clock, sessions
from bhxh_dashboard.formatting import day_label, month_label
from bhxh_dashboard.http import SignedInRequest
from bhxh_dashboard.months import cutoff_date, latest_reportable_month, previous_month
from bhxh_dashboard.parsing import MAX_COUNT, ParseError, parse_count
from provinces.access import (
    can_download_group_files,
    can_enter_group_counts,
    can_reopen_month,
    can_set_targets,
    get_visible_entry_group_or_404,
    get_visible_office_or_404,
    get_visible_unit_or_404,
)
from provinces.models import Level, Unit
from provinces.selectors import EntryGroup, map_label
from targets import selectors, services
from targets.forms import (
    MonthReopenForm,
    count_grid_post,
    parse_month_param,
    parse_year_param,
    shown_target_cells,
    target_grid_entries,
)

if TYPE_CHECKING:
    pass


@login_required
def entry_home(request: SignedInRequest) -> HttpResponse:
    """What the user may enter: straight to it when there is one thing, else the list."""
    links = selectors.entry_links(user=request.user)
    if not links:
        raise PermissionDenied(
            _(
                "Tài khoản của bạn xem số liệu và tải báo cáo, không nhập số liệu: số liệu do "
                "cán bộ BHXH huyện, BHXH cơ sở hoặc BHXH tỉnh nhập."
            )
        )
    if len(links) == 1:
        return redirect(links[0].url)
    return render(request, "targets/entry_home.html", {"links": links})


def _month_url(group: EntryGroup, year: int, month: int) -> str:
    return reverse("targets:counts", kwargs={"code": group.url_code}) + f"?thang={year}-{month:02d}"


def _loaded(participants: int | None, new: int | None) -> str:
    """The figures a page was loaded with, sent back to tell changed rows from untouched ones."""
    return "|".join("" if v is None else str(v) for v in (participants, new))


def _as_int(text: str) -> int | None:
    """What a typed cell counts for in the totals; the service decides what is valid."""
    try:
        return parse_count(text)
    except ParseError:
        return None


def _grid_month(
    request: HttpRequest, group: EntryGroup
) -> tuple[int, int, selectors.MonthWindow, list[selectors.MonthWindow]]:
    """The month the grid shows, its window and the months offered: the one asked for in
    `?thang=`, else the default; a month not yet reportable, or outside the map the group is
    on, shows the default, saying why."""
    province_id = selectors.province_id_of(group.unit)
    windows = selectors.entry_months(province_id=province_id, unit=group.unit)
    picked = parse_month_param(request.GET.get("thang") or request.POST.get("thang"))
    if (
        picked
        and request.method == "GET"  # a POST goes to the service, which refuses such a month
        and cutoff_date(*picked) <= clock.today()  # a month to come says so below
        and not selectors.in_unit_lifetime(group.unit, *picked)
    ):
        year, month = selectors.default_entry_month(windows)
        messages.info(
            request,
            _(
                "Tháng %(asked)s ngoài thời gian hiệu lực của %(unit)s (%(map)s). "
                "Trang đang hiển thị tháng %(shown)s."
            )
            % {
                "asked": month_label(*picked),
                "unit": group.unit.full_name,
                "map": map_label(group.unit).lower(),
                "shown": month_label(year, month),
            },
        )
        picked = None
    year, month = picked or selectors.default_entry_month(windows)
    window = next(
        (w for w in windows if (w.year, w.month) == (year, month)), None
    ) or selectors.month_window(province_id=province_id, year=year, month=month)
    if window.state == selectors.WindowState.NOT_YET:
        asked = window
        year, month = selectors.default_entry_month(windows)
        window = next(w for w in windows if (w.year, w.month) == (year, month))
        if request.method == "GET":  # say why the page shows another month than the one asked
            messages.info(
                request,
                _(
                    "Tháng %(asked)s chưa thể nhập: số liệu chốt vào ngày %(cutoff)s. "
                    "Trang đang hiển thị tháng %(shown)s."
                )
                % {
                    "asked": month_label(asked.year, asked.month),
                    "cutoff": day_label(asked.cutoff),
                    "shown": month_label(year, month),
                },
            )
    return year, month, window, windows


def _posted_month_refusal(request: HttpRequest, year: int, month: int) -> str:
    """Why a grid POST is refused when the month it was typed for (its `thang`) is not the month
    the page would save into (a month not yet open, or no month at all); "" when they agree."""
    posted = parse_month_param(request.POST.get("thang"))
    if posted is None:
        return _("Chưa lưu: không rõ số liệu gửi lên là của tháng nào. Hãy tải lại trang.")
    if posted != (year, month):
        return _(
            "Chưa lưu: số liệu gửi lên là của tháng %(posted)s, nhưng tháng này chưa thể nhập "
            "(trang đang mở tháng %(shown)s). Chưa ghi gì."
        ) % {"posted": month_label(*posted), "shown": month_label(year, month)}
    return ""


def _saved_message(
    request: HttpRequest, result: services.SaveResult, year: int, month: int
) -> None:
    changed = result.created + result.updated
    if changed:
        messages.success(
            request,
            _("Đã lưu số liệu tháng %(period)s của %(n)s xã.")
            % {"period": month_label(year, month), "n": changed},
        )
    else:
        messages.info(request, _("Không có thay đổi nào để lưu."))


def _grid_rows(
    grid: selectors.CountGrid,
    result: services.SaveResult | None,
    typed: dict[int, tuple[str, str]],
    versions: dict[int, int],
    loaded: dict[int, str],
) -> tuple[list[dict[str, Any]], dict[str, int | None]]:
    """Each commune's cells as typed (or stored), its errors, warnings and conflict, and the
    totals of what is typed."""
    rows = []
    total_p = total_n = 0
    total_change: int | None = None
    warnings_by_commune: dict[int, list[services.CountWarning]] = {}
    if result is not None:
        for w in result.warnings:
            warnings_by_commune.setdefault(w.commune_id, []).append(w)
    conflicts = {c.commune_id: c for c in result.conflicts} if result else {}
    for row in grid.rows:
        cid = row.commune.pk
        p_raw, n_raw = typed.get(
            cid,
            (
                "" if row.participants is None else str(row.participants),
                "" if row.new_participants is None else str(row.new_participants),
            ),
        )
        errors = result.errors.get(cid, {}) if result else {}
        p_int, n_int = _as_int(p_raw), _as_int(n_raw)
        total_p += p_int or 0
        total_n += n_int or 0
        change = None
        if p_int is not None and row.prev_participants is not None:
            change = p_int - row.prev_participants
            total_change = (total_change or 0) + change
        warnings = warnings_by_commune.get(cid, [])
        rows.append(
            {
                "change": change,
                "row": row,
                "p_value": p_raw,
                "n_value": n_raw,
                "version": versions.get(cid, row.version),
                "loaded": loaded.get(cid, _loaded(row.participants, row.new_participants)),
                "errors": errors,
                "row_errors": errors.get(services.ROW_ERRORS, []),
                "p_errors": errors.get("participants", []),
                "n_errors": errors.get("new_participants", []),
                "warnings": warnings,
                "p_warned": any(w.field == "participants" for w in warnings),
                "n_warned": any(w.field == "new_participants" for w in warnings),
                "conflict": conflicts.get(cid),
            }
        )
    return rows, {"p": total_p, "n": total_n, "change": total_change}


@login_required
def count_grid(request: SignedInRequest, code: str) -> HttpResponse:
    """The monthly entry grid of an old district, a grassroots office, or the communes a province
    of today's map serves itself: every commune, last month beside, totals."""
    group = get_visible_entry_group_or_404(request.user, code)
    can_edit = can_enter_group_counts(request.user, group)
    if request.method == "POST" and not can_edit:
        raise PermissionDenied

    year, month, window, windows = _grid_month(request, group)
    grid = selectors.count_grid(group=group, year=year, month=month)

    result: services.SaveResult | None = None
    refusal = ""
    typed: dict[int, tuple[str, str]] = {}
    versions: dict[int, int] = {}
    loaded: dict[int, str] = {}
    if request.method == "POST":
        data = count_grid_post(request.POST, [r.commune.pk for r in grid.rows])
        typed, versions, loaded = data.raw, data.expected_versions, data.loaded
        refusal = _posted_month_refusal(request, year, month)
        if refusal:
            # The figures were typed for another month than the one this page would save:
            # nothing is written, what was typed stays on the page.
            messages.error(request, refusal)
    if request.method == "POST" and not refusal:
        result = services.counts_save(
            user=request.user,
            year=year,
            month=month,
            entries=data.entries,
            expected_versions=data.expected_versions,
            confirm_warnings=data.confirm_token or False,
        )
        if result.saved:
            _saved_message(request, result, year, month)
            return HttpResponseRedirect(_month_url(group, year, month))
        for conflict in result.conflicts:
            # Re-apply = submit again over the version and figures now stored.
            versions[conflict.commune_id] = conflict.version
            loaded[conflict.commune_id] = _loaded(conflict.participants, conflict.new_participants)

    rows, totals = _grid_rows(grid, result, typed, versions, loaded)
    communes_by_id = {r.commune.pk: r.commune for r in grid.rows}
    prev_year, prev_month = previous_month(year, month)
    context = {
        "totals": totals,
        "grid_prev_year": prev_year,
        "grid_prev_month": prev_month,
        "group": group,
        "can_download_files": can_download_group_files(request.user, group),
        "grid": grid,
        "rows": rows,
        "year": year,
        "month": month,
        "window": window,
        "windows": windows,
        "can_edit": can_edit and window.is_open,
        "can_enter": can_edit,
        "result": result,
        "error_count": len(result.errors) if result else 0,
        "warnings": [
            (communes_by_id.get(w.commune_id), w) for w in (result.warnings if result else [])
        ],
        "conflicts": result.conflicts if result else [],
        "max_count": MAX_COUNT,  # the page's script refuses what the server would
        "session_seconds_left": sessions.seconds_left(request),
    }
    return render(request, "targets/count_grid.html", context)


def _target_parent(
    request: SignedInRequest, code: str, year: int
) -> tuple[EntryGroup | Unit, selectors.TargetAllocation]:
    """Whose targets a targets page shares out (a province, an old district or, "o<id>", a
    grassroots office) and its allocation for the year; 404 outside the user's scope."""
    if code.startswith("o"):
        office = get_visible_office_or_404(request.user, code)
        year = year or _latest_target_year(office.province)
        owner = EntryGroup(unit=office.province, office=office)
        return owner, selectors.office_target_allocation(office=office, year=year)
    parent = get_visible_unit_or_404(request.user, code)
    if parent.level not in (Level.PROVINCE, Level.DISTRICT):
        raise Http404("Not a province or district")
    year = year or _latest_target_year(parent)
    return parent, selectors.target_allocation(parent=parent, year=year)


def _latest_target_year(unit: Unit) -> int:
    province_id = selectors.province_id_of(unit)
    return selectors.latest_target_year(province_id=province_id) or clock.today().year


@login_required
def target_grid(request: SignedInRequest, code: str) -> HttpResponse:
    """Targets of a province's districts or communes, a district's or a grassroots office's
    communes, against the parent's target."""
    year = parse_year_param(request.GET.get("nam") or request.POST.get("nam"), default=0)
    owner, allocation = _target_parent(request, code, year)
    parent, year = allocation.parent, allocation.year
    children = [r.unit for r in allocation.rows if r.unit is not None]
    editable_ids = [c.pk for c in children if can_set_targets(request.user, c)]
    # An office's own target is set on the province's office list, not here.
    parent_editable = allocation.office is None and can_set_targets(request.user, parent)
    if parent_editable:
        editable_ids.insert(0, parent.pk)
    if request.method == "POST" and not editable_ids:
        raise PermissionDenied

    result: services.TargetSaveResult | None = None
    typed: dict[int, tuple[str, str, str]] = {}
    if request.method == "POST":
        stored = {
            r.unit.pk: (r.participants, r.new_participants, r.deadline_month)
            for r in [allocation.parent_row, *allocation.rows]
            if r.unit is not None
        }
        entries, typed = target_grid_entries(request.POST, editable_ids, stored)
        result = services.targets_save(user=request.user, year=year, entries=entries)
        if result.saved:
            messages.success(
                request,
                _("Đã lưu chỉ tiêu năm %(year)s (%(n)s thay đổi).")
                % {"year": year, "n": result.changed},
            )
            return HttpResponseRedirect(
                reverse("targets:targets", kwargs={"code": owner.url_code}) + f"?nam={year}"
            )

    def present(row: selectors.AllocationRow, editable: bool) -> dict[str, Any]:
        uid = row.unit.pk if row.unit is not None else 0
        errors = result.errors.get(uid, {}) if result else {}
        t, tn, dl = shown_target_cells(
            typed, uid, row.participants, row.new_participants, row.deadline_month
        )
        gap = None
        if row.participants is not None and row.children_participants is not None:
            gap = row.participants - row.children_participants
        return {
            "row": row,
            "editable": editable,
            "t": t,
            "tn": tn,
            "dl": dl,
            "gap": gap,
            "gap_abs": abs(gap) if gap else None,
            "errors": errors,
            "row_errors": errors.get(services.ROW_ERRORS, []),
        }

    context = {
        "parent": parent,
        "owner": owner,
        "office": allocation.office,
        # Only an old province's rows (districts) share their targets out again.
        "has_districts": allocation.office is None
        and parent.level == Level.PROVINCE
        and not parent.is_new_map,
        "year": year,
        "allocation": allocation,
        "parent_row": present(allocation.parent_row, parent_editable),
        "rows": [
            present(r, r.unit is not None and r.unit.pk in editable_ids) for r in allocation.rows
        ],
        "can_edit": bool(editable_ids),
        "result": result,
        "months": range(1, 13),
        "years": range(year - 2, year + 2),
        "can_reopen": allocation.office is None
        and parent.level == Level.PROVINCE
        and can_reopen_month(request.user, parent),
        "session_seconds_left": sessions.seconds_left(request),
    }
    return render(request, "targets/target_grid.html", context)


@login_required
def month_reopen(request: SignedInRequest, code: str) -> HttpResponse:
    """A provincial officer reopens a closed month of the province, saying why."""
    province = get_visible_unit_or_404(request.user, code)
    if province.level != Level.PROVINCE or not can_reopen_month(request.user, province):
        raise PermissionDenied
    latest = latest_reportable_month(clock.today())
    form = MonthReopenForm(request.POST or None, initial={"month": f"{latest[0]}-{latest[1]:02d}"})
    if request.method == "POST" and form.is_valid():
        year, month = form.cleaned_data["month"]
        try:
            reopening = services.month_reopen(
                user=request.user,
                province=province,
                year=year,
                month=month,
                days=form.cleaned_data["days"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("Đã mở lại tháng %(period)s đến %(until)s.")
                % {
                    "period": month_label(year, month),
                    "until": timezone.localtime(reopening.open_until).strftime("%d/%m/%Y %H:%M"),
                },
            )
            return redirect("targets:reopen", code=province.url_code)
    reopenings = selectors.recent_reopenings(province=province, limit=20)
    return render(
        request,
        "targets/month_reopen.html",
        {"province": province, "form": form, "reopenings": reopenings, "now": clock.now()},
    )


@login_required
def change_history(request: SignedInRequest, code: str) -> HttpResponse:
    """The audit history of one unit: every change of a count or target, who, when, old, new."""
    unit = get_visible_unit_or_404(request.user, code)
    changes = selectors.unit_changes(unit=unit, limit=200)
    return render(request, "targets/change_history.html", {"unit": unit, "changes": changes})


@require_POST
def session_keepalive(request: HttpRequest) -> JsonResponse:
    """The entry pages' "extend" button: the session lasts a full age again. A session already
    ended answers 401 (no redirect to the sign-in page: the page says what to do)."""
    if not request.user.is_authenticated:
        return JsonResponse({"seconds_left": 0}, status=401)
    return JsonResponse({"seconds_left": sessions.renew(request)})
