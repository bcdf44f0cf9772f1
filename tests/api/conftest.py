from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import override_settings

from tests.api.helpers import ApiWorld, build_api_world
from tests.api.objects import PlanObjects, build_plan_objects
from tests.conftest import FAST_HASHERS


@pytest.fixture(autouse=True)
def _fresh_throttle_history() -> Iterator[None]:
    """The throttle counts requests per token id in the cache; ids repeat between tests."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_world(db, settings) -> ApiWorld:
    settings.PASSWORD_HASHERS = FAST_HASHERS
    return build_api_world()


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker) -> Iterator[tuple[ApiWorld, PlanObjects]]:
    """The API world with plans, actions and reports, built once per module.

    It lives in a transaction that is rolled back after the module; each test runs in
    its own savepoint inside it (pytest-django's ``db``), so a test's writes are undone.
    """
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            world = build_api_world()
            yield world, build_plan_objects(world)
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def world(shared_world, db) -> ApiWorld:
    return shared_world[0]


@pytest.fixture
def objects(shared_world, db) -> PlanObjects:
    return shared_world[1]
