"""The home page («Min side»): a leader's units and what is due, HR's round, a
representative's plans or how to get a unit; never another unit's figures."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from measures.models import HealthDataAccess
from org import roles
from org.models import OrgUnit, RoleAssignment
from plans.models import TertialReport
from plans.services import round_open
from tests import factories

from .dashboard_data import user_with_role
from .test_dashboard import text_of

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year


@pytest.fixture
def open_round(units):
    return round_open(
        year=2024, tertial=2, by=None, deadline=timezone.localdate() + dt.timedelta(days=10)
    )


def deadline_text(round_) -> str:
    from django.utils.formats import date_format

    return date_format(round_.deadline, "j. F")


def home_text(client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return text_of(response.content.decode())


def test_login_lands_on_the_home(client, units, django_user_model):
    leader = user_with_role(django_user_model, "leader", roles.LEADER, units["SH"])
    leader.set_password("pw-1-x")
    leader.save()

    response = client.post(reverse("login"), {"username": "leader", "password": "pw-1-x"})

    assert response.status_code == 302
    assert response["Location"] == reverse("home") == "/"


def test_a_leader_sees_the_unit_its_figures_and_what_is_due(
    client, units, django_user_model, open_round
):
    leader = user_with_role(django_user_model, "leader", roles.LEADER, units["SH"])
    factories.ActionFactory(plan=factories.ActionPlanFactory(unit=units["SH"], year=YEAR))
    client.force_login(leader)

    response = client.get("/")
    html = response.content.decode()
    page = text_of(html)

    assert "Sykehjemmet" in page
    # SH's sick leave in 2024-T2: 11,1 % against its area's target < 11 (margin 0,5): near.
    assert "Nøkkeltall mot mål, 2. tertial 2024" in page
    assert "11,1 %" in page
    assert "● Nær mål < 11 %" in page
    assert "status-near" in html
    report_url = reverse("plans:tertial-report-edit", args=["SH", 2024, 2])
    link = f"Tertialrapport 2. tertial 2024 – frist {deadline_text(open_round)}"
    assert re.search(rf'<a href="{re.escape(report_url)}">{re.escape(link)}</a>', html)
    assert "Ikke påbegynt" in page
    plan_url = reverse("plans:plan-detail", args=["SH", YEAR])
    assert f'<a href="{plan_url}">Handlingsplan {YEAR}</a>' in html
    assert "1 tiltak" in page
    # Health data: logged, never cached.
    assert HealthDataAccess.objects.filter(user=leader, path="/").count() == 1
    assert "no-store" in response["Cache-Control"]


def test_a_leader_never_sees_a_sibling_units_figures(client, units, django_user_model, open_round):
    # SK's leader: SK's figures (0,0 %, met) but nothing of SH (a sibling's subtree).
    client.force_login(user_with_role(django_user_model, "other", roles.LEADER, units["SK"]))

    page = home_text(client)

    assert "Skolen" in page
    assert "Sykehjemmet" not in page
    assert "11,1 %" not in page
    assert "/tertialrapporter/SH/" not in client.get("/").content.decode()


@pytest.mark.parametrize(
    ("state", "comment", "expected"),
    [
        (TertialReport.State.DRAFT, "", "Utkast"),
        (
            TertialReport.State.RETURNED,
            "Mangler tiltak for sykefraværet",
            "Sendt tilbake for endring",
        ),
        (TertialReport.State.SUBMITTED, "", "Sendt inn, venter på gjennomgang"),
        (TertialReport.State.APPROVED, "", "Godkjent"),
    ],
)
def test_the_report_state_is_shown_as_text(
    client, units, django_user_model, open_round, state, comment, expected
):
    leader = user_with_role(django_user_model, "leader", roles.LEADER, units["SH"])
    report = factories.TertialReportFactory(unit=units["SH"], year=2024, tertial=2)
    TertialReport.objects.filter(pk=report.pk).update(state=state, review_comment=comment)
    client.force_login(leader)

    page = home_text(client)

    assert expected in page
    assert "Ikke påbegynt" not in page
    if comment:
        assert f"Kommentar fra den som godkjenner: {comment}" in page


def test_without_an_open_round_the_leader_is_told_so(client, units, django_user_model):
    client.force_login(user_with_role(django_user_model, "leader", roles.LEADER, units["SH"]))

    page = home_text(client)

    assert "Ingen rapporteringsrunde er åpen nå." in page
    assert "Tertialrapport" not in page.replace("Tertialrapporter", "")


def test_hr_sees_the_rounds_progress_and_the_unexplained_missed_targets(
    client, units, django_user_model, open_round, settings
):
    settings.REPORT_EXPLAIN_STATUSES = ["missed", "near"]
    user_with_role(django_user_model, "leader", roles.LEADER, units["SH"])
    user_with_role(django_user_model, "other", roles.LEADER, units["SK"])
    client.force_login(user_with_role(django_user_model, "hr-user", roles.HR))

    html = client.get("/").content.decode()
    page = text_of(html)

    assert "0 av 2 levert, 0 utkast, 2 ikke påbegynt" in page
    assert "Helse og velferd 1 0 0 0 1" in page
    assert "Oppvekst 1 0 0 0 1" in page
    # SH is near its target (explanation required here), SK met its target.
    missed = html.split("Nådde ikke målet uten forklaring", 1)[1]
    report_url = reverse("plans:tertial-report-edit", args=["SH", 2024, 2])
    assert f'<a href="{report_url}">Sykehjemmet</a>' in missed
    assert "Skolen" not in missed


def test_a_delivered_report_takes_the_unit_off_hrs_unexplained_list(
    client, units, django_user_model, open_round, settings
):
    settings.REPORT_EXPLAIN_STATUSES = ["missed", "near"]
    user_with_role(django_user_model, "leader", roles.LEADER, units["SH"])
    report = factories.TertialReportFactory(unit=units["SH"], year=2024, tertial=2)
    TertialReport.objects.filter(pk=report.pk).update(state=TertialReport.State.SUBMITTED)
    client.force_login(user_with_role(django_user_model, "hr-user", roles.HR))

    page = home_text(client)

    assert "1 av 1 levert" in page
    assert "Ingen enhet mangler forklaring på et mål som ikke er nådd." in page


def test_a_representative_sees_the_plans_and_no_indicator_values(
    client, units, django_user_model, open_round
):
    rep = user_with_role(django_user_model, "rep", roles.REPRESENTATIVE, units["SH"])
    factories.ActionFactory(plan=factories.ActionPlanFactory(unit=units["SH"], year=YEAR))
    client.force_login(rep)

    response = client.get("/")
    html = response.content.decode()
    page = text_of(html)

    plan_url = reverse("plans:plan-detail", args=["SH", YEAR])
    assert f'<a href="{plan_url}">Handlingsplan {YEAR}</a>' in html
    assert "Sykehjemmet" in page
    # No health data: no figure, no status, no key figures table, nothing logged.
    assert "11,1" not in page
    assert "Nøkkeltall" not in page
    assert "status-near" not in html
    assert "Sykefravær" not in page
    assert not HealthDataAccess.objects.filter(user=rep).exists()


@pytest.mark.parametrize("role", [roles.REPRESENTATIVE, None])
def test_a_user_without_a_unit_is_told_how_to_get_one(client, units, django_user_model, role):
    if role:
        user = user_with_role(django_user_model, "rep", role)
    else:
        user = django_user_model.objects.create_user("nobody", password="pw-1-x")
    client.force_login(user)

    page = home_text(client)

    assert "Du er ikke tildelt noen enhet ennå" in page
    assert "Be HR om å tildele deg enheten din" in page
    assert "Roller på enheter" in page


def test_anonymous_users_see_the_strategy_and_the_strategy_has_its_own_page(
    client, seeded_strategies
):
    assert "<h1>Organisasjonsstrategi" in client.get("/").content.decode()
    assert "<h1>Organisasjonsstrategi" in client.get("/strategies/active/").content.decode()


def test_the_home_links_the_strategy(client, units, django_user_model):
    client.force_login(user_with_role(django_user_model, "leader", roles.LEADER, units["SH"]))

    assert 'href="/strategies/active/"' in client.get("/").content.decode()


def test_a_leader_of_many_units_costs_a_bounded_number_of_queries(
    client, django_user_model, open_round, django_assert_max_num_queries
):
    leader = user_with_role(django_user_model, "leader", roles.LEADER, None)
    for unit in OrgUnit.objects.all():
        RoleAssignment.objects.get_or_create(
            user=leader, unit=unit, role=RoleAssignment.Role.LEADER
        )
        factories.ActionPlanFactory(unit=unit, year=YEAR)
    client.force_login(leader)

    with django_assert_max_num_queries(22):
        response = client.get("/")

    assert response.status_code == 200
    assert (
        text_of(response.content.decode()).count(f"Handlingsplan {YEAR}") == OrgUnit.objects.count()
    )


def test_hrs_home_costs_a_bounded_number_of_queries(
    client, django_user_model, open_round, django_assert_max_num_queries, settings
):
    settings.REPORT_EXPLAIN_STATUSES = ["missed", "near"]
    for unit in OrgUnit.objects.all():
        user_with_role(django_user_model, f"leader-{unit.code}", roles.LEADER, unit)
    client.force_login(user_with_role(django_user_model, "hr-user", roles.HR))

    with django_assert_max_num_queries(22):
        response = client.get("/")

    assert response.status_code == 200
