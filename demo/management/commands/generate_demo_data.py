import argparse
import datetime
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from demo.generator import default_end_date, generate_municipality


def _iso_date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date YYYY-MM-DD") from None


class Command(BaseCommand):
    help = (
        "Write a synthetic municipality's HR files (orgunits.csv, employments.csv, "
        "absences.csv) in the import format. The same arguments give the same files."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--persons", type=int, required=True, help="Distinct persons.")
        parser.add_argument("--seed", type=int, required=True, help="Random seed.")
        parser.add_argument("--out", type=Path, required=True, help="Output folder.")
        parser.add_argument(
            "--end-date",
            type=_iso_date,
            help="Last day covered, YYYY-MM-DD (default: the last day of the previous month).",
        )
        parser.add_argument("--years", type=int, default=5, help="Years covered (default 5).")
        parser.add_argument(
            "--municipalities",
            type=int,
            default=1,
            help="Kommuner under one national root NO, sharing --persons (default 1: one "
            "municipality with root DK).",
        )

    def handle(self, *args: object, **options: Any) -> None:
        if options["persons"] < 1 or options["years"] < 1 or options["municipalities"] < 1:
            raise CommandError("--persons, --years and --municipalities must be at least 1.")
        if options["persons"] < options["municipalities"]:
            raise CommandError("--persons must be at least --municipalities.")
        # The clock is read here, not in the generator, so that the files are reproducible.
        end_date = options["end_date"] or default_end_date(timezone.localdate())
        summary = generate_municipality(
            persons=options["persons"],
            seed=options["seed"],
            out_dir=options["out"],
            end_date=end_date,
            years=options["years"],
            municipalities=options["municipalities"],
        )
        self.stdout.write(
            f"Wrote {options['out']}: {summary.units} units, {summary.persons} persons "
            f"({summary.headcount_at_end} employed on {summary.end_date}), "
            f"{summary.employments} employments, {summary.absences} sick-leave spells, "
            f"{summary.start_date} – {summary.end_date}."
        )
