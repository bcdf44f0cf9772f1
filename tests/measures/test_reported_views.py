"""The indicator list and HR's pages for reported indicators at /indicators/."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from goals.models import Goal
from measures.models import Indicator, IndicatorValue
from measures.services import indicators_load_seeded
from org import roles
from org.models import RoleAssignment
from tests.hr.hr_import_helpers import user_with_role

from .builders import build_units

pytestmark = pytest.mark.django_db

LIST, CREATE, ENTRY, IMPORT = (
    "/indicators/",
    "/indicators/new/",
    "/indicators/values/",
    "/indicators/values/import/",
)


@pytest.fixture
def seeded(seeded_strategies):
    indicators_load_seeded()
    return {i.slug: i for i in Indicator.objects.all()}


@pytest.fixture
def units():
    return build_units(
        [
            {"code": "K", "level": "kommune"},
            {"code": "SH", "parent_code": "K", "level": "virksomhet"},
        ]
    )


@pytest.fixture
def hr_user(django_user_model):
    return user_with_role(django_user_model, "hr-user", roles.HR)


@pytest.fixture
def hr_client(client, hr_user):
    client.force_login(hr_user)
    return client


def edit_url(indicator: Indicator) -> str:
    return f"/indicators/{indicator.pk}/edit/"


def field_error(html: str, field: str) -> str:
    """The error text crispy-forms shows under ``field``, linked to it by id."""
    match = re.search(rf'<[^>]+id="error_1_id_{field}"[^>]*>\s*<strong>(.*?)</strong>', html, re.S)
    assert match, f"no error shown for {field}"
    return match[1].strip()


def test_the_routes_have_their_names(seeded):
    assert [
        reverse("measures:indicator-list"),
        reverse("measures:indicator-create"),
        reverse("measures:indicator-edit", args=[seeded["tifaktor_autonomi"].pk]),
        reverse("measures:reported-value-entry"),
        reverse("measures:reported-values-import"),
    ] == [LIST, CREATE, edit_url(seeded["tifaktor_autonomi"]), ENTRY, IMPORT]


# --- Who may do what ----------------------------------------------------------------------


@pytest.mark.parametrize("url", [LIST, CREATE, ENTRY, IMPORT])
def test_anonymous_users_are_sent_to_the_login_page(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


def test_anonymous_posts_write_nothing(client, seeded, units):
    client.post(CREATE, {"slug": "x", "name": "X", "unit_of_measure": "%", "direction": "higher"})
    client.post(
        ENTRY,
        {
            "indicator": seeded["tifaktor_autonomi"].pk,
            "unit": units["K"].pk,
            "period": "2025",
            "value": "4",
        },
    )

    assert not Indicator.objects.filter(slug="x").exists()
    assert not IndicatorValue.objects.exists()


def test_a_leader_reads_the_list_but_cannot_edit_enter_or_import(
    client, django_user_model, seeded, units
):
    leader = user_with_role(django_user_model, "leder1", roles.LEADER)
    RoleAssignment.objects.create(user=leader, unit=units["SH"], role=RoleAssignment.Role.LEADER)
    client.force_login(leader)
    autonomy = seeded["tifaktor_autonomi"]

    listing = client.get(LIST)

    assert listing.status_code == 200
    assert "Autonomi" in listing.content.decode()
    assert edit_url(autonomy) not in listing.content.decode()
    assert 'href="/indicators/new/"' not in listing.content.decode()
    for url in [CREATE, edit_url(autonomy), ENTRY, IMPORT]:
        assert client.get(url).status_code == 403
    assert (
        client.post(
            ENTRY, {"indicator": autonomy.pk, "unit": units["K"].pk, "period": "2025", "value": "4"}
        ).status_code
        == 403
    )
    assert client.post(edit_url(autonomy), {"slug": "x"}).status_code == 403
    assert not IndicatorValue.objects.exists()
    assert Indicator.objects.get(pk=autonomy.pk).slug == "tifaktor_autonomi"


def test_a_representative_gets_403_on_the_list(client, django_user_model, seeded):
    client.force_login(user_with_role(django_user_model, "tv", roles.REPRESENTATIVE))

    assert client.get(LIST).status_code == 403


# --- The list -----------------------------------------------------------------------------


def test_hr_sees_both_kinds_with_links_only_for_reported_ones_and_a_nav_link(
    hr_client, seeded, django_assert_max_num_queries
):
    with django_assert_max_num_queries(15):
        response = hr_client.get(LIST)

    html = response.content.decode()
    assert "<h1>Indikatorer</h1>" in html
    assert 'href="/indicators/"' in html and "Indikatorer</a>" in html
    assert html.count('href="/indicators/') - html.count('href="/indicators/"') == 12 + 3
    assert f'href="{edit_url(seeded["tifaktor_rolleklarhet"])}"' in html
    assert f'href="{edit_url(seeded["sick_leave_pct"])}"' not in html
    assert "Stavanger kommune, mål 5, delmål: avklare roller og ansvar" in html
    assert "Tapte dagsverk i prosent av avtalte dagsverk" in html
    assert "<caption>Beregnes fra importerte HR-data" in html


def test_the_edit_page_of_a_computed_indicator_is_not_found(hr_client, seeded):
    assert hr_client.get(edit_url(seeded["sick_leave_pct"])).status_code == 404


# --- Create and edit -------------------------------------------------------------------------


def test_hr_creates_a_reported_indicator(hr_client, seeded):
    goal = Goal.objects.get(strategy__slug="stavanger-organisasjonsstrategi", number=2)

    response = hr_client.post(
        CREATE,
        {
            "slug": "praksisplasser",
            "name": "Praksisplasser",
            "unit_of_measure": "antall",
            "direction": "higher",
            "scale_min": "0",
            "scale_max": "",
            "goals": [goal.pk],
        },
    )

    assert response.status_code == 302
    assert response["Location"] == LIST
    indicator = Indicator.objects.get(slug="praksisplasser")
    assert (indicator.kind, indicator.scale_min, indicator.scale_max) == ("reported", 0.0, None)
    assert list(indicator.goals.all()) == [goal]


def test_the_form_has_labels_and_help_texts(hr_client, seeded):
    html = hr_client.get(CREATE).content.decode()

    for field, label in [
        ("slug", "Kortnavn"),
        ("name", "Navn"),
        ("scale_min", "Laveste verdi"),
        ("scale_max", "Høyeste verdi"),
    ]:
        assert re.search(rf'<label\s+for="id_{field}"[^>]*>\s*{label}', html), field
        assert f'id="id_{field}_helptext"' in html
    assert "<legend" in html and "Mål den følger" in html


def test_errors_are_shown_at_their_fields(hr_client, seeded):
    response = hr_client.post(
        CREATE,
        {
            "slug": "turnover_pct",
            "name": "",
            "unit_of_measure": "%",
            "direction": "higher",
            "scale_min": "5",
            "scale_max": "1",
        },
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert field_error(html, "name") == "Dette feltet er påkrevd."
    assert 'aria-invalid="true"' in html
    assert Indicator.objects.filter(kind="reported").count() == 12

    response = hr_client.post(
        CREATE,
        {
            "slug": "turnover_pct",
            "name": "T",
            "unit_of_measure": "%",
            "direction": "higher",
            "scale_min": "5",
            "scale_max": "1",
        },
    )

    html = response.content.decode()
    assert field_error(html, "slug") == (
        "Dette kortnavnet tilhører en indikator som beregnes fra HR-data."
    )
    assert field_error(html, "scale_max") == "Høyeste verdi må være over laveste verdi."
    assert Indicator.objects.filter(kind="reported").count() == 12


def test_hr_edits_a_seeded_factor_with_a_decimal_comma(hr_client, seeded):
    autonomy = seeded["tifaktor_autonomi"]
    page = hr_client.get(edit_url(autonomy)).content.decode()
    assert 'value="tifaktor_autonomi"' in page

    response = hr_client.post(
        edit_url(autonomy),
        {
            "slug": "tifaktor_autonomi",
            "name": "Autonomi",
            "unit_of_measure": "skår 1–5",
            "direction": "higher",
            "scale_min": "1",
            "scale_max": "5,0",
            "description": "Ny.",
        },
    )

    assert response.status_code == 302
    autonomy.refresh_from_db()
    assert (autonomy.description, autonomy.scale_max) == ("Ny.", 5.0)
    assert autonomy.goals.count() == 0 and autonomy.sub_measures.count() == 0


def test_a_duplicate_short_name_is_shown_at_the_field(hr_client, seeded):
    response = hr_client.post(
        CREATE,
        {"slug": "tifaktor_autonomi", "name": "A", "unit_of_measure": "x", "direction": "higher"},
    )

    assert field_error(response.content.decode(), "slug") == (
        "En annen indikator har allerede dette kortnavnet."
    )


# --- Entering values --------------------------------------------------------------------------


def test_hr_enters_a_value_and_sees_it_in_the_recent_values(hr_client, hr_user, seeded, units):
    climate = seeded["tifaktor_mestringsklima"]

    response = hr_client.post(
        ENTRY, {"indicator": climate.pk, "unit": units["SH"].pk, "period": "2025", "value": "4,2"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"{ENTRY}?indicator={climate.pk}&period=2025"
    value = IndicatorValue.objects.get()
    assert (value.indicator, value.unit, value.period, value.value, value.entered_by) == (
        climate,
        units["SH"],
        "2025",
        4.2,
        hr_user,
    )
    page = hr_client.get(response["Location"]).content.decode()
    assert "Lagret: Mestringsklima for" in page
    assert f'<option value="{climate.pk}" selected>' in page
    assert 'value="2025"' in page
    assert "<td>hr-user</td>" in page


def test_the_entry_form_shows_scale_and_period_errors_at_their_fields(hr_client, seeded, units):
    response = hr_client.post(
        ENTRY,
        {
            "indicator": seeded["tifaktor_autonomi"].pk,
            "unit": units["K"].pk,
            "period": "2025-T5",
            "value": "6",
        },
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert field_error(html, "value") == "Må være mellom 1 og 5 (er 6)."
    assert field_error(html, "period").startswith("«2025-T5» er ikke en periode")
    assert not IndicatorValue.objects.exists()


def test_computed_indicators_cannot_be_chosen_for_entry(hr_client, seeded, units):
    html = hr_client.get(ENTRY).content.decode()
    response = hr_client.post(
        ENTRY,
        {
            "indicator": seeded["sick_leave_pct"].pk,
            "unit": units["K"].pk,
            "period": "2025",
            "value": "5",
        },
    )

    assert "Sykefravær</option>" not in html
    assert "Autonomi</option>" in html
    assert field_error(response.content.decode(), "indicator").startswith("Velg et gyldig valg")
    assert not IndicatorValue.objects.exists()


# --- Importing values ------------------------------------------------------------------------


def upload(content: str, name: str = "verdier.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content.encode(), content_type="text/csv")


def test_hr_imports_a_file(hr_client, hr_user, seeded, units):
    response = hr_client.post(
        IMPORT, {"file": upload("indicator;unit;period;value\ntifaktor_autonomi;K;2025;4,1\n")}
    )

    assert response.status_code == 302
    assert (
        hr_client.get(IMPORT)
        .content.decode()
        .count("Importerte 1 rad fra verdier.csv: 1 nye, 0 endret, 0 uendret.")
        == 1
    )
    value = IndicatorValue.objects.get()
    assert (value.value, value.entered_by) == (4.1, hr_user)


def test_hr_sees_every_problem_of_a_refused_file(hr_client, seeded, units):
    response = hr_client.post(
        IMPORT,
        {
            "file": upload(
                "indicator,unit,period,value\nsick_leave_pct,K,2025,5\n"
                "tifaktor_autonomi,K,2025,4\ntifaktor_autonomi,ZZ,2025,9\n"
            )
        },
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Ingenting ble importert." in html
    rows = re.findall(
        r"<tr>\s*<td>verdier.csv</td>\s*<td[^>]*>(\d+)</td>\s*<td><code>(\w+)</code>", html
    )
    assert rows == [("2", "indicator"), ("4", "unit"), ("4", "value")]
    assert not IndicatorValue.objects.exists()


def test_only_csv_and_xlsx_files_are_accepted(hr_client, seeded):
    response = hr_client.post(IMPORT, {"file": upload("x", name="verdier.txt")})

    assert field_error(response.content.decode(), "file") == (
        "Bare .csv- og .xlsx-filer kan importeres, ikke: verdier.txt."
    )
