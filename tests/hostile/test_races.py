"""Replays of issue 14's races and differing limits: a clean conflict or one object, never a 500.

Requests are sent at the same instant (threads released by a barrier) to a real app
server: ``runserver`` on a SQLite file, as ``make run`` serves, and gunicorn with
three processes of four threads on PostgreSQL (``tests/hostile/race_world.py``).
Before the fix: 12 parallel saves of one action gave 1 saved, 9 conflicts and 2×500
"database is locked" on SQLite; parallel first saves of a new report or of a new
action on a plan not yet there gave 500 (IntegrityError on PostgreSQL, 3 of 4); a
double-clicked «new action» created two actions; the API created reports for tertials
not begun (2030-T1 → 201) where the web said 404, and a web summary could be 2 MB
where the API stopped at 20,000 characters.
"""

import contextlib
import datetime as dt
import os
import re
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone

from measures import periods as P
from measures.models import Indicator
from plans import services as plans
from plans.models import Action, ActionPlan, SubmissionKey, TertialReport
from tests.api.helpers import ApiWorld, build_api_world
from tests.conftest import FAST_HASHERS, forget_access, require_service, shared_for_module
from tests.hostile import race_world
from tests.hostile.race_world import at_once, browser, post_form

pytestmark = pytest.mark.services

CONFLICT_ACTION = "Noen andre har endret tiltaket mens du skrev."
CONFLICT_REPORT = "Noen andre har lagret denne rapporten mens du skrev"
SENT_TWICE = "Skjemaet ble sendt to ganger; det ble lagret én gang."


@dataclass
class Race:
    backend: str
    base: str
    db: race_world.RaceDatabase
    world: dict[str, Any]

    def state(self) -> dict[str, Any]:
        return self.db.run("state")

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    def api(self) -> requests.Session:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {self.world['token']}"
        return session


@contextlib.contextmanager
def database(backend: str) -> Iterator[race_world.RaceDatabase]:
    if backend == "sqlite":
        with race_world.sqlite_database() as db:
            yield db
        return
    server = os.environ.get("DATABASE_URL", "")
    require_service(
        server.startswith("postgres"),
        "the PostgreSQL races need DATABASE_URL=postgres://… (a role that may create databases)",
    )
    with race_world.postgres_database(server) as db:
        yield db


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def race(request) -> Iterator[Race]:
    """A migrated database with the race world, and an app server on it."""
    with database(request.param) as db:
        db.migrate()
        world = db.run("build")
        with race_world.app_server(db.url, backend=request.param) as base:
            yield Race(backend=request.param, base=base, db=db, world=world)


def form_fields(html: str) -> dict[str, str]:
    """The hidden fields of a form page (version, submission key)."""
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))


def statuses(responses: list[requests.Response]) -> Counter:
    return Counter(response.status_code for response in responses)


# --- The web --------------------------------------------------------------------------


def test_twelve_parallel_saves_of_one_action_save_one_and_conflict_cleanly(race):
    # Given twelve leaders with the action's form open at version 1
    year, action = race.world["year"], race.world["actions"][0]
    url = race.url(f"/plans/V1/{year}/actions/{action}/")
    sessions = [browser(race.base, key) for key in race.world["sessions"]]
    forms = [form_fields(session.get(url, timeout=60).text) for session in sessions]
    assert {form["version"] for form in forms} == {"1"}

    # When they all save at the same instant, each with a title of their own
    responses = at_once(
        [
            lambda s=session, f=form, n=n: post_form(
                s,
                url,
                {
                    **f,
                    "goal": str(race.world["goal"]),
                    "title": f"Lagret av {n}",
                    "status": "pagar",
                },
            )
            for n, (session, form) in enumerate(zip(sessions, forms, strict=True))
        ]
    )

    # Then one is saved, eleven see the conflict page, none is an error
    assert statuses(responses) == Counter({302: 1, 200: 11})
    winner = next(n for n, r in enumerate(responses) if r.status_code == 302)
    for response in responses:
        if response.status_code == 200:
            assert CONFLICT_ACTION in response.text
    stored = next(a for a in race.state()["actions"] if a["id"] == action)
    assert (stored["title"], stored["version"]) == (f"Lagret av {winner}", 2)
    assert stored["history"] == ["+", "~"]


def test_parallel_first_actions_on_a_plan_not_yet_there_create_one_plan(race):
    # Given four leaders on «new action» for V2, which has no plan this year
    year = race.world["year"]
    url = race.url(f"/plans/V2/{year}/actions/new/")
    sessions = [browser(race.base, key) for key in race.world["sessions"][:4]]
    forms = [form_fields(session.get(url, timeout=60).text) for session in sessions]
    assert len({form["submission"] for form in forms}) == 4

    # When they save their actions at the same instant
    responses = at_once(
        [
            lambda s=session, f=form, n=n: post_form(
                s,
                url,
                {
                    **f,
                    "goal": str(race.world["goal"]),
                    "title": f"V2 tiltak {n}",
                    "status": "planlagt",
                },
            )
            for n, (session, form) in enumerate(zip(sessions, forms, strict=True))
        ]
    )

    # Then every action is saved, on one plan
    assert statuses(responses) == Counter({302: 4})
    state = race.state()
    assert state["plans"].count(f"V2 {year}") == 1
    assert sorted(a["title"] for a in state["actions"] if a["unit"] == "V2") == [
        f"V2 tiltak {n}" for n in range(4)
    ]


def test_a_double_submitted_new_action_is_saved_once(race):
    # Given one leader's «new action» form for A1 (no plan yet), sent four times at once
    year = race.world["year"]
    url = race.url(f"/plans/A1/{year}/actions/new/")
    session = browser(race.base, race.world["sessions"][5])
    form = form_fields(session.get(url, timeout=60).text)
    data = {**form, "goal": str(race.world["goal"]), "title": "Dobbeltklikk", "status": "planlagt"}

    # When the four submissions arrive together
    responses = at_once([lambda: post_form(session, url, data) for _ in range(4)])

    # Then each is answered with the plan, and one action and one plan exist
    assert statuses(responses) == Counter({302: 4})
    assert {r.headers["Location"] for r in responses} == {f"/plans/A1/{year}/#goal-1"}
    state = race.state()
    assert [a["title"] for a in state["actions"] if a["unit"] == "A1"] == ["Dobbeltklikk"]
    assert state["plans"].count(f"A1 {year}") == 1
    followed = session.get(race.url(f"/plans/A1/{year}/"), timeout=60).text
    assert followed.count("Dobbeltklikk") >= 1
    # The messages of the four answers: one «saved», three «sent twice».
    assert followed.count(SENT_TWICE) + followed.count("er lagret") >= 1


def test_parallel_first_saves_of_a_new_report_save_one_and_conflict_cleanly(race):
    # Given four leaders on V2's report of this tertial, which nobody has started
    year, tertial = race.world["tertial"]["year"], race.world["tertial"]["tertial"]
    url = race.url(f"/tertialrapporter/V2/{year}/T{tertial}/")
    sessions = [browser(race.base, key) for key in race.world["sessions"][6:10]]
    forms = [form_fields(session.get(url, timeout=60).text) for session in sessions]
    assert {form["version"] for form in forms} == {"1"}

    # When all four save a summary at the same instant
    responses = at_once(
        [
            lambda s=session, f=form, n=n: post_form(s, url, {**f, "summary": f"Oppsummering {n}"})
            for n, (session, form) in enumerate(zip(sessions, forms, strict=True))
        ]
    )

    # Then one draft is saved and the others are told someone else saved first
    assert statuses(responses) == Counter({302: 1, 409: 3})
    winner = next(n for n, r in enumerate(responses) if r.status_code == 302)
    for response in responses:
        if response.status_code == 409:
            assert CONFLICT_REPORT in response.text
    reports = [r for r in race.state()["reports"] if r["unit"] == "V2"]
    assert reports == [
        {
            "unit": "V2",
            "period": f"{year}-T{tertial}",
            "version": 2,
            "state": "draft",
            "summary": f"Oppsummering {winner}",
        }
    ]


def test_a_double_submitted_report_is_saved_once_without_a_false_conflict(race):
    # Given one leader's new report for A1, its «save» clicked three times
    year, tertial = race.world["tertial"]["year"], race.world["tertial"]["tertial"]
    url = race.url(f"/tertialrapporter/A1/{year}/T{tertial}/")
    session = browser(race.base, race.world["sessions"][10])
    form = form_fields(session.get(url, timeout=60).text)

    # When the three submissions arrive together
    responses = at_once(
        [lambda: post_form(session, url, {**form, "summary": "Én gang"}) for _ in range(3)]
    )

    # Then all three land on the report (no conflict), which was saved once
    assert statuses(responses) == Counter({302: 3})
    reports = [r for r in race.state()["reports"] if r["unit"] == "A1"]
    assert [(r["version"], r["summary"]) for r in reports] == [(2, "Én gang")]


# --- The API --------------------------------------------------------------------------


def test_parallel_api_posts_of_a_new_plan_create_it_once(race):
    # Given six clients asking for A1's plan of next year, which does not exist
    body = {"unit": "V2", "year": race.world["year"] + 1}
    clients = [race.api() for _ in range(6)]

    # When they post at the same instant
    responses = at_once(
        [lambda c=c: c.post(race.url("/api/v1/plans/"), json=body, timeout=120) for c in clients]
    )

    # Then one is created (201) and the others get it (200)
    assert statuses(responses) == Counter({201: 1, 200: 5})
    assert len({r.json()["id"] for r in responses}) == 1
    assert race.state()["plans"].count(f"V2 {race.world['year'] + 1}") == 1


def test_parallel_api_posts_of_a_new_report_create_it_once(race):
    tertial = race.world["tertial"]
    body = {"unit": "K", **tertial}
    clients = [race.api() for _ in range(6)]

    responses = at_once(
        [
            lambda c=c: c.post(race.url("/api/v1/tertial-reports/"), json=body, timeout=120)
            for c in clients
        ]
    )

    assert statuses(responses) == Counter({201: 1, 200: 5})
    assert len({r.json()["id"] for r in responses}) == 1
    assert [r["unit"] for r in race.state()["reports"]].count("K") == 1


def test_an_api_action_posted_again_with_its_idempotency_key_is_created_once(race):
    # Given a client that sends one action six times with the same key (retries)
    body = {"plan": race.world["plan"], "goal": race.world["goal"], "title": "Nøkkel"}
    clients = [race.api() for _ in range(6)]
    headers = {"Idempotency-Key": "retry-0001"}

    responses = at_once(
        [
            lambda c=c: c.post(
                race.url("/api/v1/actions/"), json=body, headers=headers, timeout=120
            )
            for c in clients
        ]
    )

    # Then all six answer with the one action, five of them as replays
    assert statuses(responses) == Counter({201: 6})
    assert len({r.json()["id"] for r in responses}) == 1
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in responses) == 5
    assert [a["title"] for a in race.state()["actions"]].count("Nøkkel") == 1


def test_parallel_api_changes_of_one_action_save_one_and_conflict_cleanly(race):
    action = race.world["actions"][1]
    url = race.url(f"/api/v1/actions/{action}/")
    clients = [race.api() for _ in range(8)]

    responses = at_once(
        [
            lambda c=c, n=n: c.patch(
                url, json={"title": f"API {n}"}, headers={"If-Match": '"1"'}, timeout=120
            )
            for n, c in enumerate(clients)
        ]
    )

    assert statuses(responses) == Counter({200: 1, 409: 7})
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"conflict"}
    assert {r.json()["current_version"] for r in responses if r.status_code == 409} == {2}
    winner = next(n for n, r in enumerate(responses) if r.status_code == 200)
    stored = next(a for a in race.state()["actions"] if a["id"] == action)
    assert (stored["title"], stored["version"]) == (f"API {winner}", 2)


# --- SQLite busy for longer than its timeout -----------------------------------------------


@contextlib.contextmanager
def write_lock_held(path: str, seconds: float) -> Iterator[None]:
    """Another writer holds SQLite's write lock (BEGIN IMMEDIATE) for ``seconds``."""
    holder = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    release = threading.Timer(seconds, holder.rollback)
    release.start()
    try:
        yield
    finally:
        release.join()
        holder.close()


def test_a_save_that_finds_sqlite_busy_too_long_is_a_503_and_saves_nothing():
    with race_world.sqlite_database() as db:
        db.migrate()
        world = db.run("build")
        path = db.url.removeprefix("sqlite:///")
        with race_world.app_server(db.url, backend="sqlite", SQLITE_TIMEOUT="1") as base:
            race = Race(backend="sqlite", base=base, db=db, world=world)
            url = race.url(f"/plans/V1/{world['year']}/actions/{world['actions'][0]}/")
            session = browser(base, world["sessions"][0])
            form = form_fields(session.get(url, timeout=60).text)
            data = {**form, "goal": str(world["goal"]), "title": "Travel", "status": "pagar"}
            api_url = race.url(f"/api/v1/actions/{world['actions'][1]}/")

            # When another writer holds the database longer than the timeout
            with write_lock_held(path, seconds=4):
                time.sleep(0.2)
                page = post_form(session, url, data)
                api = race.api().patch(
                    api_url, json={"title": "Travel"}, headers={"If-Match": '"1"'}, timeout=60
                )

            # Then the page and the API say «try again», and nothing was saved
            assert page.status_code == 503
            assert page.headers["Retry-After"] == "5"
            assert "Databasen er opptatt" in page.text
            assert api.status_code == 503
            assert api.json()["code"] == "database_busy"
            titles = {a["id"]: a["title"] for a in race.state()["actions"]}
            assert "Travel" not in titles.values()

            # And the same form sent again when the database is free is saved
            again = post_form(session, url, data)
            assert again.status_code == 302
            assert race.state()["actions"][0]["title"] == "Travel"


# --- The same rules in the web and the API (in-process) -------------------------------------

REPORTS = "/api/v1/tertial-reports/"


def build_rules_world() -> ApiWorld:
    with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        return build_api_world()


# The API tests' world (K → HV → V1, V2; A1; role users; tokens), built once.
shared_rules_world = shared_for_module(build_rules_world)


@pytest.fixture
def rules_world(shared_rules_world, db) -> ApiWorld:
    cache.clear()  # the API throttle counts per token id
    forget_access(*shared_rules_world.users.values())
    return shared_rules_world


def test_a_tertial_not_begun_has_no_report_on_the_web_nor_in_the_api(rules_world, client):
    # Given a leader, and the next tertial (not begun)
    world = rules_world
    client.force_login(world.users["leader-own"])
    today = timezone.localdate()
    year, tertial = P.tertial_after(*P.tertial_of(today))

    # When the web page and the API are asked for it (and 2030-T1, as the finding did)
    page = client.get(f"/tertialrapporter/V1/{year}/T{tertial}/")
    saved = client.post(f"/tertialrapporter/V1/{year}/T{tertial}/", {"version": "1"})
    api = world.client("token-write").post(
        REPORTS, {"unit": "V1", "year": year, "tertial": tertial}, format="json"
    )
    far = world.client("token-write").post(
        REPORTS, {"unit": "V1", "year": 2030, "tertial": 1}, format="json"
    )

    # Then both refuse, the API naming the field, and no report exists
    assert (page.status_code, saved.status_code) == (404, 404)
    assert (api.status_code, far.status_code) == (400, 400)
    assert api.json()["fields"] == {
        "tertial": [
            f"Tertial {tertial} i {year} har ikke begynt: en rapport skrives fra tertialets "
            "første dag."
        ]
    }
    assert not TertialReport.objects.filter(year__gte=year).exists()


@pytest.mark.parametrize(
    "year, answer",
    [(1999, "refused"), (2000, "ok"), ("last", "ok"), ("after-last", "refused")],
)
def test_plan_years_are_the_same_on_the_web_and_in_the_api(rules_world, client, year, answer):
    world = rules_world
    last = plans.plan_last_year()
    year = {"last": last, "after-last": last + 1}.get(year, year)
    client.force_login(world.users["hr"])

    page = client.get(f"/plans/V1/{year}/actions/new/")
    api = world.client("token-write").post(
        "/api/v1/plans/", {"unit": "V1", "year": year}, format="json"
    )

    if answer == "ok":
        assert (page.status_code, api.status_code) == (200, 201)
        return
    assert (page.status_code, api.status_code) == (404, 400)
    assert api.json()["fields"] == {"year": [f"Handlingsplaner lages for årene 2000 til {last}."]}
    assert not ActionPlan.objects.filter(year=year).exists()


def test_a_two_megabyte_summary_is_refused_on_the_web_as_in_the_api(rules_world, client):
    # Given a leader's started report (the finding: 2 MB saved on the web, 400 in the API)
    world = rules_world
    leader = world.users["leader-own"]
    report = plans.report_get_or_create(unit=world.units["V1"], year=2025, tertial=1, by=leader)
    client.force_login(leader)
    huge = "x" * 2_000_000

    # When both try to save it
    page = client.post(
        "/tertialrapporter/V1/2025/T1/", {"version": str(report.version), "summary": huge}
    )
    api = world.client("token-leader-write").patch(
        f"{REPORTS}{report.pk}/", {"summary": huge}, format="json", HTTP_IF_MATCH='"1"'
    )

    # Then both refuse it with the limit, and nothing was saved
    assert page.status_code == 400
    assert page.context["form"].errors["summary"] == [
        "Sørg for at denne verdien har 20000 eller færre tegn (den har nå 2000000)."
    ]
    assert api.status_code in {400, 413}
    report.refresh_from_db()
    assert (report.version, report.summary) == (1, "")


def test_just_over_the_limits_is_refused_alike_by_form_service_and_api(rules_world, client):
    world = rules_world
    leader = world.users["leader-own"]
    report = plans.report_get_or_create(unit=world.units["V1"], year=2025, tertial=1, by=leader)
    summary = "y" * (plans.REPORT_SUMMARY_MAX + 1)

    api = world.client("token-leader-write").patch(
        f"{REPORTS}{report.pk}/", {"summary": summary}, format="json", HTTP_IF_MATCH='"1"'
    )
    with pytest.raises(Exception) as service:
        plans.report_save(
            report=report,
            by=leader,
            version=1,
            summary=summary,
            comments={},
            prioritised_action_ids=[],
        )

    assert api.status_code == 400
    assert list(api.json()["fields"]) == ["summary"]
    assert service.value.message_dict == {  # type: ignore[attr-defined]
        "summary": ["Skriv høyst 20000 tegn (denne teksten har 20001)."]
    }
    report.refresh_from_db()
    assert report.version == 1


@pytest.mark.parametrize(
    "field, value, message",
    [
        # Django's and DRF's own words for the same limit: both name 5000.
        ("description", "d" * 5001, "5000"),
        ("title", "Tittel\x07med bjelle", "Teksten har et kontrolltegn (U+0007) på tegn 7"),
        ("responsible", "Leder\x1b", "Teksten har et kontrolltegn (U+001B) på tegn 6"),
        ("deadline", "1900-01-01", "Oppgi en dato fra 01.01.2000 til"),
        ("deadline", "9999-12-31", "Oppgi en dato fra 01.01.2000 til"),
    ],
)
def test_an_action_field_is_refused_alike_on_the_web_and_in_the_api(
    rules_world, client, field, value, message
):
    # Given HR, on the web and with a token, and V1's plan of 2025
    world = rules_world
    plan = plans.plan_get_or_create(unit=world.units["V1"], year=2025, by=world.users["hr"])
    goal = world.world.goal(1)
    client.force_login(world.users["hr"])
    before = Action.objects.count()

    # When both add an action with the bad value
    page = client.post(
        "/plans/V1/2025/actions/new/",
        {"goal": goal.pk, "title": "Tiltak", "status": "planlagt", field: value},
    )
    api = world.client("token-write").post(
        "/api/v1/actions/",
        {"plan": plan.pk, "goal": goal.pk, "title": "Tiltak", field: value},
        format="json",
    )

    # Then both refuse it on that field, and no action was added
    assert page.status_code == 200
    form_errors = page.context["form"].errors
    assert list(form_errors) == [field]
    assert api.status_code == 400
    assert list(api.json()["fields"]) == [field]
    for shown in (form_errors[field][0], api.json()["fields"][field][0]):
        assert message in shown
    assert Action.objects.count() == before


def test_a_control_character_in_a_report_comment_is_a_field_error_web_and_api(rules_world, client):
    # Given a leader's started report
    world = rules_world
    leader = world.users["leader-own"]
    report = plans.report_get_or_create(unit=world.units["V1"], year=2025, tertial=1, by=leader)
    indicator = Indicator.objects.get(slug="sick_leave_pct")
    client.force_login(leader)
    expected = (
        "Teksten har et kontrolltegn (U+0007) på tegn 4, som ikke kan lagres. Fjern det, "
        "for eksempel ved å skrive teksten der på nytt."
    )

    # When a comment with a NUL or a bell character is saved on the web and in the API
    page = client.post(
        "/tertialrapporter/V1/2025/T1/",
        {"version": "1", f"comment_{indicator.pk}": "Bra\x07 nok"},
    )
    nul = world.client("token-leader-write").patch(
        f"{REPORTS}{report.pk}/",
        {"comments": [{"indicator": indicator.slug, "text": "Bra\x00"}]},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    bell = world.client("token-leader-write").patch(
        f"{REPORTS}{report.pk}/",
        {"comments": [{"indicator": indicator.slug, "text": "Bra\x07 nok"}]},
        format="json",
        HTTP_IF_MATCH='"1"',
    )

    # Then each is refused on the comment, and nothing was saved
    assert page.status_code == 400
    assert page.context["form"].errors[f"comment_{indicator.pk}"] == [expected]
    assert (nul.status_code, bell.status_code) == (400, 400)
    assert bell.json()["fields"] == {"comments": [expected]}
    assert list(nul.json()["fields"]) == ["comments"]
    report.refresh_from_db()
    assert report.version == 1
    assert not report.comments.exists()


# --- Submission keys (in-process) --------------------------------------------------------


def test_a_submission_key_replays_refuses_other_content_and_is_freed_by_a_failure(rules_world):
    world = rules_world
    hr = world.users["hr"]
    plan = plans.plan_get_or_create(unit=world.units["V1"], year=2025, by=hr)
    goal = world.world.goal(1)
    calls = []

    def create(title: str):
        def perform():
            calls.append(title)
            action = plans.action_create(plan=plan, by=hr, goal=goal, title=title)
            return action, action.pk, f"/a/{action.pk}"

        return perform

    # A failure (an empty title) leaves the key free
    with pytest.raises(Exception):  # noqa: B017 - the service's ValidationError
        plans.submit_once(by=hr, key="k-1", scope="s", content={"t": " "}, perform=create(" "))
    assert not SubmissionKey.objects.filter(key="k-1").exists()

    first = plans.submit_once(by=hr, key="k-1", scope="s", content={"t": "A"}, perform=create("A"))
    again = plans.submit_once(by=hr, key="k-1", scope="s", content={"t": "A"}, perform=create("A"))
    with pytest.raises(plans.SubmissionKeyReusedError):
        plans.submit_once(by=hr, key="k-1", scope="s", content={"t": "B"}, perform=create("B"))
    with pytest.raises(plans.SubmissionKeyReusedError):
        plans.submit_once(by=hr, key="k-1", scope="other", content={"t": "A"}, perform=create("A"))

    assert (first.replayed, again.replayed) == (False, True)
    assert (again.object_id, again.location) == (first.object_id, f"/a/{first.object_id}")
    assert calls == [" ", "A"]
    assert Action.objects.filter(plan=plan, title__in=["A", "B"]).count() == 1


def test_another_users_key_is_another_submission_and_old_keys_expire(rules_world):
    world = rules_world
    hr, other = world.users["hr"], world.users["leader-own"]

    def perform():
        return None, None, "/"

    plans.submit_once(by=hr, key="same", scope="s", content={}, perform=perform)
    theirs = plans.submit_once(by=other, key="same", scope="s", content={}, perform=perform)
    assert theirs.replayed is False
    SubmissionKey.objects.filter(user=hr).update(
        created_at=timezone.now() - dt.timedelta(hours=plans.SUBMISSION_KEY_HOURS, seconds=1)
    )
    later = plans.submit_once(by=hr, key="same", scope="s", content={"new": 1}, perform=perform)
    assert later.replayed is False


def test_an_api_idempotency_key_with_another_body_is_422_and_a_bad_key_400(rules_world):
    world = rules_world
    plan = plans.plan_get_or_create(unit=world.units["V1"], year=2025, by=world.users["hr"])
    goal = world.world.goal(1)
    client = world.client("token-write")
    body = {"plan": plan.pk, "goal": goal.pk, "title": "En"}

    first = client.post("/api/v1/actions/", body, format="json", HTTP_IDEMPOTENCY_KEY="abc")
    other = client.post(
        "/api/v1/actions/", body | {"title": "To"}, format="json", HTTP_IDEMPOTENCY_KEY="abc"
    )
    bad = client.post("/api/v1/actions/", body, format="json", HTTP_IDEMPOTENCY_KEY="æøå")

    assert first.status_code == 201
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert bad.status_code == 400
    assert list(bad.json()["fields"]) == ["Idempotency-Key"]
    assert list(Action.objects.filter(plan=plan).values_list("title", flat=True)) == ["En"]


def test_a_changed_form_sent_with_a_used_key_is_shown_again_not_saved(rules_world, client):
    # Given a «new action» form saved once, then changed and sent with the same key
    # (the browser's back button)
    world = rules_world
    client.force_login(world.users["hr"])
    goal = world.world.goal(1)
    data = {"goal": goal.pk, "title": "Først", "status": "planlagt", "submission": "form-key-1"}
    first = client.post("/plans/V1/2025/actions/new/", data)
    again = client.post("/plans/V1/2025/actions/new/", data | {"title": "Så"})

    assert first.status_code == 302
    assert again.status_code == 200
    form = again.context["form"]
    assert form["submission"].value() != "form-key-1"
    assert "Dette skjemaet er allerede lagret én gang" in " ".join(form.non_field_errors())
    titles = set(Action.objects.filter(plan__unit__code="V1").values_list("title", flat=True))
    assert "Først" in titles
    assert "Så" not in titles

    # When it is sent once more with its new key, it is saved
    resent = client.post(
        "/plans/V1/2025/actions/new/",
        data | {"title": "Så", "submission": form["submission"].value()},
    )
    assert resent.status_code == 302
    assert Action.objects.filter(title="Så").count() == 1


@override_settings(LANGUAGE_CODE="nb")
def test_a_second_delete_of_an_action_is_no_error(rules_world, client):
    world = rules_world
    hr = world.users["hr"]
    plan = plans.plan_get_or_create(unit=world.units["V1"], year=2025, by=hr)
    action = plans.action_create(plan=plan, by=hr, goal=world.world.goal(1), title="Borte")
    client.force_login(hr)
    url = f"/plans/V1/2025/actions/{action.pk}/delete/"

    first = client.post(url, {"version": action.version})
    second = client.post(url, {"version": action.version})

    assert (first.status_code, second.status_code) == (302, 302)
    assert second["Location"] == "/plans/V1/2025/"
    assert not Action.objects.filter(pk=action.pk).exists()
