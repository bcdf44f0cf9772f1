import pytest
from django.urls import reverse

from goals.models import Strategy

pytestmark = pytest.mark.django_db


def test_home_shows_the_active_strategy_goals_and_sub_measures(client, seeded_strategies):
    response = client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Organisasjonsstrategi" in html
    assert "Vi bygger fellesskap" in html
    for title in [
        "Mål 1: Ta i bruk, videreutvikle og beholde kompetanse",
        "Mål 2: Rekruttere kompetente arbeidstakere",
        "Mål 3: Øke arbeidsdeltakelsen",
        "Mål 4: Utvikle bedre måter å jobbe på",
        "Mål 5: Bygge gode arbeidsfellesskap",
    ]:
        assert title in html
    for sub in ["øke andelen heltidsansatte", "få ned sykefraværet", "heve avgangsalderen"]:
        assert f"<li>{sub}</li>" in html
    for value in ["Nær", "Åpen", "Nyskapende"]:
        assert f">{value}</h3>" in html


def test_home_is_in_norwegian(client, seeded_strategies):
    html = client.get("/").content.decode()

    assert '<html lang="nb">' in html
    assert "Hopp til hovedinnhold" in html
    assert "Ledere skal" in html


def test_home_uses_a_fixed_number_of_queries(
    client, seeded_strategies, django_assert_max_num_queries
):
    with django_assert_max_num_queries(6):
        client.get("/")


def test_home_without_an_active_strategy_says_so(client, db):
    response = client.get("/")

    assert response.status_code == 200
    assert "Ingen gjeldende strategi" in response.content.decode()


def test_strategy_list_links_every_strategy(
    client, seeded_strategies, django_assert_max_num_queries
):
    with django_assert_max_num_queries(3):
        response = client.get(reverse("goals:strategy-list"))

    html = response.content.decode()
    for strategy in Strategy.objects.all():
        assert f'href="/strategies/{strategy.pk}/"' in html


@pytest.mark.parametrize(
    ("slug", "expected"),
    [
        ("stavanger-organisasjonsstrategi", "Mål 3: Øke arbeidsdeltakelsen"),
        ("stange-arbeidsgiverpolitisk-plattform", "Strategielement 1: Ledelse og medarbeiderskap"),
        ("ks-arbeidsgiverpolitikk", "Grep 1: Å våge"),
    ],
)
def test_strategy_detail_shows_each_strategy(client, seeded_strategies, slug, expected):
    strategy = Strategy.objects.get(slug=slug)

    response = client.get(f"/strategies/{strategy.pk}/")

    assert response.status_code == 200
    assert expected in response.content.decode()


def test_strategy_detail_shows_lists_by_kind(client, seeded_strategies):
    stange = Strategy.objects.get(slug="stange-arbeidsgiverpolitisk-plattform")
    ks = Strategy.objects.get(slug="ks-arbeidsgiverpolitikk")

    assert "Mulige virkemidler" in client.get(f"/strategies/{stange.pk}/").content.decode()
    assert "Refleksjonsspørsmål" in client.get(f"/strategies/{ks.pk}/").content.decode()


def test_unknown_strategy_is_404(client, db):
    assert client.get("/strategies/999999/").status_code == 404


def test_admin_lists_strategies_for_hr(client, seeded_strategies, django_user_model):
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user("hr-test", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name="HR"))
    client.force_login(user)

    response = client.get("/admin/goals/strategy/")

    assert response.status_code == 200
    assert "Organisasjonsstrategi" in response.content.decode()


def test_admin_is_closed_to_anonymous_users(client, db):
    response = client.get("/admin/goals/strategy/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_an_english_browser_still_gets_norwegian(client, seeded_strategies):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()

    assert "Ledere skal" in html
    assert "Leaders shall" not in html


def test_the_language_chosen_in_the_footer_is_used(client, seeded_strategies):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/").content.decode()

    assert response.status_code == 302
    assert '<html lang="en">' in html
    assert "Leaders shall" in html
