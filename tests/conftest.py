"""Shared fixtures: the real services (PostgreSQL, Redis, a Celery worker).

A test that needs a service skips when it is missing, unless ``REQUIRE_SERVICES=1``
(set by ``.ci/run``), which turns the skip into a failure.
"""

import contextlib
import importlib
import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection, transaction

from goals.services import strategies_load_seeded
from strategi.celery import app as celery_app

ROOT = Path(__file__).resolve().parent.parent
# Passwords are hashed on every create_user and login; PBKDF2 costs about 0.25 s each.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_configure(config: pytest.Config) -> None:
    """Test-wide settings, applied before any cache or user is used.

    Each xdist worker (and each run) gets page-cache and throttle keys of its own, so
    workers that share one Redis never read each other's pages or counts
    (``clear_cache`` deletes only these keys; Redis's FLUSHDB would also drop the other
    workers' Celery queues).
    """
    settings.PASSWORD_HASHERS = FAST_HASHERS
    # Embedded mode's background catch-up would recompute in a thread of its own in the
    # middle of a test; the tests of it switch it on (tests/hostile/test_convergence.py).
    settings.RECOMPUTE_CATCH_UP_SECONDS = 0
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID", uuid.uuid4().hex)[:12]
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    for alias in ("pages", "throttle"):
        config = settings.CACHES[alias]
        config["KEY_PREFIX"] = f"{config.get('KEY_PREFIX', 'strategi')}-test-{run}-{worker}"


def clear_page_cache() -> None:
    """Empty this test process's page cache (only its own keys when it is Redis)."""
    clear_cache("pages")


def clear_cache(alias: str) -> None:
    """Empty this test process's cache ``alias`` (only its own keys when it is Redis)."""
    from django.core.cache import caches

    cache = caches[alias]
    location = settings.CACHES[alias].get("LOCATION", "")
    if not str(location).startswith("redis://"):
        cache.clear()
        return
    import redis

    server = redis.Redis.from_url(location, socket_timeout=5)
    try:
        keys = list(server.scan_iter(f"{settings.CACHES[alias]['KEY_PREFIX']}:*"))
        if keys:
            server.delete(*keys)
    finally:
        server.close()


def services_required() -> bool:
    return os.environ.get("REQUIRE_SERVICES", "") not in {"", "0", "false"}


def require_service(available: bool, reason: str) -> None:
    """Skip (locally) or fail (CI, ``REQUIRE_SERVICES=1``) when a service is missing."""
    if available:
        return
    if services_required():
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def redis_available() -> bool:
    if not settings.REDIS_URL:
        return False
    import redis

    try:
        return bool(redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def seeded_strategies(db):
    """The three seeded strategies, loaded through the real loader."""
    return strategies_load_seeded()


@pytest.fixture
def celery_worker_process(transactional_db) -> Iterator[str]:
    """A real Celery worker (a separate process) on Redis, using the test database.

    Yields the name of a queue only this worker consumes, so a stray worker elsewhere
    cannot take the test's tasks.
    """
    require_service(redis_available(), "Redis is not reachable (set REDIS_URL)")
    require_service(
        connection.vendor == "postgresql",
        "a worker process needs a shared database: set DATABASE_URL to PostgreSQL",
    )
    db = connection.settings_dict
    database_url = (
        f"postgres://{quote(db['USER'] or '')}:{quote(db['PASSWORD'] or '')}"
        f"@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{quote(db['NAME'])}"
    )
    queue = f"test-{uuid.uuid4().hex[:12]}"
    # Tasks queued by the code under test (e.g. the recompute after an import) go to
    # this worker's queue too.
    default_queue = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = queue
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": settings.REDIS_URL,
        "DJANGO_SETTINGS_MODULE": "strategi.settings",
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "--app",
            "strategi",
            "worker",
            "--pool",
            "solo",
            "--queues",
            queue,
            "--hostname",
            f"{queue}@%h",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield queue
    finally:
        celery_app.conf.task_default_queue = default_queue
        worker.terminate()
        try:
            output, _ = worker.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            output, _ = worker.communicate()
        # Shown by pytest only when the test failed.
        print(f"--- celery worker output ---\n{output}")


@pytest.fixture
def migrated_roles(transactional_db) -> None:
    """Recreate the roles of migration 0002 after a transactional test's flush.

    Transactional tests (browser, worker) flush the database, which removes rows that
    migrations created; this re-runs that migration's own function.
    """
    from django.apps import apps

    importlib.import_module("workplaces.migrations.0002_roles").create_roles(apps, None)
    importlib.import_module("workplaces.migrations.0005_hr_permissions").grant(apps, None)
    importlib.import_module("org.migrations.0002_hr_unlocks_logins").grant(apps, None)
    importlib.import_module("hr.migrations.0002_employment_absence_history").grant(apps, None)
    # Those migrations granted HR the unit tree and role assignments under the former app
    # label; after a flush their content types exist only under "org".
    from django.contrib.auth.models import Group, Permission

    Group.objects.get(name="HR").permissions.add(
        *Permission.objects.filter(
            content_type__app_label="org", content_type__model__in=["orgunit", "roleassignment"]
        )
    )


@pytest.fixture
def hr_admin(db, client, django_user_model):
    """A client logged in as HR staff (group HR, staff, not a superuser): the admin's user."""
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user(
        username="hr-admin", password="secret-pw-1", is_staff=True
    )
    user.groups.add(Group.objects.get(name="HR"))
    client.force_login(user)
    client.user = user
    return client


def shared_for_module(build: Callable[[], object]):  # noqa: ANN201 - a pytest fixture
    """A module-scoped fixture of what ``build()`` makes, built once for the module.

    It lives in a transaction that is rolled back after the module; each test runs in
    a savepoint inside it (pytest-django's ``db``), so a test's writes are undone. For
    modules of non-transactional tests whose data costs more to build than to share
    (the seeded strategies, role users).
    """

    @pytest.fixture(scope="module")
    def shared(django_db_setup, django_db_blocker) -> Iterator[object]:
        with django_db_blocker.unblock(), contextlib.ExitStack() as stack:
            stack.enter_context(transaction.atomic())
            try:
                yield build()
            finally:
                transaction.set_rollback(True)

    return shared


def forget_access(*users: object) -> None:
    """Drop what the access gate remembered on user objects shared between tests."""
    for user in users:
        user.__dict__.pop("_access_answers", None)
