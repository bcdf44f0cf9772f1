"""Fixtures shared by the page tests: the small municipality and an HR session."""

import pytest

from org import roles

from .dashboard_data import build_municipality, user_with_role


@pytest.fixture
def units():
    return build_municipality()


@pytest.fixture
def hr_client(client, django_user_model, units):
    client.force_login(user_with_role(django_user_model, "hr-user", roles.HR))
    return client
