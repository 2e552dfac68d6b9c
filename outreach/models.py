"""Outreach and collection channels: who brings the new participants in.

Collection service organisations (tổ chức dịch vụ thu: the post office, Viettel, the Women's
Union, the Farmers' Association, commune People's Committees, and BHXH itself) work through
collection points in communes and collection staff. Each month a commune's new participants are
split by the organisation that brought them (ChannelCount), adding up to at most the commune's
new participants of that month (the rest is "chưa phân bổ", not attributed). Outreach events
(conferences, dialogues, door-to-door campaigns) are recorded with their attendees and sign-ups.
ChannelFigure holds the figures derived from them, set-wise, with the progress recompute.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from provinces.models import Unit
from targets.models import ChangeRecord, YearRecord, YearValue

MONTH_RANGE = Q(month__gte=1, month__lte=12)


class OrgKind(models.TextChoices):
    POST_OFFICE = "post_office", _("Bưu điện")
    VIETTEL = "viettel", _("Viettel")
    WOMENS_UNION = "womens_union", _("Hội Liên hiệp Phụ nữ")
    FARMERS = "farmers", _("Hội Nông dân")
    COMMUNE_COMMITTEE = "commune_committee", _("UBND xã")
    BHXH = "bhxh", _("BHXH trực tiếp thu")


class CollectionOrg(models.Model):
    """A collection service organisation in a province (or BHXH itself, collecting directly).

    Its province may be one of today's map: it then also works in the old provinces that province
    took over (their history is its history)."""

    province = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="collection_orgs", verbose_name=_("tỉnh")
    )
    kind = models.CharField(_("loại tổ chức"), max_length=20, choices=OrgKind.choices)
    name = models.CharField(_("tên"), max_length=120)

    class Meta:
        verbose_name = _("tổ chức dịch vụ thu")
        verbose_name_plural = _("tổ chức dịch vụ thu")
        ordering = ["province", "kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["province", "name"],
                name="collection_org_unique_name",
                violation_error_message=_("Tỉnh đã có tổ chức dịch vụ thu tên này."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=OrgKind.values), name="collection_org_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def url_code(self) -> str:
        """An organisation in a URL: "g" and its id (its entry grid)."""
        return f"g{self.pk}"


class CollectionPoint(models.Model):
    """A collection point of an organisation in a commune, open from a day (until a day)."""

    org = models.ForeignKey(
        CollectionOrg, on_delete=models.CASCADE, related_name="points", verbose_name=_("tổ chức")
    )
    commune = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="collection_points", verbose_name=_("xã")
    )
    name = models.CharField(_("tên điểm thu"), max_length=120)
    active_from = models.DateField(_("hoạt động từ"))
    active_until = models.DateField(_("hoạt động đến"), null=True, blank=True)

    class Meta:
        verbose_name = _("điểm thu")
        verbose_name_plural = _("điểm thu")
        ordering = ["org", "commune", "active_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(active_until__isnull=True) | Q(active_until__gte=F("active_from")),
                name="collection_point_dates_in_order",
                violation_error_message=_("Ngày kết thúc phải sau ngày bắt đầu hoạt động."),
            ),
        ]
        indexes = [models.Index(fields=["commune", "org"], name="point_commune_org")]

    def __str__(self) -> str:
        return f"{self.name} ({self.org})"


class CollectionStaff(models.Model):
    """A collection staff member (nhân viên thu) of an organisation, at a point or roaming."""

    org = models.ForeignKey(
        CollectionOrg, on_delete=models.CASCADE, related_name="staff", verbose_name=_("tổ chức")
    )
    code = models.CharField(_("mã nhân viên"), max_length=20)
    name = models.CharField(_("họ tên"), max_length=120)
    point = models.ForeignKey(
        CollectionPoint,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("điểm thu"),
    )

    class Meta:
        verbose_name = _("nhân viên thu")
        verbose_name_plural = _("nhân viên thu")
        ordering = ["org", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "code"],
                name="collection_staff_unique_code",
                violation_error_message=_("Tổ chức đã có nhân viên thu mã này."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class OrgReporter(models.Model):
    """A user who reports an organisation's own figures (role "Cán bộ tổ chức dịch vụ thu"):
    for the communes where it has a point only."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="org_reporter"
    )
    org = models.ForeignKey(CollectionOrg, on_delete=models.CASCADE, related_name="reporters")

    class Meta:
        verbose_name = _("người báo cáo của tổ chức dịch vụ thu")
        verbose_name_plural = _("người báo cáo của tổ chức dịch vụ thu")

    def __str__(self) -> str:
        return f"{self.user} — {self.org}"


class ChannelCount(models.Model):
    """New participants of one commune in one month brought by one organisation."""

    commune = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="channel_counts")
    org = models.ForeignKey(CollectionOrg, on_delete=models.PROTECT, related_name="counts")
    year = models.PositiveSmallIntegerField(_("năm"))
    month = models.PositiveSmallIntegerField(_("tháng"))
    new_participants = models.PositiveIntegerField(_("phát triển mới"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("phát triển mới theo kênh")
        verbose_name_plural = _("phát triển mới theo kênh")
        constraints = [
            models.UniqueConstraint(
                fields=["commune", "year", "month", "org"],
                name="channel_count_one_per_commune_month_org",
                violation_error_message=_("Xã đã có số liệu của tổ chức này cho tháng này."),
            ),
            models.CheckConstraint(
                condition=MONTH_RANGE,
                name="channel_count_month_range",
                violation_error_message=_("Tháng phải từ 1 đến 12."),
            ),
        ]
        indexes = [
            models.Index(fields=["year", "month"], name="channel_count_period"),
            # The channel figures' recompute (outreach/figures.py) reads a year's rows in
            # commune order from the index alone: joined to the communes and summed per commune
            # and month without hashing or sorting them.
            models.Index(
                fields=["year", "commune", "month"],
                include=["org", "new_participants"],
                name="channel_count_year_commune",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.commune} {self.month:02d}/{self.year} {self.org}: {self.new_participants}"


class StaffCount(models.Model):
    """New participants one collection staff member brought in one month."""

    staff = models.ForeignKey(CollectionStaff, on_delete=models.CASCADE, related_name="counts")
    year = models.PositiveSmallIntegerField(_("năm"))
    month = models.PositiveSmallIntegerField(_("tháng"))
    new_participants = models.PositiveIntegerField(_("phát triển mới"))

    class Meta:
        verbose_name = _("phát triển mới theo nhân viên thu")
        verbose_name_plural = _("phát triển mới theo nhân viên thu")
        constraints = [
            models.UniqueConstraint(
                fields=["staff", "year", "month"], name="staff_count_one_per_month"
            ),
            models.CheckConstraint(condition=MONTH_RANGE, name="staff_count_month_range"),
        ]

    def __str__(self) -> str:
        return f"{self.staff} {self.month:02d}/{self.year}: {self.new_participants}"


class ChannelChange(ChangeRecord):
    """Audit history of the channel split: every change, who made it and when."""

    commune = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="channel_changes")
    org = models.ForeignKey(CollectionOrg, on_delete=models.PROTECT, related_name="changes")
    year = models.PositiveSmallIntegerField(_("năm"))
    month = models.PositiveSmallIntegerField(_("tháng"))

    class Meta(ChangeRecord.Meta):
        verbose_name = _("lịch sử phân bổ kênh")
        verbose_name_plural = _("lịch sử phân bổ kênh")

    def __str__(self) -> str:
        return f"{self.commune} {self.org}: {self.old_value} -> {self.new_value}"


class EventKind(models.TextChoices):
    CONFERENCE = "conference", _("Hội nghị tuyên truyền")
    CUSTOMER_CONFERENCE = "customer", _("Hội nghị khách hàng")
    DIALOGUE = "dialogue", _("Đối thoại")
    DOOR_TO_DOOR = "door_to_door", _("Tuyên truyền tận nhà")


class OutreachEvent(models.Model):
    """An outreach event held in a commune: who organised it, how many came and signed up."""

    commune = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="outreach_events")
    organiser = models.ForeignKey(
        CollectionOrg,
        on_delete=models.PROTECT,
        related_name="events",
        verbose_name=_("đơn vị tổ chức"),
    )
    kind = models.CharField(_("hình thức"), max_length=16, choices=EventKind.choices)
    held_on = models.DateField(_("ngày tổ chức"))
    attendees = models.PositiveIntegerField(_("số người dự"))
    sign_ups = models.PositiveIntegerField(_("số người đăng ký tại chỗ"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("hội nghị, sự kiện tuyên truyền")
        verbose_name_plural = _("hội nghị, sự kiện tuyên truyền")
        ordering = ["-held_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(sign_ups__lte=F("attendees")),
                name="event_sign_ups_within_attendees",
                violation_error_message=_("Số người đăng ký không thể lớn hơn số người dự."),
            ),
            models.CheckConstraint(condition=Q(kind__in=EventKind.values), name="event_kind_valid"),
        ]
        indexes = [models.Index(fields=["commune", "held_on"], name="event_commune_day")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.commune} {self.held_on:%d/%m/%Y}"


class EventPlan(YearRecord):
    """A province's yearly plan of outreach events: how many, and how many prospects to reach;
    an organisation's own share of it, or (no organisation) the part not given to any. The
    unit's plan is all its rows added up."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="event_plans")
    org = models.ForeignKey(
        CollectionOrg,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="event_plans",
        verbose_name=_("tổ chức"),
    )
    events = models.PositiveIntegerField(_("số hội nghị kế hoạch"))
    prospects = models.PositiveIntegerField(_("số người cần tiếp cận"), default=0)

    class Meta:
        verbose_name = _("kế hoạch hội nghị")
        verbose_name_plural = _("kế hoạch hội nghị")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "org"],
                name="event_plan_one_per_unit_year_org",
                nulls_distinct=False,
                violation_error_message=_("Đơn vị đã có kế hoạch hội nghị cho năm này."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.year} {self.org or '-'}: {self.events}"


class ChannelTarget(YearValue):
    """A yearly target of new participants for an organisation in a province or a commune."""

    org = models.ForeignKey(CollectionOrg, on_delete=models.PROTECT, related_name="targets")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="channel_targets")

    class Meta:
        verbose_name = _("chỉ tiêu kênh thu")
        verbose_name_plural = _("chỉ tiêu kênh thu")
        constraints = [
            models.UniqueConstraint(
                fields=["org", "unit", "year"],
                name="channel_target_one_per_org_unit_year",
                violation_error_message=_("Tổ chức đã có chỉ tiêu ở đơn vị này cho năm này."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.org} {self.unit} {self.year}: {self.value}"


class StaffTarget(YearValue):
    """A yearly target of new participants for one collection staff member."""

    staff = models.ForeignKey(CollectionStaff, on_delete=models.CASCADE, related_name="targets")

    class Meta:
        verbose_name = _("chỉ tiêu nhân viên thu")
        verbose_name_plural = _("chỉ tiêu nhân viên thu")
        constraints = [
            models.UniqueConstraint(fields=["staff", "year"], name="staff_target_one_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.staff} {self.year}: {self.value}"


class TargetField(models.TextChoices):
    CHANNEL_TARGET = "channel_target", _("Chỉ tiêu phát triển mới của tổ chức")
    STAFF_TARGET = "staff_target", _("Chỉ tiêu của nhân viên thu")
    PLAN_EVENTS = "plan_events", _("Số hội nghị kế hoạch")
    PLAN_PROSPECTS = "plan_prospects", _("Số người cần tiếp cận")


class TargetChange(ChangeRecord):
    """Audit history of the channel targets, staff targets and event plans, as targets.ChangeLog
    is of the units' targets: every change, who made it and when."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    org = models.ForeignKey(
        CollectionOrg, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    staff = models.ForeignKey(
        CollectionStaff, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("năm"))
    field = models.CharField(_("trường"), max_length=16, choices=TargetField.choices)

    class Meta(ChangeRecord.Meta):
        verbose_name = _("lịch sử chỉ tiêu kênh thu")
        verbose_name_plural = _("lịch sử chỉ tiêu kênh thu")

    def __str__(self) -> str:
        return f"{self.unit} {self.field}: {self.old_value} -> {self.new_value}"


class ChannelFigure(models.Model):
    """The channel figures of one unit (any level, either map), month and organisation.

    Written set-wise by outreach/figures.py with the progress recompute (see its docstring for
    the definitions). `org` NULL is the part not attributed to any organisation ("chưa phân
    bổ"), so a unit's rows add up to its new participants of the month. No database foreign
    keys, as on progress.Progress: a derived table written in bulk.
    """

    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    level = models.PositiveSmallIntegerField()
    parent = models.ForeignKey(
        Unit,
        on_delete=models.CASCADE,
        null=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    # The unit's province (NULL for the nation): a province's recompute replaces its rows.
    province = models.ForeignKey(
        Unit,
        on_delete=models.CASCADE,
        null=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    year = models.PositiveSmallIntegerField()
    month = models.PositiveSmallIntegerField()
    org = models.ForeignKey(
        CollectionOrg,
        on_delete=models.CASCADE,
        null=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    # A unit of today's map's months before 01/07/2025, carried from the old communes it took over.
    carried = models.BooleanField(default=False)
    new_in_month = models.IntegerField()
    new_ytd = models.IntegerField()
    target = models.IntegerField(null=True)  # the organisation's own target at this unit
    completion_pct = models.DecimalField(max_digits=9, decimal_places=2, null=True)
    gap = models.IntegerField(null=True)
    required_pace = models.IntegerField(null=True)
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("số liệu theo kênh")
        verbose_name_plural = _("số liệu theo kênh")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "month", "org"],
                name="channel_figure_one_per_unit_month_org",
                nulls_distinct=False,
            ),
        ]
        indexes = [
            models.Index(fields=["province", "year"], name="channel_figure_province_year"),
            models.Index(fields=["level", "year"], name="channel_figure_level_year"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.month:02d}/{self.year} {self.org or '-'}: {self.new_in_month}"
