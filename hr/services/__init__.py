"""Writes of HR data: the import (spec/hr-import.md) and its jobs.

``hr_import`` is the one entry point; the ``import_hr`` command, the web upload and
a queued job (``import_job_submit`` for API uploads, run by ``hr.tasks.import_job_run``)
call it. It reads, validates the whole batch, writes it in one transaction and records
an ``ImportJob``; when the figures changed it sends ``hr.signals.hr_data_changed``, on
which the indicators are recomputed (``measures`` listens).

- ``reading``: CSV files, folders and XLSX workbooks → tables of text rows
- ``validation``: typed records, row rules and cross-row rules
- ``stored``: what the database holds for the batch's ids
- ``writing``: bulk upserts, parents first
"""

import csv
import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from strategi.celery import enqueue_on_commit
from strategi.db import advisory_xact_lock
from strategi.spreadsheet import csv_row

from ..models import ImportJob, ImportJobFile
from ..signals import hr_data_changed
from .reading import KINDS, ImportIssue, ImportSource, read_sources
from .stored import load_stored
from .validation import Batch, check_batch, parse_tables
from .writing import write_batch

__all__ = [
    "ImportIssue",
    "ImportResult",
    "ImportSource",
    "RejectedRow",
    "hr_import",
    "import_job_recompute_pending_set",
    "import_job_run_queued",
    "import_job_submit",
    "import_jobs_recompute_done",
    "import_jobs_requeue",
    "rejects_write_csv",
]

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
    # Every problem listed, file-level ones first, then per file in line order; when
    # more were found than HR_IMPORT_MAX_ERRORS, the last one says how many more.
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
    user: User | None,
    source: str,
    skip_invalid: bool = False,
    job: ImportJob | None = None,
) -> ImportResult:
    """Import a batch of HR files; every import is recorded as an ``ImportJob``.

    The whole batch is validated first. With any bad row nothing is written (status
    failed) unless ``skip_invalid``, which writes the valid rows and returns the
    rejected ones. A problem with a whole file (unreadable, unknown name, missing
    column) always refuses the batch. Writes happen in one transaction, one import at a
    time; when anything changed, ``hr_data_changed`` is sent inside it (``measures``
    records the recompute the figures now owe, in this transaction, and queues it after
    commit; the job is ``recompute_pending`` until that recompute has run).

    ``job`` is an already recorded (queued) job to run, e.g. an API upload run by a
    worker; without it a new job is recorded.

    An unexpected error (a bug, a lost database) rolls the import back, is logged with
    its traceback and ends the job as failed with a message that says so: the caller
    gets a failed result, never the exception (a file must never cause a 500).
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
        logger.exception("HR import job %s stopped with an internal error.", job.pk)
        ImportJobFile.objects.filter(job=job).delete()
        reason = str(INTERNAL_ERROR_API if source == ImportJob.Source.API else INTERNAL_ERROR)
        job.status = ImportJob.Status.FAILED
        job.errors = [_issue_dict(reason)]
        job.first_month_touched = None
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "errors", "first_month_touched", "finished_at"])
        issue = ImportIssue(file="", line=None, column="", reason=reason)
        return ImportResult(job=job, errors=[issue], counts=job.counts, rejected=[])


INTERNAL_ERROR = gettext_lazy(
    "The import stopped with an internal error: nothing was imported. Try again; if it "
    "happens again, tell the administrator (the error is in the server's log)."
)
INTERNAL_ERROR_API = gettext_lazy(
    "The import stopped with an internal error: nothing was imported, and the uploaded "
    "files were deleted. Send the files again; if it happens again, tell the "
    "administrator (the error is in the server's log)."
)


def _run(
    job: ImportJob,
    *,
    sources: list[ImportSource],
    user: User | None,
    skip_invalid: bool,
) -> ImportResult:
    read = read_sources(sources)
    batch = parse_tables(read)
    job.files = read.files
    with transaction.atomic():
        # Two imports at once would both read the stored rows before either writes
        # (duplicate keys, lost updates); the second waits for the first to commit
        # and then reads what it wrote.
        advisory_xact_lock(HR_IMPORT_LOCK_ID)
        stored = load_stored(
            employment_ids=[r.employment_id for r in batch.employments if r.employment_id]
            + [r.employment_id for r in batch.absences if r.employment_id],
            person_ids=[r.person_id for r in batch.employments if r.person_id],
            absence_ids=[r.absence_id for r in batch.absences if r.absence_id],
            spell_employment_ids=[r.employment_id for r in batch.absences if r.employment_id],
        )
        check_batch(batch, stored, skip_invalid=skip_invalid, broken=read.broken)
        errors = read.errors + batch.errors()
        refused = bool(read.errors or batch.problems) or (
            bool(errors or batch.unlisted) and not skip_invalid
        )
        counts = _row_counts(batch, read.broken)
        if refused:
            job.status = ImportJob.Status.FAILED
        else:
            outcome = write_batch(
                batch=batch,
                stored=stored,
                user=user,
                change_reason=f"HR import {job.pk}",
                job=job,
            )
            for name, written in outcome.counts.items():
                counts[name].update(written)
            job.first_month_touched = outcome.first_month_touched
            job.status = ImportJob.Status.SUCCEEDED
        job.counts = counts
        job.errors = _stored_errors(errors, unlisted=batch.unlisted)
        job.finished_at = timezone.now()
        job.save()
        # A queued job's uploaded files (health data) go with the outcome, in the same
        # transaction: whoever reads the outcome finds them deleted.
        ImportJobFile.objects.filter(job=job).delete()
        if job.first_month_touched is not None:
            hr_data_changed.send(sender=ImportJob, job=job)
    if batch.unlisted:
        errors.append(ImportIssue("", None, "", _unlisted_reason(batch.unlisted)))
    return ImportResult(job=job, errors=errors, counts=counts, rejected=_rejected(batch))


def _unlisted_reason(count: int) -> str:
    return _(
        "… and %(count)s more problems that are not listed: an import lists at most "
        "%(max)s (HR_IMPORT_MAX_ERRORS). Correct these and import again to see the rest."
    ) % {
        "count": number_format(count, force_grouping=True),
        "max": number_format(settings.HR_IMPORT_MAX_ERRORS, force_grouping=True),
    }


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
        counts[table.name] = {
            "rows": len(table.rows),
            "created": 0,
            "updated": 0,
            "unchanged": 0,
            "rejected": rejected,
        }
    return counts


def _stored_errors(errors: list[ImportIssue], *, unlisted: int = 0) -> list[dict]:
    """The first ``MAX_STORED_ERRORS`` problems, and how many more there are."""
    stored = [error.as_dict() for error in errors[:MAX_STORED_ERRORS]]
    if len(errors) > MAX_STORED_ERRORS:
        more = len(errors) - MAX_STORED_ERRORS + unlisted
        stored.append(_issue_dict(_("… and %(count)d more errors.") % {"count": more}))
    elif unlisted:
        # As the command says it.
        stored.append(_issue_dict(_unlisted_reason(unlisted)))
    return stored


def _issue_dict(reason: str) -> dict[str, Any]:
    """A problem of the whole import, as stored with the job."""
    return ImportIssue(file="", line=None, column="", reason=reason).as_dict()


def _rejected(batch: Batch) -> list[RejectedRow]:
    rows = []
    for record in batch.records():
        if record.ok:
            continue
        reasons = record.errors + record.notes
        if not reasons:
            # Its problems were past HR_IMPORT_MAX_ERRORS: counted, not kept.
            reasons = [ImportIssue(record.table.name, record.line, "", _unlisted_row())]
        rows.append(
            RejectedRow(
                file=record.table.name, line=record.line, values=record.raw.values, errors=reasons
            )
        )
    return rows


def _unlisted_row() -> str:
    return _("the row is invalid; its problems are not listed (HR_IMPORT_MAX_ERRORS).")


def rejects_write_csv(*, result: ImportResult, handle: TextIO) -> int:
    """Write the rejected rows as CSV, one line per problem with the row's values.

    Columns: file, line, column, reason, then every column of the rejected rows'
    files. Returns the number of problems written. Text cells are data, never
    formulas (``strategi.spreadsheet``): a rejected value ``=1+2`` is written ``'=1+2``.
    """
    value_columns: list[str] = []
    for row in result.rejected:
        value_columns += [c for c in row.values if c not in value_columns]
    writer = csv.writer(handle)
    writer.writerow(csv_row(["file", "line", "column", "reason", *value_columns]))
    written = 0
    for row in result.rejected:
        for error in row.errors:
            writer.writerow(
                csv_row(
                    [row.file, row.line, error.column, error.reason]
                    + [row.values.get(c, "") for c in value_columns]
                )
            )
            written += 1
    return written


# --- Queued jobs (API uploads) and the sweep of what could not be queued ------------------

# A queued job that no worker has started after this long is queued again (the broker
# was down when it was uploaded, or the message was lost).
STALE_QUEUED_AFTER = dt.timedelta(minutes=5)


@transaction.atomic
def import_job_submit(
    *, sources: Sequence[ImportSource], user: User, skip_invalid: bool
) -> ImportJob:
    """Record a queued import with its files, and queue it for a worker after commit.

    When the broker cannot be reached the job stays queued, with its files stored, and
    ``import_jobs_requeue`` queues it again later: nothing is lost.
    """
    from ..tasks import import_job_run

    job = ImportJob.objects.create(
        user=user,
        source=ImportJob.Source.API,
        status=ImportJob.Status.QUEUED,
        skip_invalid=skip_invalid,
        files=[source.name for source in sources],
    )
    ImportJobFile.objects.bulk_create(
        ImportJobFile(job=job, name=source.name, content=_content(source)) for source in sources
    )
    enqueue_on_commit(import_job_run, job.pk, on_unreachable=lambda: None)
    return job


def _content(source: ImportSource) -> bytes:
    return source.content if isinstance(source.content, bytes) else source.content.read_bytes()


def import_job_run_queued(*, job_id: int) -> ImportJob | None:
    """Import a queued job's files; None when the job has run already.

    A job whose files are gone has run: a redelivered message is ignored. A job left
    "running" by a worker that died mid-import (its writes rolled back, its files
    kept) runs again; importing is idempotent. The job is claimed in one UPDATE.
    """
    claimed = ImportJob.objects.filter(
        pk=job_id,
        status__in=[ImportJob.Status.QUEUED, ImportJob.Status.RUNNING],
        uploads__isnull=False,
    ).update(status=ImportJob.Status.RUNNING)
    if not claimed:
        return None
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    try:
        sources = [
            ImportSource(name=upload.name, content=bytes(upload.content))
            for upload in job.uploads.all()
        ]
        return hr_import(
            sources=sources,
            user=job.user,
            source=job.source,
            skip_invalid=job.skip_invalid,
            job=job,
        ).job
    finally:
        # The uploaded files are health data: they are not kept, whatever the outcome
        # (imported, refused, or stopped by an error, which hr_import records). Only a
        # worker that dies mid-import leaves them, for the redelivered message.
        ImportJobFile.objects.filter(job_id=job_id).delete()


def import_job_recompute_pending_set(*, job: ImportJob) -> None:
    """Mark that the figures do not show ``job``'s changes yet (``measures`` owes a recompute)."""
    job.recompute_pending = True
    ImportJob.objects.filter(pk=job.pk).update(recompute_pending=True)


def import_jobs_recompute_done(*, job_ids: Sequence[int]) -> None:
    """The figures show these jobs' changes: their recomputes have run."""
    if job_ids:
        ImportJob.objects.filter(pk__in=job_ids, recompute_pending=True).update(
            recompute_pending=False
        )


@dataclass(frozen=True)
class RequeueResult:
    imports: int  # queued jobs queued again


def import_jobs_requeue(*, now: dt.datetime | None = None) -> RequeueResult:
    """Queue again the API imports that no worker has started.

    Beat runs it every few minutes (``hr.tasks.requeue_pending``): a queued job that no
    worker started within ``STALE_QUEUED_AFTER`` (the broker was down when it was
    uploaded, or the message was lost) is queued again. The recomputes that imports
    ask for are ``measures``' own (``measures.tasks.recompute_owed``).
    """
    from ..tasks import import_job_run

    now = now or timezone.now()
    stale = list(
        ImportJob.objects.filter(
            status=ImportJob.Status.QUEUED, created_at__lt=now - STALE_QUEUED_AFTER
        ).values_list("pk", flat=True)
    )
    for pk in stale:
        import_job_run.delay(pk)
    return RequeueResult(imports=len(stale))
