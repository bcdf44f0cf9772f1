"""``manage.py import_hr PATH…``: import HR files (spec/hr-import.md) from the command line."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hr.services import ImportSource, hr_import, rejects_write_csv


class Command(BaseCommand):
    help = (
        "Import HR data: folders and/or orgunits.csv, employments.csv, absences.csv, or one "
        ".xlsx workbook. Validates the whole batch first; with any bad row nothing is "
        "written unless --skip-invalid is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", metavar="PATH", help="a file or a folder")
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="import the valid rows and leave out the invalid ones (and rows that "
            "depend on them)",
        )
        parser.add_argument(
            "--rejects",
            metavar="FILE",
            type=Path,
            help="write the rows that were not imported, with the reasons, to this CSV file",
        )

    def handle(self, *args: object, **options: object) -> None:
        result = hr_import(
            sources=[ImportSource.from_path(path) for path in options["paths"]],
            user=None,
            source="command",
            skip_invalid=bool(options["skip_invalid"]),
        )
        for error in result.errors:
            self.stderr.write(str(error))
        for name, count in result.counts.items():
            self.stdout.write(
                f"{name}: {count['rows']} rows, {count['created']} created, "
                f"{count['updated']} updated, {count['unchanged']} unchanged, "
                f"{count['rejected']} rejected"
            )
        if options["rejects"]:
            with options["rejects"].open("w", encoding="utf-8", newline="") as handle:
                rejects_write_csv(result=result, handle=handle)
            self.stdout.write(f"Rejected rows written to {options['rejects']}.")
        if not result.succeeded:
            raise CommandError(
                f"Import refused: {len(result.errors)} problem(s), nothing was written "
                f"(import job {result.job.pk})."
            )
        job = result.job
        # The recompute ran after the commit (in-process), or was queued for a worker.
        job.refresh_from_db(fields=["recompute_pending"])
        month = job.first_month_touched
        if month is None:
            done = "no indicator changed"
        elif job.recompute_pending:
            done = (
                f"the indicators from {month:%Y-%m} are not recomputed yet: a worker does it, "
                "and it is tried again automatically if it fails"
            )
        else:
            done = f"indicators are recomputed from {month:%Y-%m}"
        self.stdout.write(self.style.SUCCESS(f"Imported (import job {job.pk}); {done}."))
