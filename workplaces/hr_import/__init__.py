"""The HR data import (spec/hr-import.md): read, validate the whole batch, write, record.

``hr_import`` is the one entry point; the ``import_hr`` command, the web upload and
the API call it.

- ``reading``: CSV files, folders and XLSX workbooks → tables of text rows
- ``validation``: typed records, row rules and cross-row rules
- ``stored``: what the database holds for the batch's ids
- ``writing``: bulk upserts, parents first
"""

import csv
import logging
from dataclasses import dataclass
from typing import TextIO

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import ImportJob
from .reading import KINDS, ImportIssue, ImportSource, read_sources
from .stored import load_stored
from .validation import Batch, check_batch, parse_tables
from .writing import write_batch

__all__ = ["ImportIssue", "ImportResult", "ImportSource", "RejectedRow", "hr_import",
           "rejects_write_csv"]  # fmt: skip

# An import job keeps this many errors; the command and the result have them all.
MAX_STORED_ERRORS = 1000
# PostgreSQL advisory lock held by the write transaction: imports run one at a time.
HR_IMPORT_LOCK_ID = 7_301_002

logger = logging.getLogger(__name__)


@dataclass
class RejectedRow:
    """A row that was not imported: where it was, its values and why."""

    file: str
    line: int
    values: dict[str, str]
    errors: list[ImportIssue]


@dataclass
class ImportResult:
    job: ImportJob
    # Every problem, file-level ones first, then per file in line order.
    errors: list[ImportIssue]
    # Per file name: {"rows": n, "created": n, "updated": n, "unchanged": n, "rejected": n}
    counts: dict[str, dict[str, int]]
    rejected: list[RejectedRow]

    @property
    def succeeded(self) -> bool:
        return self.job.status == ImportJob.Status.SUCCEEDED


def hr_import(
    *,
    sources: list[ImportSource],
    user: AbstractBaseUser | None,
    source: str,
    skip_invalid: bool = False,
    job: ImportJob | None = None,
) -> ImportResult:
    """Import a batch of HR files; every import is recorded as an ``ImportJob``.

    The whole batch is validated first. With any bad row nothing is written (status
    failed) unless ``skip_invalid``, which writes the valid rows and returns the
    rejected ones. A problem with a whole file (unreadable, unknown name, missing
    column) always refuses the batch. Writes happen in one transaction, one import at a
    time; the indicator recompute is queued after commit when anything changed (when
    the task queue is unreachable, the job's ``recompute_pending`` is set instead).

    ``job`` is an already recorded (queued) job to run, e.g. an API upload run by a
    worker; without it a new job is recorded.
    """
    if source not in ImportJob.Source.values:
        raise ValueError(f"Unknown import source {source!r}.")
    if job is None:
        job = ImportJob.objects.create(
            user=user, source=source, skip_invalid=skip_invalid, files=[s.name for s in sources]
        )
    else:
        job.status = ImportJob.Status.RUNNING
        job.save(update_fields=["status"])
    try:
        return _run(job, sources=sources, user=user, skip_invalid=skip_invalid)
    except Exception:
        job.status = ImportJob.Status.FAILED
        job.errors = [{"file": "", "line": None, "column": "",
                       "reason": _("The import stopped with an internal error.")}]  # fmt: skip
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "errors", "finished_at"])
        raise


def _run(
    job: ImportJob,
    *,
    sources: list[ImportSource],
    user: AbstractBaseUser | None,
    skip_invalid: bool,
) -> ImportResult:
    read = read_sources(sources)
    batch = parse_tables(read)
    job.files = read.files
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Two imports at once would both read the stored rows before either writes
            # (duplicate keys, lost updates); the second waits for the first to commit
            # and then reads what it wrote. SQLite serializes writers by itself.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [HR_IMPORT_LOCK_ID])
        stored = load_stored(
            employment_ids=[r.employment_id for r in batch.employments if r.employment_id]
            + [r.employment_id for r in batch.absences if r.employment_id],
            person_ids=[r.person_id for r in batch.employments if r.person_id],
            absence_ids=[r.absence_id for r in batch.absences if r.absence_id],
            spell_employment_ids=[r.employment_id for r in batch.absences if r.employment_id],
        )
        check_batch(batch, stored, skip_invalid=skip_invalid, broken=read.broken)
        errors = read.errors + batch.errors()
        refused = bool(read.errors) or (bool(errors) and not skip_invalid)
        counts = _row_counts(batch, read.broken)
        if refused:
            job.status = ImportJob.Status.FAILED
        else:
            outcome = write_batch(
                batch=batch, stored=stored, user=user, change_reason=f"HR import {job.pk}"
            )
            for name, written in outcome.counts.items():
                counts[name].update(written)
            job.first_month_touched = outcome.first_month_touched
            job.status = ImportJob.Status.SUCCEEDED
        job.counts = counts
        job.errors = _stored_errors(errors)
        job.finished_at = timezone.now()
        job.save()
        if job.first_month_touched is not None:
            _queue_recompute(job)
    return ImportResult(job=job, errors=errors, counts=counts, rejected=_rejected(batch))


def _row_counts(batch: Batch, broken: set[str]) -> dict[str, dict[str, int]]:
    counts = {}
    for kind in KINDS:
        table = batch.tables.get(kind)
        if table is None:
            continue
        records = batch.records_of(kind)
        rejected = (
            len(table.rows)
            if kind in broken and not records
            else sum(not record.ok for record in records)
        )
        counts[table.name] = {"rows": len(table.rows), "created": 0, "updated": 0,
                              "unchanged": 0, "rejected": rejected}  # fmt: skip
    return counts


def _stored_errors(errors: list[ImportIssue]) -> list[dict]:
    stored = [error.as_dict() for error in errors[:MAX_STORED_ERRORS]]
    if len(errors) > MAX_STORED_ERRORS:
        more = len(errors) - MAX_STORED_ERRORS
        stored.append({"file": "", "line": None, "column": "",
                       "reason": _("… and %(count)d more errors.") % {"count": more}})  # fmt: skip
    return stored


def _rejected(batch: Batch) -> list[RejectedRow]:
    return [
        RejectedRow(file=r.table.name, line=r.line, values=r.raw.values, errors=r.errors)
        for r in batch.records()
        if not r.ok
    ]


def _queue_recompute(job: ImportJob) -> None:
    """Recompute the indicators from the first month touched, once the data is committed.

    The import is committed whatever happens to the queueing: when the task queue
    (Redis) cannot be reached, the job is marked ``recompute_pending`` and
    ``workplaces.tasks.requeue_pending_recomputes`` queues the recompute later.
    """
    from measures.tasks import recompute

    start = job.first_month_touched.strftime("%Y-%m")

    def queue() -> None:
        try:
            recompute.delay(start=start)
        except Exception:  # any failure to queue; the data is committed already
            logger.warning(
                "Import job %s: the indicator recompute from %s could not be queued; "
                "it is pending until the task queue is reachable.",
                job.pk,
                start,
                exc_info=True,
            )
            job.recompute_pending = True
            ImportJob.objects.filter(pk=job.pk).update(recompute_pending=True)

    transaction.on_commit(queue)


def rejects_write_csv(*, result: ImportResult, handle: TextIO) -> int:
    """Write the rejected rows as CSV, one line per problem with the row's values.

    Columns: file, line, column, reason, then every column of the rejected rows'
    files. Returns the number of problems written.
    """
    value_columns: list[str] = []
    for row in result.rejected:
        value_columns += [c for c in row.values if c not in value_columns]
    writer = csv.writer(handle)
    writer.writerow(["file", "line", "column", "reason", *value_columns])
    written = 0
    for row in result.rejected:
        for error in row.errors:
            writer.writerow(
                [row.file, row.line, error.column, error.reason]
                + [row.values.get(c, "") for c in value_columns]
            )
            written += 1
    return written
