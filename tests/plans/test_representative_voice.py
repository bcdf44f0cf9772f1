"""The employee representatives' own voice: confirmations of participation and remarks.

Services (who may, once per person, withdraw, remarks whatever the report's state), the
participation selector the council report and HR's plan list read, and the pages.
"""

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from org.models import RoleAssignment
from plans import selectors
from plans import services as plans
from plans.models import (
    Capacity,
    ParticipationConfirmation,
    RepresentativeRemark,
    TertialReport,
)
from tests import factories

from .plan_helpers import build_world, user

pytestmark = pytest.mark.django_db

YEAR = 2024


@pytest.fixture
def world():
    world = build_world()
    world.action = factories.ActionFactory(
        plan=factories.ActionPlanFactory(unit=world.units["V1"], year=YEAR), title="Heltidskultur"
    )
    return world


def rep(world):
    return world.users["representative-own"]


# --- Confirming participation ----------------------------------------------------------------


def test_a_representative_of_the_unit_confirms_once_with_who_when_and_capacity(world):
    before = dt.datetime.now(dt.UTC)

    first, created = plans.participation_confirm(
        action=world.action, by=rep(world), capacity=Capacity.SAFETY
    )
    again, created_again = plans.participation_confirm(action=world.action, by=rep(world))

    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    stored = ParticipationConfirmation.objects.get()
    assert (stored.action_id, stored.user_id, stored.capacity) == (
        world.action.pk,
        rep(world).pk,
        "verneombud",
    )
    assert stored.confirmed_at >= before
    assert stored.history.get().history_user_id == rep(world).pk
    # The leader's checkbox and the action's version are the leader's, untouched.
    world.action.refresh_from_db()
    assert (world.action.representatives_took_part, world.action.version) == (False, 1)


def test_a_representative_of_a_unit_above_covers_the_units_below(world):
    above = user("rep-hv", "Tillitsvalgt", unit=world.units["HV"], role="representative")

    _confirmation, created = plans.participation_confirm(action=world.action, by=above)

    assert created


@pytest.mark.parametrize(
    "who", ["representative-other", "leader-own", "leader-of-parent", "hr", "anonymous"]
)
def test_others_cannot_confirm_and_nothing_is_written(world, who):
    by = AnonymousUser() if who == "anonymous" else world.users[who]

    with pytest.raises(PermissionDenied):
        plans.participation_confirm(action=world.action, by=by)

    assert not ParticipationConfirmation.objects.exists()


def test_a_bad_capacity_is_refused(world):
    with pytest.raises(ValidationError) as error:
        plans.participation_confirm(action=world.action, by=rep(world), capacity="sjef")

    assert error.value.message_dict == {"capacity": ["Velg tillitsvalgt eller verneombud."]}
    assert not ParticipationConfirmation.objects.exists()


def test_a_representative_withdraws_only_their_own_confirmation(world):
    second = user("rep-two", "Tillitsvalgt", unit=world.units["V1"], role="representative")
    plans.participation_confirm(action=world.action, by=rep(world))
    plans.participation_confirm(action=world.action, by=second)

    assert plans.participation_withdraw(action=world.action, by=rep(world)) is True
    assert plans.participation_withdraw(action=world.action, by=rep(world)) is False

    assert list(ParticipationConfirmation.objects.values_list("user_id", flat=True)) == [second.pk]
    # The history keeps the withdrawn one, and who withdrew it.
    withdrawn = ParticipationConfirmation.history.filter(user_id=rep(world).pk).order_by(
        "history_date"
    )
    assert [h.history_type for h in withdrawn] == ["+", "-"]
    assert withdrawn.last().history_user_id == rep(world).pk


def test_another_units_representative_cannot_withdraw(world):
    plans.participation_confirm(action=world.action, by=rep(world))

    with pytest.raises(PermissionDenied):
        plans.participation_withdraw(action=world.action, by=world.users["representative-other"])

    assert ParticipationConfirmation.objects.count() == 1


def test_a_representative_whose_role_ended_can_no_longer_confirm(world):
    RoleAssignment.objects.filter(user=rep(world)).delete()
    fresh = type(rep(world)).objects.get(pk=rep(world).pk)

    with pytest.raises(PermissionDenied):
        plans.participation_confirm(action=world.action, by=fresh)


# --- Remarks -------------------------------------------------------------------------------


def test_a_representative_remarks_on_the_plan_and_on_the_report_in_every_state(world):
    plan_remark = plans.representative_remark_add(
        unit=world.units["V1"], year=YEAR, by=rep(world), text="  Vi ble tatt med tidlig.  "
    )
    before_any_report = plans.representative_remark_add(
        unit=world.units["V1"], year=YEAR, tertial=1, by=rep(world), text="Før rapporten"
    )
    report = factories.TertialReportFactory(
        unit=world.units["V1"], year=YEAR, tertial=1, submitted=True
    )
    after_submit = plans.representative_remark_add(
        unit=world.units["V1"],
        year=YEAR,
        tertial=1,
        by=rep(world),
        text="Etter innsending",
        capacity=Capacity.SAFETY,
    )

    assert report.state == TertialReport.State.SUBMITTED
    assert plan_remark.text == "Vi ble tatt med tidlig."
    assert (plan_remark.tertial, before_any_report.tertial, after_submit.tertial) == (None, 1, 1)
    on_plan = selectors.representative_remarks(unit=world.units["V1"], year=YEAR)
    assert [r.text for r in on_plan] == ["Vi ble tatt med tidlig."]
    assert [
        (r.text, r.capacity)
        for r in selectors.representative_remarks(unit=world.units["V1"], year=YEAR, tertial=1)
    ] == [("Før rapporten", "tillitsvalgt"), ("Etter innsending", "verneombud")]
    assert after_submit.history.get().history_user_id == rep(world).pk


@pytest.mark.parametrize(
    "who", ["representative-other", "leader-own", "leader-of-parent", "hr", "anonymous"]
)
def test_others_cannot_remark_and_nothing_is_written(world, who):
    by = AnonymousUser() if who == "anonymous" else world.users[who]

    with pytest.raises(PermissionDenied):
        plans.representative_remark_add(unit=world.units["V1"], year=YEAR, by=by, text="Hei")
    with pytest.raises(PermissionDenied):
        plans.representative_remark_add(
            unit=world.units["V1"], year=YEAR, tertial=1, by=by, text="Hei"
        )

    assert not RepresentativeRemark.objects.exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("   ", "Skriv merknaden."),
        ("x" * 5001, "Skriv høyst 5000 tegn (denne teksten har 5001)."),
    ],
)
def test_an_empty_or_too_long_remark_is_refused_in_norwegian(world, text, message):
    with pytest.raises(ValidationError) as error:
        plans.representative_remark_add(unit=world.units["V1"], year=YEAR, by=rep(world), text=text)

    assert error.value.message_dict == {"text": [message]}
    assert not RepresentativeRemark.objects.exists()


def test_a_remark_on_a_tertial_not_begun_or_a_closed_round_is_refused(world):
    hr = world.users["hr"]
    with pytest.raises(ValidationError):
        plans.representative_remark_add(
            unit=world.units["V1"], year=2999, tertial=1, by=rep(world), text="Framtid"
        )
    round_ = plans.round_open(year=YEAR, tertial=1, by=hr, deadline=None)
    plans.round_close(round_=round_, by=hr, version=round_.version)

    with pytest.raises(plans.RoundClosedError):
        plans.representative_remark_add(
            unit=world.units["V1"], year=YEAR, tertial=1, by=rep(world), text="For sent"
        )

    assert not RepresentativeRemark.objects.exists()


def test_only_the_author_deletes_a_remark(world):
    second = user("rep-two", "Tillitsvalgt", unit=world.units["V1"], role="representative")
    remark = plans.representative_remark_add(
        unit=world.units["V1"], year=YEAR, by=rep(world), text="Min merknad"
    )

    with pytest.raises(PermissionDenied):
        plans.representative_remark_delete(remark=remark, by=second)
    with pytest.raises(PermissionDenied):
        plans.representative_remark_delete(remark=remark, by=world.users["hr"])
    assert RepresentativeRemark.objects.count() == 1

    plans.representative_remark_delete(remark=remark, by=rep(world))
    assert not RepresentativeRemark.objects.exists()


# --- The selector for the council report and HR ------------------------------------------------


def test_participation_per_unit_and_the_share_over_units_with_a_plan(world):
    units = world.units
    # V1: a plan with a confirmed action; V2: a plan with a remark only; A1: a plan the
    # leader ticked, but no representative confirmed; HV and K: no plan.
    second_action = factories.ActionFactory(plan=world.action.plan, title="Turnus")
    plans.participation_confirm(action=world.action, by=rep(world))
    v2_plan = factories.ActionPlanFactory(unit=units["V2"], year=YEAR)
    plans.representative_remark_add(
        unit=units["V2"], year=YEAR, by=world.users["representative-other"], text="OK"
    )
    factories.ActionFactory(
        plan=factories.ActionPlanFactory(unit=units["A1"], year=YEAR),
        representatives_took_part=True,
    )
    # A remark on a report, and a remark for another year, do not count for the plan.
    plans.representative_remark_add(
        unit=units["A1"], year=YEAR, tertial=1, by=rep(world), text="Rapport"
    )
    plans.representative_remark_add(unit=units["A1"], year=YEAR + 1, by=rep(world), text="Neste")

    result = selectors.representative_participation(units=list(units.values()), year=YEAR)

    assert set(result) == {u.pk for u in units.values()}
    v1, v2, a1 = result[units["V1"].pk], result[units["V2"].pk], result[units["A1"].pk]
    assert (v1.has_plan, v1.action_count, v1.confirmed_actions, v1.remarks, v1.took_part) == (
        True,
        2,
        1,
        0,
        True,
    )
    assert (v2.has_plan, v2.action_count, v2.remarks, v2.took_part) == (True, 0, 1, True)
    assert (a1.has_plan, a1.checked_actions, a1.remarks, a1.took_part) == (True, 1, 0, False)
    assert (result[units["HV"].pk].has_plan, result[units["HV"].pk].took_part) == (False, False)
    share = selectors.representative_participation_share(result)
    assert (share.took_part, share.with_plan, share.share) == (2, 3, 2 / 3)
    assert v2_plan.unit_id == units["V2"].pk and second_action.plan_id == world.action.plan_id


def test_the_share_with_no_plan_is_none_not_zero(world):
    result = selectors.representative_participation(units=[world.units["HV"]], year=YEAR)

    share = selectors.representative_participation_share(result)

    assert (share.took_part, share.with_plan, share.share) == (0, 0, None)


def test_the_selector_has_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    units = list(world.units.values())
    with django_assert_max_num_queries(3):
        selectors.representative_participation(units=units, year=YEAR)


# --- Pages ---------------------------------------------------------------------------------


def plan_url(world):
    return reverse("plans:plan-detail", args=["V1", YEAR])


def test_the_representative_confirms_and_remarks_on_the_plan_page(client, world):
    client.force_login(rep(world))

    confirmed = client.post(
        reverse("plans:participation-confirm", args=["V1", YEAR, world.action.pk]),
        {"capacity": "tillitsvalgt", "back": "plan"},
    )
    remarked = client.post(
        reverse("plans:plan-remark-add", args=["V1", YEAR]),
        {"capacity": "verneombud", "text": "Godt samarbeid", "submission": "k-1"},
    )
    repeated = client.post(
        reverse("plans:plan-remark-add", args=["V1", YEAR]),
        {"capacity": "verneombud", "text": "Godt samarbeid", "submission": "k-1"},
    )

    assert confirmed.status_code == 302
    assert confirmed["Location"] == plan_url(world) + f"#action-{world.action.pk}"
    assert (remarked.status_code, repeated.status_code) == (302, 302)
    assert RepresentativeRemark.objects.count() == 1
    page = client.get(plan_url(world)).content.decode()
    assert "Bekreftet av rep-own (tillitsvalgt)" in page
    assert "Trekk tilbake bekreftelsen" in page
    assert "Godt samarbeid" in page


def test_the_leader_and_hr_see_confirmations_and_remarks_without_the_buttons(client, world):
    plans.participation_confirm(action=world.action, by=rep(world))
    plans.representative_remark_add(
        unit=world.units["V1"], year=YEAR, by=rep(world), text="Godt samarbeid"
    )
    for who in ("leader-own", "hr"):
        client.force_login(world.users[who])

        page = client.get(plan_url(world)).content.decode()

        assert "Bekreftet av rep-own (tillitsvalgt)" in page
        assert "Godt samarbeid" in page
        assert "Bekreft deltakelse" not in page
        assert 'name="text"' not in page


@pytest.mark.parametrize("who", ["representative-other", "leader-own", "hr"])
def test_others_posting_to_the_representatives_urls_get_403(client, world, who):
    client.force_login(world.users[who])

    responses = [
        client.post(
            reverse("plans:participation-confirm", args=["V1", YEAR, world.action.pk]),
            {"capacity": "tillitsvalgt"},
        ),
        client.post(reverse("plans:plan-remark-add", args=["V1", YEAR]), {"text": "x"}),
        client.post(reverse("plans:report-remark-add", args=["V1", YEAR, 1]), {"text": "x"}),
    ]

    assert [r.status_code for r in responses] == [403, 403, 403]
    assert not ParticipationConfirmation.objects.exists()
    assert not RepresentativeRemark.objects.exists()


def test_anonymous_posts_go_to_the_login_page(client, world):
    response = client.post(
        reverse("plans:participation-confirm", args=["V1", YEAR, world.action.pk]),
        {"capacity": "tillitsvalgt"},
    )

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not ParticipationConfirmation.objects.exists()


def test_a_remark_with_errors_comes_back_with_a_norwegian_message(client, world):
    client.force_login(rep(world))

    response = client.post(
        reverse("plans:report-remark-add", args=["V1", YEAR, 1]),
        {"capacity": "tillitsvalgt", "text": "bad\x01text", "submission": "k-2"},
    )

    assert response.status_code == 400
    assert "kontrolltegn" in response.content.decode()
    assert not RepresentativeRemark.objects.exists()


def test_an_action_of_another_unit_is_404_for_the_representative(client, world):
    other = factories.ActionFactory(plan=factories.ActionPlanFactory(unit=world.units["V2"]))
    client.force_login(rep(world))

    response = client.post(
        reverse("plans:participation-confirm", args=["V1", YEAR, other.pk]),
        {"capacity": "tillitsvalgt"},
    )

    assert response.status_code == 404
    assert not ParticipationConfirmation.objects.exists()


def test_the_plan_list_shows_and_filters_participation(client, world):
    factories.ActionPlanFactory(unit=world.units["V2"], year=YEAR)
    plans.participation_confirm(action=world.action, by=rep(world))
    client.force_login(world.users["hr"])

    took_part = client.get(reverse("plans:plan-list"), {"year": YEAR, "tillitsvalgte": "ja"})
    did_not = client.get(reverse("plans:plan-list"), {"year": YEAR, "tillitsvalgte": "nei"})
    bad = client.get(reverse("plans:plan-list"), {"year": "abc", "tillitsvalgte": "x"})

    assert "Sykehjem 1" in took_part.content.decode()
    assert "Sykehjem 2" not in took_part.content.decode()
    assert "Sykehjem 2" in did_not.content.decode()
    assert "Sykehjem 1" not in did_not.content.decode()
    assert bad.status_code == 200
