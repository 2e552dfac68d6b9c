"""The administrative tree: nation > province > district > commune, with official codes.

Two maps live in it, each unit dated: the map in force until 30 June 2025 (63 provinces, 696
districts, 10,051 communes) and today's, from 1 July 2025 (34 provinces, 3,321 communes, no
districts). Codes repeat between the maps (24 was Bắc Giang and is now Bắc Ninh), so a unit is
named by its level, its code and its map; Succession links the old units to the new.
"""

import datetime as dt
from collections.abc import Collection
from functools import cached_property
from typing import Any, Self

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Level(models.IntegerChoices):
    NATION = 0, _("Toàn quốc")
    PROVINCE = 1, _("Tỉnh/thành phố")
    DISTRICT = 2, _("Quận/huyện")
    COMMUNE = 3, _("Xã/phường")


class DivisionType(models.TextChoices):
    NATION = "quoc_gia", _("Quốc gia")
    PROVINCE = "tinh", _("Tỉnh")
    CENTRAL_CITY = "thanh_pho_tw", _("Thành phố trực thuộc trung ương")
    URBAN_DISTRICT = "quan", _("Quận")
    RURAL_DISTRICT = "huyen", _("Huyện")
    DISTRICT_TOWN = "thi_xa", _("Thị xã")
    PROVINCIAL_CITY = "thanh_pho", _("Thành phố thuộc tỉnh")
    WARD = "phuong", _("Phường")
    TOWNSHIP = "thi_tran", _("Thị trấn")
    COMMUNE = "xa", _("Xã")
    SPECIAL_ZONE = "dac_khu", _("Đặc khu")


# The reform of 1 July 2025: the old map's last day and today's map's first.
OLD_MAP_UNTIL = dt.date(2025, 6, 30)
NEW_MAP_FROM = dt.date(2025, 7, 1)


def in_force_q(on: dt.date, prefix: str = "") -> models.Q:
    """Units in force on a day (a filter; `prefix` reaches a related unit, e.g. "commune__")."""
    return (
        models.Q(**{f"{prefix}valid_from__isnull": True})
        | models.Q(**{f"{prefix}valid_from__lte": on})
    ) & (
        models.Q(**{f"{prefix}valid_until__isnull": True})
        | models.Q(**{f"{prefix}valid_until__gte": on})
    )


class UnitQuerySet(models.QuerySet["Unit"]):
    def provinces(self) -> Self:
        return self.filter(level=Level.PROVINCE)

    def districts(self) -> Self:
        return self.filter(level=Level.DISTRICT)

    def communes(self) -> Self:
        return self.filter(level=Level.COMMUNE)

    def in_force(self, on: dt.date) -> Self:
        """Units in force on that day: the old map up to 30/06/2025, today's from 01/07/2025."""
        return self.filter(in_force_q(on))

    def within(self, unit: "Unit") -> Self:
        """The unit and every unit below it, in one indexed filter."""
        if unit.level == Level.NATION:
            return self.all()
        if unit.level == Level.PROVINCE:
            return self.filter(province_id=unit.pk)
        if unit.level == Level.DISTRICT:
            return self.filter(district_id=unit.pk)
        return self.filter(pk=unit.pk)

    def readable_from(self, unit: "Unit") -> Self:
        """within(unit), and for a province of today's map the old provinces it took over too:
        what its users may read (the history), not what it is made of."""
        if unit.level == Level.PROVINCE and unit.valid_from is not None:
            taken_over = Succession.objects.filter(
                successor=unit, predecessor__level=Level.PROVINCE
            ).values("predecessor_id")
            return self.filter(models.Q(province_id=unit.pk) | models.Q(province_id__in=taken_over))
        return self.within(unit)

    def search(self, text: str) -> Self:
        """Match names typed with or without diacritics ("bac giang" finds "Bắc Giang"), with or
        without the type word ("huyen luc nam", "tp bac giang") and the spaces ("lucngan")."""
        from provinces.search import query_compact, search_key

        key, compact = search_key(text), query_compact(text)
        return self.filter(
            models.Q(search_key__contains=key) | models.Q(search_compact__contains=compact)
        )


class Unit(models.Model):
    """One administrative unit at any level.

    Every unit stores its province and district (itself at its own level), so the whole subtree of a
    province or district is one indexed equality filter, and a commune's parents need no joins.
    """

    level = models.PositiveSmallIntegerField(_("cấp"), choices=Level.choices)
    code = models.CharField(_("mã"), max_length=5, help_text=_("Official zero-padded code."))
    name = models.CharField(_("tên"), max_length=100)
    full_name = models.CharField(_("tên đầy đủ"), max_length=120)
    division_type = models.CharField(_("loại đơn vị"), max_length=16, choices=DivisionType.choices)
    search_key = models.CharField(max_length=120, editable=False, db_index=True)
    # The full name without diacritics, spaces or punctuation ("huyenlucnam"): what the header
    # search matches, with or without the type word and the spaces (provinces.search).
    search_compact = models.CharField(max_length=160, editable=False, default="")
    # The unit's centroid (vietnamadminunits' dataset.db, loaded by load_admin_units): where the
    # maps draw it. None for the nation and for units the data does not place.
    lat = models.FloatField(_("vĩ độ"), null=True, blank=True)
    lon = models.FloatField(_("kinh độ"), null=True, blank=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    province = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    district = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The period the unit is in force: None from means "since before our records", None until
    # "still in force". The nation has neither.
    valid_from = models.DateField(_("hiệu lực từ"), null=True, blank=True)
    valid_until = models.DateField(_("hiệu lực đến"), null=True, blank=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("đơn vị hành chính")
        verbose_name_plural = _("đơn vị hành chính")
        ordering = ["level", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["level", "code", "valid_from"],
                name="unit_unique_level_code_map",
                nulls_distinct=False,
                violation_error_message=_("Mã đơn vị đã có trên địa giới này."),
            ),
            models.CheckConstraint(
                condition=models.Q(level__gte=0, level__lte=3),
                name="unit_level_range",
                violation_error_message=_("Cấp đơn vị phải từ 0 đến 3."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("reports:unit", kwargs={"code": self.url_code})

    @classmethod
    # django-stubs 6.1 describes Django 6.0's from_db, which adds a keyword-only fetch_mode; the
    # Django 5.2 this project runs has none, so this override matches the runtime, not the stubs.
    def from_db(  # type: ignore[override]
        cls, db: str | None, field_names: Collection[str], values: Collection[Any]
    ) -> Self:
        unit = super().from_db(db, field_names, values)
        # The nation's name is stored once, in Vietnamese ("Toàn quốc"); a page in English says
        # "Nationwide". Read in the language active when the row is loaded (the request's).
        if "level" in field_names and unit.level == Level.NATION:
            name = gettext("Toàn quốc")
            if "name" in field_names:
                unit.name = name
            if "full_name" in field_names:
                unit.full_name = name
        return unit

    @property
    def child_level(self) -> int | None:
        if self.level == Level.PROVINCE and self.valid_from is not None:
            return Level.COMMUNE  # today's map has no districts
        return self.level + 1 if self.level < Level.COMMUNE else None

    @cached_property
    def taken_over_province_ids(self) -> frozenset[int]:
        """The old provinces a province of today's map took over: its users read their history
        (today's Bắc Ninh reads old Bắc Giang and old Bắc Ninh). One query, once per instance."""
        if self.level != Level.PROVINCE or self.valid_from is None:
            return frozenset()
        return frozenset(
            Succession.objects.filter(
                successor=self, predecessor__level=Level.PROVINCE
            ).values_list("predecessor_id", flat=True)
        )

    @property
    def is_new_map(self) -> bool:
        """A unit of today's map (since 01/07/2025)."""
        return self.valid_from is not None

    def in_force_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_until is None or day <= self.valid_until
        )

    @property
    def url_code(self) -> str:
        """Codes repeat across levels ("01" is a province, "001" a district) and across the maps
        (24 was Bắc Giang, is Bắc Ninh): the URL says which. The old map keeps the links it had
        (p, d, c); today's map is t (tỉnh) and x (xã)."""
        if self.level == Level.NATION:
            return "vn"
        if self.is_new_map:
            return {1: "t", 3: "x"}[self.level] + self.code
        return {1: "p", 2: "d", 3: "c"}[self.level] + self.code


class Share(models.TextChoices):
    WHOLE = "whole", _("toàn bộ")
    PART = "part", _("một phần")


class UnitName(models.Model):
    """A unit of today's map's name and type from a date on: units keep changing with stable
    codes (Đồng Nai became a centrally-run city on 30/04/2026). The unit's own name is the one
    in force today; a page for a period names the unit as it was named at the period's cut-off."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="names")
    valid_from = models.DateField(_("áp dụng từ"))
    name = models.CharField(_("tên"), max_length=100)
    full_name = models.CharField(_("tên đầy đủ"), max_length=120)
    division_type = models.CharField(_("loại đơn vị"), max_length=16, choices=DivisionType.choices)

    class Meta:
        verbose_name = _("tên theo thời gian")
        verbose_name_plural = _("tên theo thời gian")
        constraints = [
            models.UniqueConstraint(fields=["unit", "valid_from"], name="unit_name_once_a_day")
        ]
        ordering = ["unit", "valid_from"]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.valid_from:%d/%m/%Y})"


class Succession(models.Model):
    """An old unit (before 01/07/2025) and a unit of today's map that took it over, wholly or in
    part. A split old commune has several successors, exactly one of them the default: the one
    that carries its figures when they cannot be divided. Old provinces went whole into one new
    province each."""

    predecessor = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="successions", verbose_name=_("đơn vị cũ")
    )
    successor = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="predecessions", verbose_name=_("đơn vị mới")
    )
    share = models.CharField(_("phần"), max_length=5, choices=Share.choices)
    is_default = models.BooleanField(_("kế thừa số liệu"), default=True)

    class Meta:
        verbose_name = _("quy đổi địa giới")
        verbose_name_plural = _("quy đổi địa giới")
        constraints = [
            models.UniqueConstraint(
                fields=["predecessor", "successor"], name="succession_unique_pair"
            ),
            models.UniqueConstraint(
                fields=["predecessor"],
                condition=models.Q(is_default=True),
                name="succession_one_default",
                violation_error_message=_("Một đơn vị cũ chỉ có một đơn vị kế thừa số liệu."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor}"


class Role(models.TextChoices):
    NATIONAL_VIEWER = "national", _("Xem toàn quốc")
    PROVINCIAL_OFFICER = "province_officer", _("Cán bộ BHXH tỉnh")
    DISTRICT_STAFF = "district_staff", _("Cán bộ BHXH huyện")
    GRASSROOTS_STAFF = "grassroots_staff", _("Cán bộ BHXH cơ sở")
    MANAGER = "manager", _("Lãnh đạo")
    # A collection service organisation's own reporter (outreach.OrgReporter names which one):
    # enters its figures for the communes where it has a collection point.
    ORG_REPORTER = "org_reporter", _("Cán bộ tổ chức dịch vụ thu")


class GrassrootsOffice(models.Model):
    """A grassroots office (BHXH cơ sở) of a province of today's map, serving a group of its
    communes. An organisational unit, not an administrative level: a commune no office serves is
    served by the provincial office itself."""

    province = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        related_name="grassroots_offices",
        verbose_name=_("tỉnh/thành phố"),
    )
    code = models.CharField(_("mã"), max_length=10)
    name = models.CharField(_("tên"), max_length=100)

    class Meta:
        verbose_name = _("BHXH cơ sở")
        verbose_name_plural = _("BHXH cơ sở")
        ordering = ["province", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["province", "code"],
                name="office_unique_code_in_province",
                violation_error_message=_("Mã BHXH cơ sở đã có trong tỉnh này."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def url_code(self) -> str:
        """An office in a URL: "o" and its id (offices have no official code)."""
        return f"o{self.pk}"


class OfficeCommune(models.Model):
    """A commune of today's map served by a grassroots office; a commune by one office at most."""

    office = models.ForeignKey(
        GrassrootsOffice, on_delete=models.CASCADE, related_name="memberships"
    )
    commune = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="office_memberships")

    class Meta:
        verbose_name = _("xã do BHXH cơ sở phục vụ")
        verbose_name_plural = _("xã do BHXH cơ sở phục vụ")
        constraints = [
            models.UniqueConstraint(
                fields=["commune"],
                name="office_commune_one_office",
                violation_error_message=_("Xã đã thuộc một BHXH cơ sở khác."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.office} — {self.commune}"


class Profile(models.Model):
    """A user's role and the unit it applies to (the nation for national viewers).

    Grassroots staff also name their office; their unit is the office's province, so they read
    the province as its other staff do.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    role = models.CharField(_("vai trò"), max_length=20, choices=Role.choices)
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("đơn vị")
    )
    office = models.ForeignKey(
        GrassrootsOffice,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("BHXH cơ sở"),
    )

    class Meta:
        verbose_name = _("phân quyền")
        verbose_name_plural = _("phân quyền")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="profile_role_valid"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(role=Role.GRASSROOTS_STAFF, office__isnull=False)
                    | (~models.Q(role=Role.GRASSROOTS_STAFF) & models.Q(office__isnull=True))
                ),
                name="profile_office_iff_grassroots",
                violation_error_message=_(
                    "Cán bộ BHXH cơ sở phải gắn với một BHXH cơ sở; vai trò khác thì không."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.unit}"

    def clean(self) -> None:
        """Grassroots staff read their office's province: admin keeps the two in step."""
        from django.core.exceptions import ValidationError

        if self.office is not None and self.unit_id != self.office.province_id:
            raise ValidationError(
                {"unit": _("Đơn vị của cán bộ BHXH cơ sở là tỉnh của BHXH cơ sở đó.")}
            )
