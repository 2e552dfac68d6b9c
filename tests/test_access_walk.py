"""Walks every URL pattern of the project, for every role and for an anonymous user, with units
inside and outside each user's scope, and fails on any response that shows data out of scope.

New URLs are covered automatically: the walk reads the URL resolver, fills each parameter from a
table of values (unit codes in and out of scope, years, months, object ids), and adds query strings
that name out-of-scope units. A parameter name the table does not know fails the test, so a new
kind of URL cannot silently escape the walk.
"""

import contextlib
import datetime as dt
import io
import json
import re
import subprocess
import tempfile
from dataclasses import dataclass, field

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from targets.models import MonthlyCount

# Participants planted in one commune of Lạng Sơn and one of another Bắc Giang district.
LANG_SON_CANARY = 987_654
OTHER_DISTRICT_CANARY = 765_432
# Coverage: a working-age labour force planted in Lạng Sơn (coverage pages, card, PDF, API).
LANG_SON_LABOUR_CANARY = 8_765_432

PUBLIC_URLS = {"login", "admin:login", "healthz", "set_language", "api:schema"}
# Forgotten password: asked for, and the emailed link followed, before signing in.
PUBLIC_URLS |= {
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
}


def routes(patterns=None, prefix="", namespace=""):
    """(route with <converter:name> placeholders, full URL name) for every pattern."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}{pattern.namespace}:"
            yield from routes(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), namespace + (pattern.name or "")


def number_forms(value: int) -> list[str]:
    return [str(value), f"{value:,}", f"{value:,}".replace(",", ".")]


def body_text(response) -> str:
    """What a person would read in the response, whatever its format."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    kind = response.get("Content-Type", "")
    if "pdf" in kind:
        with tempfile.NamedTemporaryFile(suffix=".pdf") as pdf:
            pdf.write(content)
            pdf.flush()
            return subprocess.run(
                ["pdftotext", pdf.name, "-"], capture_output=True, text=True, check=False
            ).stdout
    if "spreadsheet" in kind or content[:2] == b"PK":
        import openpyxl

        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
        return "\n".join(
            " ".join("" if v is None else str(v) for v in row)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
        )
    text = content.decode("utf-8-sig", errors="replace")
    if "json" in kind:
        with contextlib.suppress(ValueError):
            text = json.dumps(json.loads(text), ensure_ascii=False)
    return text


@dataclass
class World:
    codes: list[str]
    ids: list[str]
    canaries: dict[str, list[str]] = field(default_factory=dict)


def plant_canaries(demo) -> World:
    lang_son_commune = demo.lang_son_district.children.order_by("code").first()
    other_commune = demo.another_district.children.order_by("code").first()
    own_commune = demo.luc_nam.children.order_by("code").first()
    for commune, value in (
        (lang_son_commune, LANG_SON_CANARY),
        (other_commune, OTHER_DISTRICT_CANARY),
    ):
        MonthlyCount.objects.update_or_create(
            commune=commune,
            year=2023,
            month=5,
            defaults={"participants": value, "new_participants": 0},
        )
    # outreach (issue 17): an event in the Lạng Sơn commune with the canary's attendees, and the
    # organisations' entry grids ("g<id>") of both provinces among the codes walked.
    from outreach.tests.conftest import plant_outreach_canary

    org_codes = plant_outreach_canary(demo, lang_son_commune, LANG_SON_CANARY)
    from coverage.models import LabourForce

    LabourForce.objects.update_or_create(
        unit=demo.lang_son,
        year=2023,
        defaults={
            "value": LANG_SON_LABOUR_CANARY,
            "source": "survey",
            "entered_at": dt.datetime(2023, 1, 2, tzinfo=dt.UTC),
        },
    )
    try:
        from progress.services import recompute_all

        recompute_all(year=2023)
    except NotImplementedError:
        pass
    bac_giang_districts = [
        d.name
        for d in demo.bac_giang.children.exclude(pk=demo.luc_nam.pk)
        if len(d.name) >= 5 and d.name != "Bắc Giang"
    ]
    own_names = " ".join(demo.luc_nam.children.values_list("name", flat=True))
    other_districts = [n for n in bac_giang_districts if n not in own_names]
    outside_bac_giang = [
        "Lạng Sơn",
        *number_forms(LANG_SON_CANARY),
        *number_forms(LANG_SON_LABOUR_CANARY),
    ]
    outside_luc_nam = [*other_districts, *number_forms(OTHER_DISTRICT_CANARY)]
    outside_lang_son = ["Bắc Giang", "Lục Nam"]
    return World(
        codes=[
            "vn",
            "p24",
            "d218",
            f"c{own_commune.code}",
            "d213",
            f"c{other_commune.code}",
            "p20",
            f"d{demo.lang_son_district.code}",
            f"c{lang_son_commune.code}",
            *org_codes,
        ],
        ids=[str(lang_son_commune.pk), str(other_commune.pk)],
        canaries={
            "officer": outside_bac_giang,
            "manager": outside_bac_giang,
            "clerk": outside_bac_giang + outside_luc_nam,
            "other_officer": outside_lang_son,
            "other_clerk": outside_lang_son,
            "nobody": outside_bac_giang + outside_lang_son,
            "anonymous": outside_bac_giang + outside_lang_son,
            "national": [],
        },
    )


PARAM = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")
VALUES = {
    "code": "codes",
    "unit": "codes",
    "url_code": "codes",
    "year": ["2023"],
    "month": ["5"],
    "pk": "ids",
    "id": "ids",
    "object_id": "ids",
    "content_type_id": ["1"],
    "token": ["0" * 40],
    "uidb64": ["MQ"],
    "export_id": "ids",
    "job_id": "ids",
}


# Query strings that turn a page into the file it offers, so the walk reads the file's figures
# too: the counts files of every entry grid (a district, an office, a province's own communes),
# for the canaries' months of both maps.
FILE_QUERIES = {
    "targets:counts_template": ["?thang=2023-05&dinh_dang=xlsx", "?thang=2026-10"],
    "targets:counts_export": ["?loai=so-lieu&tu_nam=2023&den_nam=2026&dinh_dang=xlsx"],
    # the channel split's template of an entry grid or an organisation, in the canaries' month
    "outreach:channels_template": ["?thang=2023-05&dinh_dang=xlsx", "?thang=2023-05"],
    # searches and maps: names typed loosely for units in and out of each scope, and the
    # canaries' month (their figures are in the maps' hover texts and tables)
    "reports:search": ["?q=lang son", "?q=langson", "?q=huyen luc nam", "?q=tp bac giang"],
    "reports:search_suggest": ["?q=lang son", "?q=langson", "?q=luc nam", "?q=tp bac giang"],
    "reports:map": ["?year=2023&month=5"],
}


def _fill(route: str, filling: dict[str, str]) -> str:
    """The route with each <param> replaced by its value in `filling`."""
    return PARAM.sub(lambda m: filling[m.group("name")], route)


def concrete_urls(world: World):
    """Every route with each parameter filled in every listed way, plus a hostile query string."""
    urls = []
    known = {name for _route, name in routes()}
    assert set(FILE_QUERIES) <= known, f"FILE_QUERIES names no URL: {set(FILE_QUERIES) - known}"
    for route, name in routes():
        if route.startswith("admin/") and ("^" in route or "(?P<" in route):
            continue  # admin's regex app_list and catch-all: staff only, covered by admin:index
        if route.startswith("^") or "(?P<" in route:
            pytest.fail(f"regex URL {route!r} ({name}) is not walked: add it to the walk")
        names = [m.group("name") for m in PARAM.finditer(route)]
        unknown = [n for n in names if n not in VALUES]
        assert not unknown, f"the access walk has no values for {unknown} in {route!r} ({name})"
        fillings: list[dict[str, str]] = [{}]
        for n in names:
            options = VALUES[n]
            options = getattr(world, options) if isinstance(options, str) else options
            if route.startswith("admin/"):
                options = options[:1]
            fillings = [{**f, n: v} for f in fillings for v in options]
        for filling in fillings:
            url = "/" + _fill(route, filling)
            urls.append((name, url))
            if not route.startswith("admin/"):
                urls.append((name, url + "?unit=p20&code=p20&province=20&year=2023&month=5"))
            urls += [(name, url + query) for query in FILE_QUERIES.get(name, [])]
    return urls


ROLES = [
    "anonymous",
    "nobody",
    "national",
    "officer",
    "manager",
    "clerk",
    "other_officer",
    "other_clerk",
]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_no_url_shows_data_outside_the_users_scope(client, demo, role):
    world = plant_canaries(demo)
    if role != "anonymous":
        client.force_login(getattr(demo, role))
    urls = concrete_urls(world)
    assert len(urls) > 20
    leaks, errors = walk(client, urls, role=role, canaries=world.canaries[role])
    assert not errors, errors
    assert not leaks, leaks


def walk(
    client, urls: list[tuple[str, str]], *, role: str, canaries: list[str]
) -> tuple[list[str], list[str]]:
    """GET every URL as the signed-in client: what leaks (another scope's canary in the page, a
    200 for anonymous outside PUBLIC_URLS) and what errs (5xx)."""
    leaks, errors = [], []
    for name, url in urls:
        response = client.get(url)
        if response.status_code >= 500:
            errors.append(f"{response.status_code} {url}")
            continue
        if role == "anonymous" and name not in PUBLIC_URLS and response.status_code == 200:
            leaks.append(f"anonymous got 200 at {url} ({name})")
        text = body_text(response)
        leaks += [f"{url} ({name}) shows {c!r}" for c in canaries if c in text]
    return leaks, errors
