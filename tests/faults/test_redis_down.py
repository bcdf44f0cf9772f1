"""Redis stopped during an import: the import is committed, the user is told that the
figures come later, and the recompute runs once Redis is back."""

import base64
import datetime as dt
import html
import json
import time

import pytest
from django.conf import global_settings
from django.utils import translation
from django.utils.translation import gettext

from hr.models import Employment, ImportJob
from hr.tasks import requeue_pending
from measures.models import IndicatorValue
from org import roles
from org.models import OrgUnit
from tests.conftest import redis_available, require_service
from tests.hr.hr_import_helpers import EXAMPLE, user_with_role

from .conftest import (
    app_server,
    celery_client,
    login,
    require_shared_postgres,
    start_worker,
    stop_process,
    wait_for,
)

pytestmark = pytest.mark.services

PENDING_MESSAGE = (
    "The import is saved, but the indicators could not be recomputed yet because the task "
    "queue is unavailable. The figures will be updated automatically once the task queue "
    "is reachable again."
)


def test_an_upload_while_redis_is_down_is_kept_and_recomputed_when_redis_is_back(
    migrated_roles, django_user_model, private_redis, settings
):
    database = require_shared_postgres()
    # The app server checks the password with the production hashers, not the tests' fast one.
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS
    user_with_role(django_user_model, "hr-user", roles.HR)
    # Given the app server and a Redis that has stopped
    with app_server(DATABASE_URL=database, REDIS_URL=private_redis.url) as (base, _server):
        session = login(base, "hr-user", "secret-pw-1")
        form = session.get(f"{base}/import/", timeout=10)
        assert form.status_code == 200
        private_redis.stop()

        # When HR uploads a batch
        began = time.monotonic()
        response = session.post(
            f"{base}/import/",
            data={"csrfmiddlewaretoken": session.cookies["csrftoken"]},
            files=[
                ("files", (f"{kind}.csv", (EXAMPLE / f"{kind}.csv").read_bytes(), "text/csv"))
                for kind in ("orgunits", "employments", "absences")
            ],
            headers={"Referer": f"{base}/import/"},
            timeout=60,
        )
        elapsed = time.monotonic() - began

    # Then the answer comes within seconds: the import's page with a clear message
    assert response.status_code == 200, response.text[:2000]
    assert elapsed < 10
    job = ImportJob.objects.get()
    assert response.url.endswith(f"/import/{job.pk}/")
    with translation.override("nb"):
        assert gettext(PENDING_MESSAGE) in html.unescape(response.text)
    # and the import is committed, its recompute remembered, no value computed yet
    assert job.status == ImportJob.Status.SUCCEEDED
    assert job.recompute_pending is True
    assert job.first_month_touched.isoformat() == "2024-01-01"
    assert OrgUnit.objects.count() == 4
    assert Employment.objects.count() == 8
    assert not IndicatorValue.objects.exists()

    # When Redis is back and beat sends the periodic task to a worker
    private_redis.start()
    worker = start_worker(database=database, redis_url=private_redis.url)
    try:
        client = celery_client(private_redis.url)
        queued = client.send_task("hr.tasks.requeue_pending")
        assert queued.get(timeout=60) == {"imports": 0, "recompute_from": "2024-01"}
        stored = IndicatorValue.objects.filter(
            indicator__slug="sick_leave_pct", unit__code="K", period="2024-02"
        )
        wait_for(stored.exists, timeout=60, interval=0.3, what="the recompute")
        # A second run finds nothing pending.
        again = client.send_task("hr.tasks.requeue_pending")
        assert again.get(timeout=60) == {"imports": 0, "recompute_from": None}
    finally:
        print(f"--- celery worker output ---\n{stop_process(worker)}")

    # Then the figures are there and nothing is pending any more
    assert stored.get().value == pytest.approx(100 * 4.6 / 107.1)
    job.refresh_from_db()
    assert job.recompute_pending is False


def test_the_periodic_task_queues_one_recompute_from_the_earliest_pending_month(
    db, recomputes_discarded, django_capture_on_commit_callbacks
):
    require_service(redis_available(), "Redis is not reachable (set REDIS_URL)")
    # Given two imports whose recompute could not be queued, and one whose could
    months = [
        (dt.date(2024, 3, 1), True),
        (dt.date(2023, 11, 1), True),
        (dt.date(2020, 1, 1), False),
    ]
    for month, pending in months:
        ImportJob.objects.create(
            source=ImportJob.Source.COMMAND,
            status=ImportJob.Status.SUCCEEDED,
            first_month_touched=month,
            recompute_pending=pending,
        )

    # When the periodic task runs twice (each queues after its transaction commits)
    with django_capture_on_commit_callbacks(execute=True):
        first = requeue_pending()
    with django_capture_on_commit_callbacks(execute=True):
        second = requeue_pending()

    # Then the first run queued one recompute from the earliest pending month, and
    # cleared the flags; the second found nothing
    assert (first["recompute_from"], second["recompute_from"]) == ("2023-11", None)
    assert not ImportJob.objects.filter(recompute_pending=True).exists()
    messages = redis_available_client().lrange(recomputes_discarded, 0, -1)
    assert len(messages) == 1
    message = json.loads(messages[0])
    assert message["headers"]["task"] == "measures.tasks.recompute"
    args, kwargs, _ = json.loads(base64.b64decode(message["body"]))
    assert (args, kwargs) == ([], {"start": "2023-11"})


def redis_available_client():
    import redis
    from django.conf import settings

    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=5)


def test_the_import_page_tells_that_the_figures_come_later_while_pending(
    client, migrated_roles, django_user_model
):
    client.force_login(user_with_role(django_user_model, "hr-user", roles.HR))
    job = ImportJob.objects.create(
        source=ImportJob.Source.WEB,
        status=ImportJob.Status.SUCCEEDED,
        first_month_touched=dt.date(2024, 1, 1),
        recompute_pending=True,
    )
    with translation.override("nb"):
        message = gettext(PENDING_MESSAGE)

    pending_page = client.get(f"/import/{job.pk}/")
    ImportJob.objects.filter(pk=job.pk).update(recompute_pending=False)
    done_page = client.get(f"/import/{job.pk}/")

    assert message in html.unescape(pending_page.content.decode())
    assert message not in html.unescape(done_page.content.decode())
