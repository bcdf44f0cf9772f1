"""Queued HR imports (API uploads): run by a worker from the files stored with the job."""

import datetime as dt
import logging
from typing import Any

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from workplaces.hr_import import ImportSource, hr_import
from workplaces.models import ImportJob

log = logging.getLogger(__name__)

# A queued job that no worker has started after this long is queued again (the
# broker was down when it was uploaded, or the message was lost).
STALE_QUEUED_AFTER = dt.timedelta(minutes=5)


def import_job_queue(job: ImportJob) -> None:
    """Queue the job's import once the upload is committed.

    When the broker cannot be reached the job stays queued, with its files stored, and
    ``import_jobs_requeue`` (beat) queues it again later: nothing is lost.
    """

    def send() -> None:
        try:
            import_job_run.delay(job.pk)
        except Exception:  # the broker is down: the periodic sweep picks the job up
            log.warning("Could not queue import job %s; it stays queued.", job.pk, exc_info=True)

    transaction.on_commit(send)


@shared_task(acks_late=True)
def import_job_run(job_id: int) -> dict[str, Any]:
    """Import a queued job's files.

    A job whose files are gone has run: a redelivered message is ignored. A job left
    "running" by a worker that died mid-import (its writes rolled back, its files
    kept) runs again when the message is redelivered; importing is idempotent.
    """
    claimed = ImportJob.objects.filter(
        pk=job_id,
        status__in=[ImportJob.Status.QUEUED, ImportJob.Status.RUNNING],
        uploads__isnull=False,
    ).update(status=ImportJob.Status.RUNNING)
    if not claimed:
        return {"job": job_id, "skipped": True}
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    sources = [
        ImportSource(name=upload.name, content=bytes(upload.content))
        for upload in job.uploads.all()
    ]
    result = hr_import(
        sources=sources, user=job.user, source=job.source, skip_invalid=job.skip_invalid, job=job
    )
    # The rows are in the database now; the uploaded files (health data) are not kept.
    job.uploads.all().delete()
    return {"job": job_id, "status": result.job.status}


@shared_task
def import_jobs_requeue() -> int:
    """Queue again the jobs that have waited too long (beat, every few minutes)."""
    stale = ImportJob.objects.filter(
        status=ImportJob.Status.QUEUED, created_at__lt=timezone.now() - STALE_QUEUED_AFTER
    ).values_list("pk", flat=True)
    count = 0
    for pk in stale:
        import_job_run.delay(pk)
        count += 1
    return count
