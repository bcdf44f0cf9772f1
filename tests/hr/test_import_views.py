"""The browser upload at /import/: HR only, results, errors, recent imports."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from hr.models import Employment, ImportJob
from org import roles
from org.models import OrgUnit

from .hr_import_helpers import EXAMPLE, UNITS, import_example, snapshot, user_with_role

pytestmark = pytest.mark.django_db

URL = "/import/"


@pytest.fixture
def hr_client(client, django_user_model):
    client.force_login(user_with_role(django_user_model, "hr-user", roles.HR))
    return client


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def example_uploads() -> list[SimpleUploadedFile]:
    return [
        upload(f"{kind}.csv", (EXAMPLE / f"{kind}.csv").read_bytes())
        for kind in ["orgunits", "employments", "absences"]
    ]


def test_the_url_is_import():
    assert reverse("hr:import") == URL


def test_anonymous_users_are_sent_to_the_login_page(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/import/"


def test_anonymous_uploads_are_sent_to_the_login_page_and_write_nothing(client):
    response = client.post(URL, {"files": example_uploads()})

    assert response.status_code == 302
    assert ImportJob.objects.count() == 0


@pytest.mark.parametrize("role", [roles.LEADER, roles.REPRESENTATIVE])
def test_other_roles_get_403_and_cannot_upload(client, django_user_model, role):
    client.force_login(user_with_role(django_user_model, "someone", role))

    assert client.get(URL).status_code == 403
    assert client.post(URL, {"files": example_uploads()}).status_code == 403
    assert ImportJob.objects.count() == 0
    assert OrgUnit.objects.count() == 0


def test_a_leader_gets_403_on_an_import_page_and_no_nav_link(client, django_user_model):
    job = import_example().job
    client.force_login(user_with_role(django_user_model, "leder1", roles.LEADER))

    assert client.get(f"/import/{job.pk}/").status_code == 403
    assert 'href="/import/"' not in client.get("/").content.decode()


def test_hr_sees_the_form_with_labels_and_the_nav_link(hr_client):
    response = hr_client.get(URL)

    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Importer HR-data</h1>" in html
    assert 'for="id_files" class="form-label requiredField">' in html
    assert 'type="file" name="files"' in html
    assert "multiple" in html
    assert '<label for="id_skip_invalid" class="form-check-label">' in html
    assert "Hopp over ugyldige rader" in html
    assert re.search(
        r'"nav-link active"\s+aria-current="page"\s+href="/import/">HR-import</a>', html
    )
    assert "Ingen importer ennå." in html


def test_hr_uploads_the_example_and_sees_the_counts(hr_client):
    response = hr_client.post(URL, {"files": example_uploads()}, follow=True)

    job = ImportJob.objects.get()
    assert response.redirect_chain == [(f"/import/{job.pk}/", 302)]
    assert (job.source, job.user.username, job.status) == ("web", "hr-user", "succeeded")
    assert job.files == ["orgunits.csv", "employments.csv", "absences.csv"]
    assert Employment.objects.count() == 8
    html = response.content.decode()
    assert "Fullført" in html
    # The recompute is queued after the commit, which this test's transaction never
    # makes: the page says so (tests/hostile/test_convergence.py has the figures).
    assert "Indikatorene fra januar 2024 er ikke beregnet på nytt ennå." in html
    assert (
        '<th scope="row">employments.csv</th>\n'
        '              <td class="text-end">8</td>\n'
        '              <td class="text-end">8</td>'
    ) in html


def test_hr_uploads_a_bad_file_and_sees_every_problem_and_nothing_is_written(hr_client):
    import_example()
    before = snapshot()
    bad = f"{UNITS}\nX1,Ny,SH,rom,nei\nX2,,SH,avdeling,nei\n".encode()

    response = hr_client.post(URL, {"files": [upload("orgunits.csv", bad)]}, follow=True)

    # Markup without the whitespace between tags.
    html = re.sub(r">\s+<", "><", response.content.decode())
    assert "Ingenting ble importert." in html
    assert "<caption>Problemer funnet · Linje 1 er overskriftsraden." in html
    assert '<th scope="col">Kolonne</th>' in html
    assert (
        '<td>orgunits.csv</td><td class="text-end">2</td><td><code>level</code></td>'
        "<td>«rom» er ikke en av: kommune, tjenesteomrade, virksomhet, avdeling.</td>"
    ) in html
    assert "<td><code>name</code></td><td>en verdi er påkrevd.</td>" in html
    assert snapshot() == before
    assert ImportJob.objects.order_by("-pk").first().status == "failed"


def test_hr_may_skip_invalid_rows(hr_client):
    import_example()
    rows = f"{UNITS}\nX1,Ny,SH,rom,nei\nX2,Avdeling,SH,avdeling,nei\n".encode()

    hr_client.post(URL, {"files": [upload("orgunits.csv", rows)], "skip_invalid": "on"})

    job = ImportJob.objects.order_by("-pk").first()
    assert (job.status, job.skip_invalid) == ("succeeded", True)
    assert set(OrgUnit.objects.filter(code__startswith="X").values_list("code", flat=True)) == {
        "X2"
    }


def test_csv_files_and_a_workbook_together_are_refused_by_the_form(hr_client):
    response = hr_client.post(
        URL, {"files": [upload("orgunits.csv", b"code\n"), upload("hr.xlsx", b"x")]}
    )

    assert response.status_code == 200
    assert "Last opp enten CSV-filer eller én Excel-arbeidsbok" in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_other_file_types_are_refused_by_the_form(hr_client):
    response = hr_client.post(URL, {"files": [upload("orgunits.txt", b"code\n")]})

    assert "Bare .csv- og .xlsx-filer kan importeres, ikke: orgunits.txt." in (
        response.content.decode()
    )
    assert ImportJob.objects.count() == 0


def test_uploads_over_the_size_limit_are_refused_with_a_clear_message(hr_client, settings):
    settings.HR_IMPORT_MAX_UPLOAD_MB = 1
    big = upload("employments.csv", b"x" * (1024 * 1024 + 1))

    response = hr_client.post(URL, {"files": [big]})

    html = response.content.decode()
    assert "Filene er for store: 1,0 MB til sammen, og grensen er 1 MB." in html
    assert "manage.py import_hr" in html
    assert ImportJob.objects.count() == 0


def test_no_file_is_a_form_error(hr_client):
    response = hr_client.post(URL, {})

    assert response.status_code == 200
    assert '<p id="error_1_id_files"><strong>Dette feltet er påkrevd.</strong></p>' in (
        response.content.decode()
    )
    assert ImportJob.objects.count() == 0


def test_the_recent_imports_list_uses_a_bounded_number_of_queries(
    hr_client, django_assert_max_num_queries
):
    for _ in range(3):
        import_example()
    for _ in range(3):
        hr_client.post(URL, {"files": example_uploads()})

    with django_assert_max_num_queries(6):
        response = hr_client.get(URL)

    html = response.content.decode()
    assert html.count("/import/") >= 7
    assert html.count("hr-user") == 3 + 1  # three imports and the "logged in as"
    assert html.count("kommandolinje") == 3


def test_the_import_page_uses_a_bounded_number_of_queries(hr_client, django_assert_max_num_queries):
    job = import_example().job

    with django_assert_max_num_queries(5):
        response = hr_client.get(f"/import/{job.pk}/")

    assert response.status_code == 200


def test_an_unknown_import_is_404(hr_client):
    assert hr_client.get("/import/999/").status_code == 404
