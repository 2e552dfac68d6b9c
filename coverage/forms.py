"""Reading the coverage grid's POST: one entry per unit the user may write."""

from __future__ import annotations

from django.http import QueryDict

from coverage.services import CoverageEntry


def coverage_grid_entries(post: QueryDict, unit_ids: list[int]) -> list[CoverageEntry]:
    return [
        CoverageEntry(
            unit_id=uid,
            labour_force=post.get(f"lf-{uid}", ""),
            source=post.get(f"src-{uid}", ""),
            coverage_target=post.get(f"ct-{uid}", ""),
        )
        for uid in unit_ids
    ]
