from collections.abc import Iterator

import pytest
from django.test import override_settings

from tests.api.helpers import ApiWorld, build_api_world
from tests.api.objects import PlanObjects, build_plan_objects
from tests.conftest import FAST_HASHERS, clear_cache, shared_for_module


@pytest.fixture(autouse=True)
def _fresh_throttle_history() -> Iterator[None]:
    """The throttle counts requests per token id in its cache; ids repeat between tests."""
    clear_cache("throttle")
    yield
    clear_cache("throttle")


@pytest.fixture
def api_world(db, settings) -> ApiWorld:
    settings.PASSWORD_HASHERS = FAST_HASHERS
    return build_api_world()


def build_shared_world() -> tuple[ApiWorld, PlanObjects]:
    with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        world = build_api_world()
        return world, build_plan_objects(world)


# The API world with plans, actions and reports, built once per module.
shared_world = shared_for_module(build_shared_world)


@pytest.fixture
def world(shared_world, db) -> ApiWorld:
    return shared_world[0]


@pytest.fixture
def objects(shared_world, db) -> PlanObjects:
    return shared_world[1]
