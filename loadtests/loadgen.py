"""A bounded, threaded load generator that behaves like the browsers of the month-end rush.

Each grassroots office's staff member opens the office's entry grid, types the month's figures, saves the
whole grid with the CSRF token (as the form does), confirms when the page shows warnings, retries
after an error the way a person would (reload, save again), and sometimes corrects a commune
afterwards. Each provincial officer browses the province page, a commune page and the reporting
status. Every request is recorded (kind, status, latency); every save is recorded in a ledger
with what was sent and whether the server acknowledged it (a redirect), so the harness can check
afterwards that every acknowledged count is in the database.

Bounded: a fixed number of users, at most a few requests each, a global deadline, and a timeout
on every request. Traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import requests

if TYPE_CHECKING:  # prepare imports Django models, which need django.setup() first
    from loadtests.prepare import Actor, RushData

REQUEST_TIMEOUT = 60  # gunicorn's --timeout: past it the server gives up too
MAX_SAVE_ATTEMPTS = 4
OFFICER_MAX_ROUNDS = 60
PENDING_BADGE = "Đang cập nhật số liệu mới"

# The commune id as the grid renders it. "1.400" (a localized id) is a bug of the template (see
# README, Reliability): a browser would post p_1.400 and the view reads p_1400, so the save of such
# communes is refused. The generator counts those ids and posts the ids the view reads, so the rest
# of the rush is still exercised.
VERSION_INPUT = re.compile(r'name="v_([\d.,\s]+)" value="(\d+)"')
CONFIRM_TOKEN = re.compile(r'name="confirm_token" value="([0-9a-f]+)"')


@dataclass
class Record:
    t0: float  # seconds since the rush started
    t1: float
    kind: str
    status: int  # 0: no response (connection error or timeout)
    error: str = ""
    pending_badge: bool = False

    @property
    def ok(self) -> bool:
        return not self.error


@dataclass
class Attempt:
    t: float
    participants: int
    new: int
    outcome: str  # "acked" (redirect after save), "unknown" (error: may or may not be saved)


@dataclass
class Results:
    started: float = 0.0
    duration: float = 0.0
    records: list[Record] = field(default_factory=list)
    ledger: dict[int, list[Attempt]] = field(default_factory=lambda: defaultdict(list))
    grids_saved: set[str] = field(default_factory=set)
    grids_tried: set[str] = field(default_factory=set)
    confirmations: int = 0
    refused: int = 0  # a save answered with the form again but no warnings to confirm
    refusal_sample: str = ""
    localized_ids: dict[str, int] = field(default_factory=dict)  # grid -> inputs affected
    lock: threading.Lock = field(default_factory=threading.Lock)

    def elapsed(self) -> float:
        return time.monotonic() - self.started


class Browser:
    """One user's cookies and CSRF token; records every request it makes."""

    def __init__(self, base_url: str, actor: Actor, results: Results, stop: threading.Event):
        self.base_url = base_url
        self.results = results
        self.stop = stop
        self.http = requests.Session()
        self.http.trust_env = False  # never a proxy: loopback only
        # requests types a cookie's value as optional: what the server sets is kept as it is.
        self.cookies: dict[str, str | None] = {"sessionid": actor.session_key}

    def request(
        self, method: str, path: str, kind: str, data=None
    ) -> tuple[requests.Response | None, Record]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if method == "POST":
            headers["Origin"] = self.base_url
            headers["Referer"] = self.base_url + path
        t0 = self.results.elapsed()
        response, status, error = None, 0, ""
        try:
            response = self.http.request(
                method,
                self.base_url + path,
                data=data,
                headers=headers,
                allow_redirects=False,
                timeout=REQUEST_TIMEOUT,
            )
            status = response.status_code
            self.cookies.update(response.cookies.items())
            if status >= 500 or status in (403, 404):
                error = f"HTTP {status}"
            elif status in (301, 302) and "/accounts/login/" in response.headers.get(
                "Location", ""
            ):
                error = "logged out"
        except requests.RequestException as exc:
            error = type(exc).__name__
        record = Record(t0, self.results.elapsed(), kind, status, error)
        if response is not None and not error and method == "GET" and status == 200:
            record.pending_badge = PENDING_BADGE in response.text
        self.results.records.append(record)
        return (None if error else response), record

    def think(self, low: float, high: float) -> bool:
        """Wait like a person; False when the rush is over."""
        return not self.stop.wait(random.uniform(low, high))


def _typed_figures(rng: random.Random, communes: list[int], previous: dict[int, int], warn: bool):
    """This month's figures near last month's; `warn` makes one commune fall by 30% (a warning
    the user then confirms)."""
    values = {}
    for cid in communes:
        before = previous.get(cid, 500)
        participants = round(before * rng.uniform(0.985, 1.06))
        new = max(participants - before, 0) + round(before * rng.uniform(0.005, 0.02))
        values[cid] = (participants, new)
    if warn and communes:
        cid = rng.choice(communes)
        before = previous.get(cid, 500)
        values[cid] = (round(before * 0.7), round(before * 0.01))
    return values


def staff_user(
    actor: Actor, data: RushData, base_url: str, results: Results, stop, *, spread: float, seed: int
) -> None:
    rng = random.Random(seed)
    browser = Browser(base_url, actor, results, stop)
    if not browser.think(0, spread):
        return
    path = f"/nhap-lieu/so-lieu/{actor.grid_code}/?thang={data.year}-{data.month:02d}"
    with results.lock:
        results.grids_tried.add(actor.grid_code)
    values: dict[int, tuple[int, int]] | None = None
    rounds = 2 if rng.random() < 0.25 else 1  # a quarter correct a commune after saving
    for round_no in range(rounds):
        for _attempt in range(MAX_SAVE_ATTEMPTS):
            page, _ = browser.request("GET", path, "grid")
            if page is None:
                if not browser.think(10, 20):
                    return
                continue
            found = VERSION_INPUT.findall(page.text)
            versions = {int(re.sub(r"\D", "", c)): int(v) for c, v in found}
            if not versions:  # a grid without communes: nothing to enter
                with results.lock:
                    results.grids_tried.discard(actor.grid_code)
                return
            localized = sum(1 for c, _v in found if not c.isdigit())
            if localized:
                with results.lock:
                    results.localized_ids[actor.grid_code] = localized
            if values is None:
                values = _typed_figures(rng, list(versions), data.previous, rng.random() < 0.1)
            elif round_no > 0 and _attempt == 0:
                for cid in rng.sample(list(values), min(2, len(values))):
                    p, n = values[cid]
                    bump = rng.randint(1, 5)
                    values[cid] = (p + bump, n + bump)
            if not browser.think(5, 20):  # typing (or pasting) the figures
                return
            outcome = _save(browser, path, versions, values, results)
            if outcome == "acked":
                with results.lock:
                    results.grids_saved.add(actor.grid_code)
                break
            if outcome == "refused" or not browser.think(10, 20):
                return
        else:
            return
        if round_no + 1 < rounds and not browser.think(5, 15):
            return


def _save(browser: Browser, path: str, versions, values, results: Results) -> str:
    """POST the grid (and the confirmation when warnings come back); ledger what was sent."""
    month = re.search(r"thang=([\d-]+)", path)
    assert month is not None, path  # every grid path names its month
    form = {
        "csrfmiddlewaretoken": browser.cookies.get("csrftoken", ""),
        "thang": month[1],
        "save": "1",
    }
    for cid, version in versions.items():
        p, n = values[cid]
        form.update({f"p_{cid}": str(p), f"n_{cid}": str(n), f"v_{cid}": str(version)})
    for kind in ("save", "confirm"):
        t = results.elapsed()
        response, record = browser.request("POST", path, kind, data=form)
        if response is None:
            _ledger(results, values, t, "unknown")
            return "error"
        if response.status_code in (301, 302):
            _ledger(results, values, t, "acked")
            location = urlsplit(response.headers["Location"])
            browser.request("GET", location.path + "?" + location.query, "grid")
            return "acked"
        token = CONFIRM_TOKEN.search(response.text)
        if kind == "save" and token:
            with results.lock:
                results.confirmations += 1
            if not browser.think(1, 3):  # reading the warnings
                return "stopped"
            form.update(confirm="1", confirm_token=token[1])
            form.pop("save")
            continue
        record.error = "save refused"
        with results.lock:
            results.refused += 1
            results.refusal_sample = results.refusal_sample or response.text
        return "refused"
    return "refused"


def _ledger(results: Results, values, t: float, outcome: str) -> None:
    with results.lock:
        for cid, (p, n) in values.items():
            results.ledger[cid].append(Attempt(t, p, n, outcome))


def officer_user(
    actor: Actor, data: RushData, base_url: str, results: Results, stop, *, seed: int
) -> None:
    rng = random.Random(seed)
    browser = Browser(base_url, actor, results, stop)
    if not browser.think(0, 10):
        return
    for i in range(OFFICER_MAX_ROUNDS):
        # An officer reads each page (tables, charts) before opening the next.
        browser.request("GET", f"/u/{actor.province_url}/", "province")
        if not browser.think(10, 30):
            return
        if actor.browse_codes:
            browser.request("GET", f"/u/{rng.choice(actor.browse_codes)}/", "commune")
            if not browser.think(10, 30):
                return
        if i % 3 == 2:
            browser.request("GET", f"/u/{actor.province_url}/bao-cao/", "reporting")
            if not browser.think(10, 30):
                return


def run(
    data: RushData,
    base_url: str,
    *,
    duration: float,
    staff: list[Actor],
    officers: list[Actor],
    results: Results | None = None,
) -> Results:
    """Run the rush for `duration` seconds (office staff start within its first 70%).

    A caller that passes `results` may set `results.started` first to share the clock."""
    results = results or Results()
    stop = threading.Event()
    threads = []
    results.started = results.started or time.monotonic()
    for i, actor in enumerate(staff):
        threads.append(
            threading.Thread(
                target=staff_user,
                args=(actor, data, base_url, results, stop),
                kwargs={"spread": duration * 0.7, "seed": i},
                daemon=True,
            )
        )
    for i, actor in enumerate(officers):
        threads.append(
            threading.Thread(
                target=officer_user,
                args=(actor, data, base_url, results, stop),
                kwargs={"seed": 10_000 + i},
                daemon=True,
            )
        )
    for t in threads:
        t.start()
    stop.wait(max(0.0, duration - results.elapsed()))
    stop.set()
    deadline = time.monotonic() + REQUEST_TIMEOUT + 5
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    results.duration = results.elapsed()
    return results


def probe(data: RushData, base_url: str, *, repeat: int = 5) -> str:
    """Latency of each page with no other traffic: the service time the rush multiplies."""
    results = Results(started=time.monotonic())
    stop = threading.Event()
    staff = Browser(base_url, data.staff[-1], results, stop)
    officer = Browser(base_url, data.officers[0], results, stop)
    actor = data.officers[0]
    for _ in range(repeat):
        staff.request(
            "GET",
            f"/nhap-lieu/so-lieu/{data.staff[-1].grid_code}/?thang={data.year}-{data.month:02d}",
            "grid",
        )
        officer.request("GET", f"/u/{actor.province_url}/", "province")
        officer.request("GET", f"/u/{actor.browse_codes[0]}/", "commune")
        officer.request("GET", f"/u/{actor.province_url}/bao-cao/", "reporting")
    parts = []
    for kind in ("grid", "province", "commune", "reporting"):
        ms = [1000 * (r.t1 - r.t0) for r in results.records if r.kind == kind and r.ok]
        parts.append(f"{kind} {percentile(ms, 50):.0f} ms")
    return f"one user alone (median of {repeat}): " + ", ".join(parts)


# ---------------------------------------------------------------------------------------------
# Figures


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def summary(results: Results, *, window: tuple[float, float] | None = None) -> str:
    records = results.records
    if window is not None:
        records = [r for r in records if window[0] <= r.t0 < window[1]]
    lines = []
    duration = results.duration or results.elapsed()
    if window is not None:
        duration = min(window[1], duration) - window[0]
    total = len(records)
    errors = [r for r in records if not r.ok]
    lines.append(
        f"requests: {total} in {duration:.0f} s = {total / duration:.1f} req/s; "
        f"errors: {len(errors)} ({100 * len(errors) / max(total, 1):.2f}%)"
    )
    by_kind: dict[str, list[Record]] = defaultdict(list)
    for r in records:
        by_kind[r.kind].append(r)
    lines.append(
        f"  {'kind':10} {'count':>6} {'errors':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}"
    )
    for kind in ("grid", "save", "confirm", "province", "commune", "reporting"):
        rs = by_kind.get(kind, [])
        if not rs:
            continue
        ms = [1000 * (r.t1 - r.t0) for r in rs if r.ok]
        lines.append(
            f"  {kind:10} {len(rs):6} {sum(not r.ok for r in rs):6} {percentile(ms, 50):8.0f} "
            f"{percentile(ms, 95):8.0f} {max(ms, default=float('nan')):8.0f}"
        )
    if errors:
        kinds = Counter(f"{r.kind}: {r.error}" for r in errors)
        lines.append("  errors by kind: " + ", ".join(f"{k} x{n}" for k, n in kinds.most_common()))
    lines.append(
        f"grids: {len(results.grids_saved)} of {len(results.grids_tried)} that "
        f"started saved their grid; warnings confirmed: {results.confirmations}; saves refused: "
        f"{results.refused}"
    )
    if results.localized_ids:
        lines.append(
            f"BUG: {sum(results.localized_ids.values())} commune inputs in "
            f"{len(results.localized_ids)} grids render the commune id with a "
            'thousands separator (name="p_1.400"): a browser\'s save of those rows is refused'
        )
    return "\n".join(lines)


def errors_in(results: Results, start: float, end: float) -> tuple[int, int]:
    """(errors, requests) among requests that started in [start, end)."""
    rs = [r for r in results.records if start <= r.t0 < end]
    return sum(not r.ok for r in rs), len(rs)
