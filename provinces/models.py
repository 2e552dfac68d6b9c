"""The administrative tree: nation > province > district > commune, with official codes."""

from collections.abc import Collection
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


class UnitQuerySet(models.QuerySet["Unit"]):
    def provinces(self) -> Self:
        return self.filter(level=Level.PROVINCE)

    def districts(self) -> Self:
        return self.filter(level=Level.DISTRICT)

    def communes(self) -> Self:
        return self.filter(level=Level.COMMUNE)

    def within(self, unit: "Unit") -> Self:
        """The unit and every unit below it, in one indexed filter."""
        if unit.level == Level.NATION:
            return self.all()
        if unit.level == Level.PROVINCE:
            return self.filter(province_id=unit.pk)
        if unit.level == Level.DISTRICT:
            return self.filter(district_id=unit.pk)
        return self.filter(pk=unit.pk)

    def search(self, text: str) -> Self:
        """Match names typed with or without diacritics ("bac giang" finds "Bắc Giang")."""
        from provinces.search import search_key

        return self.filter(search_key__contains=search_key(text))


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
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    province = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    district = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("đơn vị hành chính")
        verbose_name_plural = _("đơn vị hành chính")
        ordering = ["level", "code"]
        constraints = [
            models.UniqueConstraint(fields=["level", "code"], name="unit_unique_level_code"),
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
    def is_commune(self) -> bool:
        return self.level == Level.COMMUNE

    @property
    def child_level(self) -> int | None:
        return self.level + 1 if self.level < Level.COMMUNE else None

    @property
    def url_code(self) -> str:
        """Codes repeat across levels ("01" is a province, "001" a district): the URL says which."""
        if self.level == Level.NATION:
            return "vn"
        return {1: "p", 2: "d", 3: "c"}[self.level] + self.code


class Role(models.TextChoices):
    NATIONAL_VIEWER = "national", _("Xem toàn quốc")
    PROVINCIAL_OFFICER = "province_officer", _("Cán bộ BHXH tỉnh")
    DISTRICT_STAFF = "district_staff", _("Cán bộ BHXH huyện")
    MANAGER = "manager", _("Lãnh đạo")


class Profile(models.Model):
    """A user's role and the unit it applies to (the nation for national viewers)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    role = models.CharField(_("vai trò"), max_length=20, choices=Role.choices)
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("đơn vị")
    )

    class Meta:
        verbose_name = _("phân quyền")
        verbose_name_plural = _("phân quyền")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="profile_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.unit}"
