"""Actions that name the indicators they should move: services, history, before and after,
the unit page's marks and the plan page's figures (issue 16, part 2)."""

import datetime as dt
import json
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from measures import periods as P
from measures.models import HealthDataAccess, Indicator, IndicatorValue
from measures.services import indicators_load_seeded
from plans import selectors, services
from plans.models import Action
from plans.selectors import WindowGap, monthly_window, unit_action_effects
from tests.conftest import forget_access, shared_for_module

from .plan_helpers import build_world

pytestmark = pytest.mark.django_db

YEAR = 2025
SHIFT = "full_time_share_shift"


def build_indicator_world():
    world = build_world()
    indicators_load_seeded()
    hr = world.users["hr"]
    world.plan = services.plan_get_or_create(unit=world.units["V1"], year=YEAR, by=hr)
    return world


shared_world = shared_for_module(build_indicator_world)


@pytest.fixture
def world(shared_world, db):
    forget_access(*shared_world.users.values())
    return shared_world


def indicator(slug: str) -> Indicator:
    return Indicator.objects.get(slug=slug)


def store_month(slug, unit, label, value, *, suppressed=False, complementary=False):
    """A stored monthly value as the engine leaves it (a suppressed one is withheld)."""
    period = P.parse(label)
    return IndicatorValue.objects.create(
        indicator=indicator(slug),
        unit=unit,
        granularity=P.MONTH,
        period=period.label,
        period_start=period.start,
        period_end=period.end,
        value=None if suppressed else value,
        numerator=None if suppressed else value,
        denominator=None if suppressed else 100,
        n_persons=3 if suppressed and not complementary else 12,
        suppressed=suppressed,
        complementary=suppressed and complementary,
        computed_at=timezone.now(),
    )


def months(first: str, last: str) -> list[str]:
    return [p.label for p in P.months_between(P.parse(first).start, P.parse(last).start)]


def create_action(world, **fields):
    return services.action_create(
        plan=world.plan, by=world.users["hr"], goal=world.goal(3), title="Heltid", **fields
    )


# --- Services ------------------------------------------------------------------------------


def test_an_action_names_indicators_and_a_baseline_with_one_history_record(world):
    action = create_action(world, indicators=[indicator(SHIFT)], baseline_period=" 2025-T1 ")

    stored = Action.objects.get(pk=action.pk)
    assert [i.slug for i in stored.indicators.all()] == [SHIFT]
    assert stored.baseline_period == "2025-T1"
    records = list(stored.history.order_by("history_id"))
    assert [r.history_type for r in records] == ["+"]
    assert [row.indicator.slug for row in records[0].indicators.all()] == [SHIFT]
    assert selectors.action_start(stored) == dt.date(2025, 5, 1)


def test_an_update_without_indicators_keeps_them_and_history_shows_a_change(world):
    hr = world.users["hr"]
    action = create_action(world, indicators=[indicator(SHIFT)], baseline_period="2025-03")
    kept = services.action_update(action=action, by=hr, version=1, status="pagar")
    assert [i.slug for i in kept.indicators.all()] == [SHIFT]

    changed = services.action_update(
        action=kept, by=hr, version=2, indicators=[indicator(SHIFT), indicator("full_time_share")]
    )
    assert sorted(i.slug for i in changed.indicators.all()) == ["full_time_share", SHIFT]
    assert [r.history_type for r in changed.history.order_by("history_id")] == ["+", "~", "~"]
    entries = selectors.plan_history(plan=world.plan)
    latest = entries[0]
    assert [(c.field, c.old, c.new) for c in latest.changes] == [
        (
            "indikatorer",
            "Andel heltidsansatte i turnus",
            "Andel heltidsansatte, Andel heltidsansatte i turnus",
        )
    ]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"baseline_period": "2025-13"}, "baseline_period", "måned (2025-12)"),
        ({"baseline_period": "T3-2025"}, "baseline_period", "måned (2025-12)"),
        ({"baseline_period": "1999-T3"}, "baseline_period", "fra 2000 til 2030"),
        ({"baseline_period": "2025-T3", "indicators": []}, "baseline_period", "bare når"),
    ],
)
def test_a_bad_baseline_is_refused_and_nothing_is_written(world, fields, field, message):
    fields.setdefault("indicators", [indicator(SHIFT)])
    before = Action.objects.count()
    with pytest.raises(ValidationError) as raised:
        create_action(world, **fields)
    assert list(raised.value.message_dict) == [field]
    assert message in raised.value.message_dict[field][0]
    assert Action.objects.count() == before


def test_an_indicator_that_follows_no_goal_of_the_strategy_is_refused(world):
    stray = Indicator.objects.create(
        slug="stray", name="Løs indikator", unit_of_measure="%", direction="higher", kind="reported"
    )
    action = create_action(world, indicators=[indicator(SHIFT)])
    with pytest.raises(ValidationError) as raised:
        services.action_update(action=action, by=world.users["hr"], version=1, indicators=[stray])
    assert raised.value.message_dict == {
        "indicators": [
            "Velg indikatorer som følger et mål i planens strategi (ikke: Løs indikator)."
        ]
    }
    stored = Action.objects.get(pk=action.pk)
    assert (stored.version, [i.slug for i in stored.indicators.all()]) == (1, [SHIFT])


def test_copying_unfinished_actions_keeps_indicators_and_baseline(world):
    create_action(world, indicators=[indicator(SHIFT)], baseline_period="2024-12")
    hr = world.users["hr"]
    next_plan = services.plan_get_or_create(unit=world.units["V1"], year=YEAR + 1, by=hr)
    [copy] = services.plan_copy_unfinished(plan=next_plan, by=hr)
    assert [i.slug for i in copy.indicators.all()] == [SHIFT]
    assert copy.baseline_period == "2024-12"


# --- Before and after, from stored values ----------------------------------------------------


def test_before_and_after_are_the_means_of_the_stored_monthly_values(world):
    unit = world.units["V1"]
    # 2024-07 … 2025-06: 30, 31, …, 41 (mean 35.5); 2025-07 … 2025-10: 44, 46, 48, 50 (mean 47).
    for n, label in enumerate(months("2024-07", "2025-06")):
        store_month(SHIFT, unit, label, 30 + n)
    for n, label in enumerate(months("2025-07", "2025-10")):
        store_month(SHIFT, unit, label, 44 + 2 * n)
    store_month(SHIFT, unit, "2024-06", 99)  # outside both windows
    action = create_action(world, indicators=[indicator(SHIFT)], baseline_period="2025-06")

    [effect] = unit_action_effects(unit=unit)[indicator(SHIFT).pk]

    assert effect.action == action
    assert effect.start == dt.date(2025, 7, 1)
    assert (effect.before.first.label, effect.before.last.label) == ("2024-07", "2025-06")
    assert effect.before.mean == pytest.approx(35.5)
    assert (effect.after.first.label, effect.after.last.label) == ("2025-07", "2025-10")
    assert effect.after.mean == pytest.approx(47.0)
    assert effect.change == pytest.approx(11.5)


def test_a_tertial_baseline_compares_the_twelve_months_before_the_next_month(world):
    unit = world.units["V1"]
    for label in months("2024-09", "2025-08"):
        store_month(SHIFT, unit, label, 40)
    create_action(world, indicators=[indicator(SHIFT)], baseline_period="2025-T2")
    [effect] = unit_action_effects(unit=unit)[indicator(SHIFT).pk]
    assert effect.start == dt.date(2025, 9, 1)
    assert (effect.before.first.label, effect.before.last.label) == ("2024-09", "2025-08")
    assert effect.before.mean == pytest.approx(40.0)
    assert effect.after.mean is None
    assert effect.after.gap == WindowGap.NOT_STARTED


@pytest.mark.parametrize("complementary", [False, True])
def test_adversary_one_hidden_month_gives_no_before_figure_at_all(world, client, complementary):
    """The attacker knows 11 published months; a mean of them must not be presented.

    With the rule switched off (averaging the shown rest) the figure 35,4 % would be
    shown as the twelve months' figure; with it, the page says there is not enough data.
    """
    unit = world.units["V1"]
    shown = {label: 30 + n for n, label in enumerate(months("2024-07", "2025-06"))}
    hidden = "2025-02"
    for label, value in shown.items():
        store_month(
            SHIFT, unit, label, value, suppressed=label == hidden, complementary=complementary
        )
    for label in months("2025-07", "2025-09"):
        store_month(SHIFT, unit, label, 50)
    create_action(world, indicators=[indicator(SHIFT)], baseline_period="2025-06")

    [effect] = unit_action_effects(unit=unit)[indicator(SHIFT).pk]
    assert effect.before.mean is None
    assert effect.before.gap == WindowGap.HIDDEN
    assert effect.change is None
    assert effect.after.mean == pytest.approx(50.0)

    client.force_login(world.users["hr"])
    page = client.get(reverse("dashboards:unit-detail", kwargs={"code": "V1"})).content.decode()
    rest = [v for label, v in shown.items() if label != hidden]
    mean_of_rest = f"{sum(rest) / len(rest):.1f}".replace(".", ",")
    assert mean_of_rest == "35,4"
    assert mean_of_rest not in page
    assert "Ikke nok data: en måned er skjult (liten gruppe)." in page


def test_a_missing_month_gives_no_figure_either(world):
    unit = world.units["V1"]
    values = {label: 40 for label in months("2024-07", "2025-06") if label != "2024-11"}
    stored = {label: store_month(SHIFT, unit, label, v) for label, v in values.items()}
    window = monthly_window(stored, first=P.parse("2024-07"), last=P.parse("2025-06"))
    assert (window.mean, window.gap) == (None, WindowGap.MISSING)


# --- Unit page ------------------------------------------------------------------------------


def test_the_unit_page_marks_the_action_on_the_chart_and_in_its_table(world, client):
    unit = world.units["V1"]
    for n, label in enumerate(months("2024-07", "2025-10")):
        store_month(SHIFT, unit, label, 30 + n)
    create_action(
        world,
        indicators=[indicator(SHIFT)],
        baseline_period="2025-03",
        deadline=dt.date(2025, 9, 30),
    )
    client.force_login(world.users["hr"])

    response = client.get(reverse("dashboards:unit-detail", kwargs={"code": "V1"}))

    html = response.content.decode()
    island = re.search(r'<script id="chart-data-full_time_share_shift"[^>]*>(.*?)</script>', html)
    chart = json.loads(island.group(1))
    labels = chart["labels"]
    assert chart["marks"] == [
        {"index": labels.index("april 2025"), "kind": "start", "label": "Start: Heltid"},
        {"index": labels.index("september 2025"), "kind": "end", "label": "Frist: Heltid"},
    ]
    row = re.search(r"<th scope=\"row\">april 2025</th>(.*?)</tr>", html, re.S).group(1)
    assert "Start: Heltid" in row
    # Before: 2024-04…2025-03 lacks 2024-04…2024-06, so no figure; since the start: 39–45.
    assert "Ikke nok data: en måned mangler verdi." in html
    assert "42,0\N{NO-BREAK SPACE}% (april 2025–oktober 2025)" in html


# --- Plan page ------------------------------------------------------------------------------


def plan_url(world) -> str:
    return reverse("plans:plan-detail", args=["V1", YEAR])


def test_the_plan_page_shows_each_goals_indicators_with_figures_next_to_the_actions(world, client):
    unit = world.units["V1"]
    store_month(SHIFT, unit, "2025-09", 41.25)
    store_month("sick_leave_pct", unit, "2025-09", 7.34)
    create_action(world, indicators=[indicator(SHIFT)], baseline_period="2025-06")
    client.force_login(world.users["leader-own"])

    response = client.get(plan_url(world))

    html = response.content.decode()
    goal3 = html[html.index('id="goal-3"') : html.index('id="goal-4"')]
    assert "Andel heltidsansatte i turnus" in goal3
    assert "41,2\N{NO-BREAK SPACE}%" in goal3 or "41,3\N{NO-BREAK SPACE}%" in goal3
    assert "7,3\N{NO-BREAK SPACE}%" in goal3
    assert "September 2025" in goal3
    # The action names what it should move, in the same section.
    assert "Heltid" in goal3 and "Utgangspunkt: 2025-06" in goal3
    assert response["Cache-Control"] == "no-store, private"
    assert HealthDataAccess.objects.filter(username="leader-own", scope="V1").count() == 1


def test_a_representative_sees_the_indicators_but_no_figures(world, client):
    """Sick leave is health data: the unit's representative reads the plan, not the figures."""
    unit = world.units["V1"]
    store_month("sick_leave_pct", unit, "2025-09", 7.34)
    store_month(SHIFT, unit, "2025-09", 41.25)
    client.force_login(world.users["representative-own"])

    response = client.get(plan_url(world))

    assert response.status_code == 200
    html = response.content.decode()
    goal3 = html[html.index('id="goal-3"') : html.index('id="goal-4"')]
    assert "Sykefravær" in goal3  # the indicator and its target are named
    assert "Tallene vises for ledere og HR." in goal3
    assert "7,3" not in html and "41,2" not in html and "41,3" not in html
    assert not HealthDataAccess.objects.filter(username="rep-own").exists()
