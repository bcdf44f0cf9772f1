"""Reads of HR imports (the HR records themselves are read by the indicator engine)."""

from dataclasses import dataclass

from .models import ImportJob

COUNT_KEYS = ("rows", "created", "updated", "unchanged", "rejected")


@dataclass
class ImportJobRow:
    job: ImportJob
    # The counts summed over the job's files.
    totals: dict[str, int]


def import_job_totals(*, job: ImportJob) -> dict[str, int]:
    return {key: sum(counts.get(key, 0) for counts in job.counts.values()) for key in COUNT_KEYS}


def import_job_list_recent(*, limit: int = 20) -> list[ImportJobRow]:
    """The latest HR imports, newest first, with who ran them (one query)."""
    jobs = ImportJob.objects.select_related("user").order_by("-created_at", "-pk")[:limit]
    return [ImportJobRow(job=job, totals=import_job_totals(job=job)) for job in jobs]


def import_job_get(*, pk: int) -> ImportJob:
    return ImportJob.objects.select_related("user").get(pk=pk)
