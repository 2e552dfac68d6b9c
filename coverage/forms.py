"""Reading the coverage grid's POST: one entry per unit the user may write whose cells came."""

from __future__ import annotations

from django.http import QueryDict

from coverage.models import LabourForceSource
from coverage.services import CoverageEntry


def coverage_grid_entries(post: QueryDict, unit_ids: list[int]) -> list[CoverageEntry]:
    """A unit whose cells were not posted is left as it is (blank cells remove a figure)."""
    return [
        CoverageEntry(
            unit_id=uid,
            labour_force=post.get(f"lf-{uid}", ""),
            source=post.get(f"src-{uid}") or LabourForceSource.SURVEY,
            coverage_target=post.get(f"ct-{uid}", ""),
        )
        for uid in unit_ids
        if f"lf-{uid}" in post or f"ct-{uid}" in post
    ]
