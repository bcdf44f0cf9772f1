from io import StringIO

import pytest
from django.core.management import call_command

from goals.models import Goal, Strategy

pytestmark = pytest.mark.django_db


def test_load_strategies_command_is_idempotent():
    first, second = StringIO(), StringIO()

    call_command("load_strategies", stdout=first)
    call_command("load_strategies", stdout=second)

    assert "156 created, 0 updated, 0 deleted" in first.getvalue()
    assert "0 created, 0 updated, 0 deleted" in second.getvalue()
    assert Strategy.objects.count() == 3
    assert Goal.objects.count() == 14
