"""The demo's representative speaks: a confirmed action and remarks, once."""

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from demo.services import (
    DEMO_PLAN_REMARK,
    DEMO_REPORT_REMARK,
    demo_load,
    demo_representative_voice_ensure,
)
from measures import periods as P
from org import access
from org.models import RoleAssignment
from plans import selectors
from plans.models import ParticipationConfirmation, RepresentativeRemark
from strategi.celery import app as celery_app

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings, monkeypatch, seeded_strategies):
    settings.DEMO_MODE = True
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    demo_load(persons=400)


def test_the_demo_representative_confirms_and_remarks_on_the_leaders_unit(demo):
    users = get_user_model().objects
    representative = users.get(username="tillitsvalgt")
    unit = RoleAssignment.objects.get(user=users.get(username="leder")).unit
    today = timezone.localdate()
    year, tertial = P.last_ended_tertial(today)

    assert access.can_speak_as_representative(representative, unit)
    confirmed = ParticipationConfirmation.objects.get(user=representative)
    assert confirmed.action.plan.unit == unit
    assert [r.text for r in selectors.representative_remarks(unit=unit, year=today.year)] == [
        DEMO_PLAN_REMARK
    ]
    on_report = selectors.representative_remarks(unit=unit, year=year, tertial=tertial)
    assert [r.text for r in on_report] == [DEMO_REPORT_REMARK]
    assert selectors.representative_participation(units=[unit], year=today.year)[unit.pk].took_part
    # Once: a second load writes nothing more.
    assert demo_representative_voice_ensure() == 0
    assert RepresentativeRemark.objects.count() == 2
