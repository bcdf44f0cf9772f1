"""Celery tasks of the HR app: queued imports, and the sweep of those not started."""

from typing import Any

from celery import shared_task

from .services import import_job_run_queued, import_jobs_requeue


@shared_task(acks_late=True)
def import_job_run(job_id: int) -> dict[str, Any]:
    """Import a queued job's files (an API upload); a job that has run is skipped."""
    job = import_job_run_queued(job_id=job_id)
    if job is None:
        return {"job": job_id, "skipped": True}
    return {"job": job_id, "status": job.status}


@shared_task
def requeue_pending() -> dict[str, Any]:
    """Beat, every few minutes: queue again the API imports that no worker has started."""
    return {"imports": import_jobs_requeue().imports}
