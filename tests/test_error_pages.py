"""Norwegian 403, 404 and 500 pages with the site's menu (DEBUG off, as in production)."""

from unittest import mock

import pytest
from django.test import Client

from org import roles
from strategi import errors
from tests import factories

pytestmark = pytest.mark.django_db

MENU = 'aria-label="Hovedmeny"'


@pytest.fixture(autouse=True)
def production(settings):
    settings.DEBUG = False


def test_a_representative_without_a_unit_gets_the_norwegian_403_with_the_menu(client):
    client.force_login(factories.user_with_role("rep", roles.REPRESENTATIVE))

    response = client.get("/plans/")
    html = response.content.decode()

    assert response.status_code == 403
    assert "Forbidden" not in html
    assert MENU in html
    assert "<h1>Du har ikke tilgang til denne siden</h1>" in html
    assert "Du er ikke tildelt noen enhet ennå" in html
    assert "Roller på enheter" in html


def test_a_leader_refused_a_page_gets_the_403_without_the_no_unit_text(client):
    client.force_login(factories.user_with_role("leader", roles.LEADER))

    response = client.get("/import/")
    html = response.content.decode()

    assert response.status_code == 403
    assert "<h1>Du har ikke tilgang til denne siden</h1>" in html
    assert MENU in html


def test_an_unknown_page_is_the_norwegian_404_with_the_menu(client):
    response = client.get("/finnes-ikke/")
    html = response.content.decode()

    assert response.status_code == 404
    assert "Not Found" not in html
    assert MENU in html
    assert "<h1>Fant ikke siden</h1>" in html


@pytest.mark.urls("tests.error_urls")
def test_a_failing_view_gets_the_norwegian_500_with_the_menu():
    client = Client(raise_request_exception=False)

    response = client.get("/broken/")
    html = response.content.decode()

    assert response.status_code == 500
    assert MENU in html
    assert "<h1>Noe gikk galt</h1>" in html
    assert '<html lang="nb">' in html


def test_the_500_page_asks_nothing_of_the_database_or_the_context_processors(
    rf, django_assert_num_queries, settings
):
    settings.TEMPLATES = [
        {
            **settings.TEMPLATES[0],
            "OPTIONS": {
                **settings.TEMPLATES[0]["OPTIONS"],
                "context_processors": ["tests.test_error_pages.failing_processor"],
            },
        }
    ]

    with django_assert_num_queries(0):
        response = errors.server_error(rf.get("/"))

    assert response.status_code == 500
    assert "<h1>Noe gikk galt</h1>" in response.content.decode()


def failing_processor(request):
    raise RuntimeError("a context processor that fails")


def test_when_even_the_template_fails_a_plain_norwegian_page_is_sent(rf):
    with mock.patch.object(errors.loader, "get_template", side_effect=RuntimeError("gone")):
        response = errors.server_error(rf.get("/"))

    assert response.status_code == 500
    assert "<h1>Noe gikk galt</h1>" in response.content.decode()
