"""History of employments and absence spells: who imported which change, and HR sees it."""

import pytest
from django.test import Client

from hr.models import AbsenceSpell, Employment, ImportJob
from hr.services import hr_import
from org import roles
from tests import factories

from .hr_import_helpers import absences, employments, example_sources

pytestmark = pytest.mark.django_db


@pytest.fixture
def importers():
    return factories.user_with_role("kari", roles.HR), factories.user_with_role("ola", roles.HR)


def versions(record) -> list[tuple]:
    return [
        (v.history_type, v.history_user.username if v.history_user else None, v.import_job_id)
        for v in record.history.order_by("history_id")
    ]


def test_each_import_writes_one_version_per_changed_record_with_its_user_and_job(importers):
    kari, ola = importers
    first = hr_import(sources=example_sources(), user=kari, source="web")
    assert first.succeeded

    second = hr_import(
        sources=[
            employments("E2,P2,1985-06-01,K,SH,80,2015-01-01,,,fast,Helsefagarbeider"),
            absences("A2,E2,2024-03-25,2024-04-05,100,legemeldt"),
        ],
        user=ola,
        source="web",
    )

    assert second.succeeded
    e2 = Employment.objects.get(employment_id="E2")
    assert versions(e2) == [("+", "kari", first.job.pk), ("~", "ola", second.job.pk)]
    old, new = e2.history.order_by("history_id")
    assert (old.position_pct, new.position_pct) == (75.0, 80.0)
    assert new.history_change_reason == f"HR import {second.job.pk}"
    a2 = AbsenceSpell.objects.get(absence_id="A2")
    assert [v.end_date.isoformat() for v in a2.history.order_by("history_id")] == [
        "2024-04-02",
        "2024-04-05",
    ]
    assert versions(a2)[-1] == ("~", "ola", second.job.pk)
    # Records the second import did not change have their first version only.
    e1 = Employment.objects.get(employment_id="E1")
    assert versions(e1) == [("+", "kari", first.job.pk)]
    assert Employment.history.count() == Employment.objects.count() + 1
    assert AbsenceSpell.history.count() == AbsenceSpell.objects.count() + 1


def test_importing_the_same_batch_again_writes_no_version(importers):
    kari, _ola = importers
    hr_import(sources=example_sources(), user=kari, source="web")
    before = (Employment.history.count(), AbsenceSpell.history.count())

    again = hr_import(sources=example_sources(), user=kari, source="command")

    assert again.succeeded
    assert (Employment.history.count(), AbsenceSpell.history.count()) == before


def test_a_refused_import_writes_no_version(importers):
    kari, _ola = importers
    hr_import(sources=example_sources(), user=kari, source="web")
    before = (Employment.history.count(), AbsenceSpell.history.count())

    refused = hr_import(
        sources=[employments("E2,P2,1985-06-01,K,SH,101,2015-01-01,,,fast,")],
        user=kari,
        source="web",
    )

    assert not refused.succeeded
    assert (Employment.history.count(), AbsenceSpell.history.count()) == before


def test_hr_sees_an_employments_history_in_the_administration_read_only(importers):
    kari, ola = importers
    hr_import(sources=example_sources(), user=kari, source="web")
    hr_import(
        sources=[employments("E2,P2,1985-06-01,K,SH,80,2015-01-01,,,fast,Helsefagarbeider")],
        user=ola,
        source="web",
    )
    e2 = Employment.objects.get(employment_id="E2")
    staff = factories.user_with_role("hr-staff", roles.HR)
    staff.is_staff = True
    staff.save()
    client = Client()
    client.force_login(staff)
    version = e2.history.order_by("history_id").first()

    page = client.get(f"/admin/hr/employment/{e2.pk}/history/")
    change = client.post(f"/admin/hr/employment/{e2.pk}/change/", {"position_pct": 10})
    revert = client.post(f"/admin/hr/employment/{e2.pk}/history/{version.history_id}/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "kari" in html and "ola" in html
    jobs = ImportJob.objects.order_by("pk")
    assert all(str(job) in html for job in jobs)
    assert change.status_code == 403
    assert revert.status_code == 403
    assert Employment.objects.get(pk=e2.pk).position_pct == 80.0
