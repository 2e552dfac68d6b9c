import pytest

from provinces.access import (
    can_enter_counts,
    can_reopen_month,
    can_set_targets,
    can_view,
    get_visible_unit_or_404,
)


@pytest.mark.django_db
def test_each_role_reads_exactly_its_subtree(demo):
    commune = demo.luc_nam.children.first()
    assert can_view(demo.national, demo.lang_son)
    assert can_view(demo.officer, commune) and not can_view(demo.officer, demo.lang_son)
    assert can_view(demo.clerk, commune) and not can_view(demo.clerk, demo.another_district)
    assert not can_view(demo.clerk, demo.bac_giang)
    assert can_view(demo.manager, demo.bac_giang) and not can_view(demo.manager, demo.nation)
    assert not can_view(demo.nobody, demo.bac_giang)


@pytest.mark.django_db
def test_only_the_districts_own_staff_enter_its_counts(demo):
    assert can_enter_counts(demo.clerk, demo.luc_nam)
    assert not can_enter_counts(demo.neighbour_clerk, demo.luc_nam)
    assert not can_enter_counts(demo.officer, demo.luc_nam)
    assert not can_enter_counts(demo.national, demo.luc_nam)


@pytest.mark.django_db
def test_officers_set_targets_below_their_province_and_reopen_its_months(demo):
    assert can_set_targets(demo.officer, demo.luc_nam)
    assert not can_set_targets(demo.officer, demo.bac_giang)
    assert not can_set_targets(demo.other_officer, demo.luc_nam)
    assert not can_set_targets(demo.clerk, demo.luc_nam)
    assert can_reopen_month(demo.officer, demo.bac_giang)
    assert not can_reopen_month(demo.other_officer, demo.bac_giang)
    assert not can_reopen_month(demo.manager, demo.bac_giang)


@pytest.mark.django_db
def test_a_unit_outside_the_scope_is_not_found(demo):
    from django.http import Http404

    assert get_visible_unit_or_404(demo.officer, "p24") == demo.bac_giang
    with pytest.raises(Http404):
        get_visible_unit_or_404(demo.officer, "p20")
    with pytest.raises(Http404):
        get_visible_unit_or_404(demo.officer, "x24")
