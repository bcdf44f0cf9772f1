"""Actions name their indicators by slug and a baseline period through the API."""

from plans.models import Action
from tests.api.objects import YEAR

ACTIONS = "/api/v1/actions/"


def test_an_action_with_indicators_and_a_baseline_round_trips(world, objects):
    client = world.client("token-write")
    plan = objects.plans["V1"]
    created = client.post(
        ACTIONS,
        {
            "plan": plan.pk,
            "goal": world.world.goal(3).pk,
            "title": "Heltid i turnus",
            "indicators": ["full_time_share_shift"],
            "baseline_period": f"{YEAR - 1}-T3",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["indicators"], body["baseline_period"]) == (
        ["full_time_share_shift"],
        f"{YEAR - 1}-T3",
    )
    read = client.get(created["Location"])
    assert read.json()["indicators"] == ["full_time_share_shift"]

    # A PATCH without indicators keeps them; one with them replaces them.
    kept = client.patch(
        created["Location"], {"title": "Heltid"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert kept.status_code == 200, kept.content
    assert kept.json()["indicators"] == ["full_time_share_shift"]
    replaced = client.patch(
        created["Location"],
        {"indicators": ["full_time_share", "full_time_share_shift"]},
        format="json",
        HTTP_IF_MATCH='"2"',
    )
    assert replaced.status_code == 200, replaced.content
    assert sorted(replaced.json()["indicators"]) == ["full_time_share", "full_time_share_shift"]
    stored = Action.objects.get(pk=body["id"])
    assert sorted(i.slug for i in stored.indicators.all()) == [
        "full_time_share",
        "full_time_share_shift",
    ]


def test_an_unknown_slug_or_a_bad_baseline_is_400_naming_the_field(world, objects):
    client = world.client("token-write")
    plan = objects.plans["V1"]
    before = Action.objects.count()
    base = {"plan": plan.pk, "goal": world.world.goal(3).pk, "title": "Feil"}

    unknown = client.post(ACTIONS, {**base, "indicators": ["no-such-slug"]}, format="json")
    assert unknown.status_code == 400
    assert list(unknown.json()["fields"]) == ["indicators"]

    bad = client.post(
        ACTIONS,
        {**base, "indicators": ["full_time_share_shift"], "baseline_period": "2025-13"},
        format="json",
    )
    assert bad.status_code == 400
    assert bad.json()["fields"] == {
        "baseline_period": [
            "Skriv utgangsperioden som en måned (2025-12), et tertial (2025-T3) eller et år (2025)."
        ]
    }
    assert Action.objects.count() == before
