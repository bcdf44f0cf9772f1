"""Redis stopped during an import: the import is committed, HR is told that the
figures come later, and beat's sweep has the recompute run once Redis is back."""

import base64
import datetime as dt
import html
import json
import time

import pytest
from django.conf import global_settings
from django.utils import timezone, translation
from django.utils.translation import gettext

from hr.models import Employment, ImportJob
from measures.models import IndicatorValue, Recompute
from measures.recomputes import recent_start
from measures.tasks import recompute_owed_queue
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

# The notice HR sees on every page while the recompute could not be queued.
UNQUEUED_NOTICE = (
    "The figures from %(month)s are not recomputed yet because the task queue is unavailable. "
    "They are recomputed automatically once it is reachable again; until then the pages "
    "show the figures as they were before."
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
    page = " ".join(html.unescape(response.text).split())
    with translation.override("nb"):
        assert gettext(UNQUEUED_NOTICE) % {"month": "januar 2024"} in page
        assert "Importert. Indikatorene fra januar 2024 er ikke beregnet på nytt ennå." in page
    # and the import is committed, its recompute recorded as not queued, no value computed
    assert job.status == ImportJob.Status.SUCCEEDED
    assert job.recompute_pending is True
    assert job.first_month_touched.isoformat() == "2024-01-01"
    owed = Recompute.objects.get()
    assert (owed.import_job_id, owed.start.isoformat(), owed.status) == (
        job.pk,
        "2024-01-01",
        Recompute.Status.PENDING,
    )
    assert (owed.queued_at, owed.queue_failed_at is not None) == (None, True)
    assert OrgUnit.objects.count() == 4
    assert Employment.objects.count() == 8
    assert not IndicatorValue.objects.exists()

    # When Redis is back and beat sends its sweep to a worker
    private_redis.start()
    worker = start_worker(database=database, redis_url=private_redis.url)
    try:
        client = celery_client(private_redis.url)
        queued = client.send_task("measures.tasks.recompute_owed")
        assert queued.get(timeout=60) == {"queued": owed.pk, "due": 1}
        stored = IndicatorValue.objects.filter(
            indicator__slug="sick_leave_pct", unit__code="K", period="2024-02"
        )
        wait_for(stored.exists, timeout=60, interval=0.3, what="the recompute")
        wait_for(
            lambda: not Recompute.objects.exclude(status=Recompute.Status.DONE).exists(),
            timeout=60,
            what="the recomputes to close",
        )
        # A second sweep finds nothing owed.
        again = client.send_task("measures.tasks.recompute_owed")
        assert again.get(timeout=60) == {"queued": None, "due": 0}
    finally:
        print(f"--- celery worker output ---\n{stop_process(worker)}")

    # Then the figures are there and nothing is owed any more
    assert stored.get().value == pytest.approx(100 * 4.6 / 107.1)
    job.refresh_from_db()
    assert job.recompute_pending is False
    assert list(Recompute.objects.values_list("status", "attempts")) == [("done", 1)]


def test_the_sweep_queues_one_recompute_from_the_earliest_due_month(
    db, recomputes_discarded, django_capture_on_commit_callbacks
):
    require_service(redis_available(), "Redis is not reachable (set REDIS_URL)")
    now = timezone.now()
    # Given the night's recompute done, two recomputes that could not be queued, and one
    # that is in the queue
    Recompute.objects.create(
        reason=Recompute.Reason.NIGHTLY,
        start=recent_start(timezone.localdate()),
        status=Recompute.Status.DONE,
        finished_at=now,
    )
    late, early, queued = (
        Recompute.objects.create(
            reason=Recompute.Reason.IMPORT,
            start=month,
            queued_at=now if in_queue else None,
            queue_failed_at=None if in_queue else now,
        )
        for month, in_queue in [
            (dt.date(2024, 3, 1), False),
            (dt.date(2023, 11, 1), False),
            (dt.date(2020, 1, 1), True),
        ]
    )

    # When the sweep runs twice (each queues after its transaction commits)
    with django_capture_on_commit_callbacks(execute=True):
        first = recompute_owed_queue()
    with django_capture_on_commit_callbacks(execute=True):
        second = recompute_owed_queue()

    # Then the first queued one run, from the earliest month that was due (it covers the
    # other), and marked both queued; the second found nothing due
    assert first == {"queued": early.pk, "due": 2}
    assert second == {"queued": None, "due": 0}
    for owed in (late, early):
        owed.refresh_from_db()
        assert (owed.queued_at is not None, owed.queue_failed_at) == (True, None)
    messages = redis_available_client().lrange(recomputes_discarded, 0, -1)
    assert len(messages) == 1
    message = json.loads(messages[0])
    assert message["headers"]["task"] == "measures.tasks.recompute"
    args, kwargs, _ = json.loads(base64.b64decode(message["body"]))
    assert (args, kwargs) == ([], {"recompute_id": early.pk})
    assert queued.status == Recompute.Status.PENDING


def redis_available_client():
    import redis
    from django.conf import settings

    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=5)
