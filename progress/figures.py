"""The figures of the progress table: their names and their definitions.

How the figures are defined (one row per unit, year and month 1..12):

- Rows exist for a province-year when at least one of its communes reported in that year; then
  every unit of the province (province, districts, communes) gets every month of the year it is
  in force at the month's cut-off (all twelve, except in 2025: the old map's units January to
  June, today's July to December), and a month nobody in the unit reported has
  ``participants`` NULL and ``communes_reported`` 0. The nation
  gets twelve rows for every year in which any province has rows.
- participants: the sum over the unit's communes that reported that month; in a month being
  reported (some communes of the province reported it, not all: "số ước", as BHXH reports a
  month in progress) each commune still in force that has not reported yet adds its figure of
  the nearest month it reported in the ESTIMATE_MONTHS (3) before, so the headline and every
  figure computed on it (completion, gap, pace, comparisons) compare like with like.
  participants_reported is the sum of what was reported (NULL when nothing was) and
  communes_estimated how many communes were carried so; a month nobody in the province has
  reported is not estimated. Last year's months are estimated the same way for the comparisons.
- new_in_month: the sum over the communes that reported that month (never estimated);
  communes_reported / communes_total is the reporting rate shown beside it.
- change_vs_prev_month: participants minus the unit's participants the month before (December of
  the previous year for January); change_vs_prev_year_end: minus December of the previous year;
  same_month_last_year, change_yoy, change_yoy_pct (2 decimals): against the same month a year
  earlier. NULL whenever one side is unknown.
- target / target_new: the unit's own Target (participants / new). children_target(_new): what
  the targets of its direct children add up to (NULL when none has one), stored beside the own
  target whether or not that exists, so a page can say "no target; districts add up to N".
- completion_pct = participants / target, completion_new_pct = new_ytd / target_new, both in %,
  rounded half away from zero to 2 decimals; only against the unit's own target.
- gap = max(target - participants, 0), over_target = max(participants - target, 0): one of them
  is always 0, and participants + gap - over_target = target.
- deadline_month: from the unit's participants target, else the nearest ancestor's (district,
  province, nation), else 12. A target whose deadline was left blank (NULL) has none of its
  own: a Bắc Giang district without one takes the province's October, and moves with it; a
  new-participants target's deadline is not read. months_left = max(deadline - month, 0): at
  the end of May with an October deadline, June..October = 5.
- required_pace = ceil(gap / months_left): an officer needs a figure that, met every month,
  reaches the target (8,005 over 5 months is 1,601 exactly; 8,006 would need 1,602). 0 when the
  gap is 0; NULL once the deadline month is reached with a gap left (no month remains).
- projected_year_end: the least-squares trend line through the unit's known participants from
  December of the previous year to this month, continued from this month's figure to December:
  round(participants + slope * (12 - month)). NULL with fewer than two known points.
- new_ytd: the sum of new_in_month from January to this month; NULL for a month the unit has
  not reported (a page should not show January..May's sum as June's).

- labour_force: the unit's working-age labour force of the year (coverage.LabourForce); a
  province of today's map without its own figure takes the sum of the old provinces it took
  over when every one of them has one (labour_force_summed). The nation: its own figure, else
  the sum of its provinces' rows of the month when every one has a figure (summed). NULL: not
  known, and every coverage figure is NULL. labour_force_last_year: the same for last year.
- coverage_pct = participants / labour_force in %, rounded half away from zero to 2 decimals;
  coverage_change_pp = coverage_pct minus last year's (same_month_last_year /
  labour_force_last_year, rounded the same way), in percentage points.
- coverage_target_pct: the unit's own CoverageTarget of the year (%);
  coverage_target_participants = ceil(labour_force * coverage_target_pct / 100), the people the
  target means; coverage_completion_pct = participants / coverage_target_participants in % (2
  decimals), coverage_gap = max(coverage_target_participants - participants, 0).

Nation rows are the sum of the provinces' rows of the same year and month (recomputed set-wise
after every province recompute), then derived with the same rules: its December of last year is
the sum of the provinces' same_month_last_year of December, so a province with no count yet this
year is not in the nation's comparisons; communes_total counts every commune of the map in force at
the month's cut-off (10,051 communes up to June 2025, 3,321 since July 2025).
The nation's own target (a Target on the nation unit) is optional; children_target sums the
provinces' targets. A province recompute also recomputes the next year when that has counts,
since its comparisons read this year's.

Two engines compute these rules and are checked against each other: progress/sql_engine.py
(PostgreSQL, set-wise) and progress/python_engine.py (the pure-Python twin, for SQLite and as
the tests' oracle).
"""

MONTHS = range(1, 13)
# How far back a commune that has not reported a month yet carries its last figure (số ước).
ESTIMATE_MONTHS = 3

FIGURES = [
    "participants",
    "change_vs_prev_month",
    "change_vs_prev_year_end",
    "same_month_last_year",
    "change_yoy",
    "change_yoy_pct",
    "target",
    "children_target",
    "completion_pct",
    "gap",
    "over_target",
    "new_in_month",
    "new_ytd",
    "target_new",
    "children_target_new",
    "completion_new_pct",
    "deadline_month",
    "months_left",
    "required_pace",
    "projected_year_end",
    "communes_reported",
    "communes_total",
    "participants_reported",
    "communes_estimated",
    "labour_force",
    "labour_force_summed",
    "labour_force_last_year",
    "coverage_pct",
    "coverage_change_pp",
    "coverage_target_pct",
    "coverage_target_participants",
    "coverage_completion_pct",
    "coverage_gap",
]
ROW_FIELDS = ["level", "parent_id", *FIGURES]
