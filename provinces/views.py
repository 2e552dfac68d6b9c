"""The grassroots office pages of a province of today's map: the list with each office's
communes and targets, an office's form, and the membership file.

Anyone who reads the province sees the list; its provincial officers change it (a POST by
anyone else is 403, and out of scope is 404, as on the entry pages).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from bhxh_dashboard import clock
from bhxh_dashboard.http import SignedInRequest
from provinces import selectors, services
from provinces.access import can_manage_offices, get_visible_office_or_404, get_visible_unit_or_404
from provinces.forms import MembershipFileForm, OfficeForm
from provinces.models import GrassrootsOffice, Level, Unit
from targets import selectors as target_selectors
from targets import services as target_services
from targets.forms import office_target_entries, parse_year_param, shown_target_cells


def _new_province_or_404(request: SignedInRequest, code: str) -> Unit:
    province = get_visible_unit_or_404(request.user, code)
    if province.level != Level.PROVINCE or not province.is_new_map:
        raise Http404("Not a province of today's map")
    return province


def _managed_province(request: SignedInRequest, code: str) -> Unit:
    province = _new_province_or_404(request, code)
    if not can_manage_offices(request.user, province):
        raise PermissionDenied
    return province


@login_required
def office_list(request: SignedInRequest, code: str) -> HttpResponse:
    """A province's offices, their communes, their targets against their communes' and the
    province's; its provincial officers set the offices' targets here."""
    province = _new_province_or_404(request, code)
    can_manage = can_manage_offices(request.user, province)
    if request.method == "POST" and not can_manage:
        raise PermissionDenied
    year = parse_year_param(request.GET.get("nam") or request.POST.get("nam"), default=0)
    year = (
        year or target_selectors.latest_target_year(province_id=province.pk) or clock.today().year
    )
    overview = target_selectors.office_overview(province=province, year=year)
    office_ids = [r.group.office.pk for r in overview.rows if r.group.office is not None]
    result: target_services.TargetSaveResult | None = None
    typed: dict[int, tuple[str, str, str]] = {}
    if request.method == "POST":
        stored = {
            r.group.office.pk: (
                r.targets.participants,
                r.targets.new_participants,
                r.targets.deadline_month,
            )
            for r in overview.rows
            if r.group.office is not None
        }
        entries, typed = office_target_entries(request.POST, office_ids, stored)
        result = target_services.office_targets_save(
            user=request.user, province=province, year=year, entries=entries
        )
        if result.saved:
            messages.success(
                request,
                _("Đã lưu chỉ tiêu năm %(year)s (%(n)s thay đổi).")
                % {"year": year, "n": result.changed},
            )
            url = reverse("provinces:offices", kwargs={"code": province.url_code})
            return HttpResponseRedirect(f"{url}?nam={year}")

    def cells(row: target_selectors.OfficeRow) -> dict[str, object]:
        """What a row's inputs show: what was typed (after an error) or what is stored."""
        office_id = row.group.office.pk if row.group.office is not None else 0
        own = row.targets
        t, tn, dl = shown_target_cells(
            typed, office_id, own.participants, own.new_participants, own.deadline_month
        )
        errors = result.errors.get(office_id, {}) if result else {}
        return {
            "row": row,
            "t": t,
            "tn": tn,
            "dl": dl,
            "errors": errors,
            "row_errors": errors.get(target_services.ROW_ERRORS, []),
        }

    return render(
        request,
        "provinces/office_list.html",
        {
            "overview": overview,
            "rows": [cells(r) for r in overview.rows],
            "province": province,
            "can_manage": can_manage,
            "result": result,
            "months": range(1, 13),
            "years": range(year - 2, year + 2),
        },
    )


def _office_page(
    request: SignedInRequest, province: Unit, office: GrassrootsOffice | None
) -> HttpResponse:
    """The office's form: create it (office None) or rename it and set its communes."""
    communes = selectors.assignable_communes(province=province, office=office)
    initial = {}
    if office is not None:
        initial = {
            "code": office.code,
            "name": office.name,
            "communes": list(office.memberships.values_list("commune_id", flat=True)),
        }
    form = OfficeForm(request.POST or None, initial=initial, communes=communes)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.office_save(
                user=request.user,
                province=province,
                office=office,
                code=form.cleaned_data["code"],
                name=form.cleaned_data["name"],
                commune_ids=[c.pk for c in form.cleaned_data["communes"]],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("Đã lưu %(office)s.") % {"office": saved.name},
            )
            return redirect("provinces:offices", code=province.url_code)
    return render(
        request,
        "provinces/office_form.html",
        {"form": form, "province": province, "office": office},
    )


@login_required
def office_create(request: SignedInRequest, code: str) -> HttpResponse:
    return _office_page(request, _managed_province(request, code), None)


@login_required
def office_edit(request: SignedInRequest, code: str) -> HttpResponse:
    office = get_visible_office_or_404(request.user, code)
    if not can_manage_offices(request.user, office.province):
        raise PermissionDenied
    return _office_page(request, office.province, office)


@login_required
def office_import(request: SignedInRequest, code: str) -> HttpResponse:
    """Offices and their communes from a CSV/Excel file: a bad line saves nothing."""
    province = _managed_province(request, code)
    form = MembershipFileForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        result = services.office_memberships_import(
            user=request.user, province=province, data=upload.read(), filename=upload.name
        )
        if result.saved:
            messages.success(
                request,
                _("Đã nhập %(offices)s BHXH cơ sở với %(communes)s xã.")
                % {"offices": result.offices, "communes": result.communes},
            )
            return redirect("provinces:offices", code=province.url_code)
        errors = result.errors
    return render(
        request,
        "provinces/office_import.html",
        {"form": form, "province": province, "errors": errors},
    )
