"""What each figure means, in one line: the words of DOMAIN.md's table, in both languages.

Page labels link to the definitions page (reports:definitions, an anchor per figure) and carry
the line as a tooltip; the PDF's notes list the lines of the figures it shows.
"""

from __future__ import annotations

from typing import NamedTuple

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Definition(NamedTuple):
    slug: str
    term: Promise
    text: Promise


DEFINITIONS: tuple[Definition, ...] = (
    Definition(
        "participants",
        _("Số người tham gia (cuối kỳ)"),
        _(
            "Số người đang đóng BHXH tự nguyện tại ngày chốt số liệu của kỳ; có thể giảm khi người "
            "tham gia ngừng đóng, thường vào đầu năm."
        ),
    ),
    Definition(
        "estimate",
        _("Số ước (ước tính)"),
        _(
            "Số của tháng đang báo cáo: số các xã đã báo cáo cộng số gần nhất (trong 3 tháng "
            "trước) của mỗi xã chưa báo cáo; luôn được ghi rõ là ước tính."
        ),
    ),
    Definition(
        "new",
        _("Phát triển mới"),
        _("Số người đăng ký mới trong kỳ; “lũy kế” là cộng dồn từ tháng 1."),
    ),
    Definition(
        "target",
        _("Kế hoạch, chỉ tiêu giao"),
        _(
            "Chỉ tiêu giao cho năm: số người tham gia cuối năm, hoặc số người phát triển mới "
            "trong năm."
        ),
    ),
    Definition(
        "completion",
        _("Tỷ lệ hoàn thành (% kế hoạch)"),
        _(
            "Số người tham gia chia cho kế hoạch, hoặc số phát triển mới lũy kế chia cho kế "
            "hoạch phát triển mới."
        ),
    ),
    Definition(
        "gap",
        _("Còn phải phát triển"),
        _("Kế hoạch trừ số người tham gia; không bao giờ âm: vượt kế hoạch được ghi là vượt."),
    ),
    Definition(
        "vs-month",
        _("So với tháng trước"),
        _("Số người tham gia trừ số của tháng trước."),
    ),
    Definition(
        "vs-year-end",
        _("So với cuối năm trước"),
        _("Số người tham gia trừ số của tháng 12 năm trước."),
    ),
    Definition(
        "yoy",
        _("So với cùng kỳ"),
        _("So với cùng tháng năm trước, bằng số người và bằng %."),
    ),
    Definition(
        "pace",
        _("Tiến độ cần đạt"),
        _(
            "Số còn phải phát triển chia cho số tháng còn lại đến tháng hoàn thành (của đơn vị, "
            "nếu không thì của cấp trên gần nhất)."
        ),
    ),
    Definition(
        "reporting",
        _("Tỷ lệ xã đã báo cáo"),
        _("Số xã đã báo cáo số liệu của tháng chia cho số xã của đơn vị."),
    ),
    # coverage
    Definition(
        "coverage",
        _("Tỷ lệ bao phủ"),
        _(
            "Số người tham gia BHXH tự nguyện chia cho lực lượng lao động trong độ tuổi của đơn "
            "vị trong năm (điều tra lao động việc làm hoặc số của tỉnh); tỉnh mới chưa có số "
            "riêng được cộng từ các tỉnh cũ. Không có số lao động thì ghi “chưa có số lao động”."
        ),
    ),
    Definition(
        "coverage-change",
        _("Tỷ lệ bao phủ so với cùng kỳ"),
        _(
            "Tỷ lệ bao phủ trừ tỷ lệ bao phủ cùng tháng năm trước (theo số lao động năm "
            "trước), tính bằng điểm phần trăm."
        ),
    ),
    Definition(
        "coverage-target",
        _("Mục tiêu bao phủ"),
        _(
            "Tỷ lệ bao phủ đơn vị phải đạt trong năm (% lực lượng lao động, ví dụ 2,5% năm "
            "2025 hay mục tiêu năm 2030 của Nghị quyết 403/NQ-CP); quy ra số người bằng cách "
            "nhân với số lao động, làm tròn lên."
        ),
    ),
    Definition(
        "coverage-gap",
        _("Còn thiếu để đạt mục tiêu bao phủ"),
        _("Số người mục tiêu bao phủ cần trừ số người tham gia; không bao giờ âm."),
    ),
)

BY_SLUG = {d.slug: d for d in DEFINITIONS}
