from django.core.management.base import BaseCommand, CommandError, CommandParser

from measures.engine import recompute_range


class Command(BaseCommand):
    help = (
        "Recompute the computed indicators for a range of months (and their tertials and "
        "years). Default: from the first month with absence data to the last complete month."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="start", metavar="YYYY-MM")
        parser.add_argument("--to", dest="end", metavar="YYYY-MM")

    def handle(self, *args: object, start: str | None, end: str | None, **options: object) -> None:
        try:
            result = recompute_range(start=start, end=end)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if result.values_stored == 0:
            self.stdout.write("Nothing to compute (no absence data, or the range is empty).")
            return
        self.stdout.write(
            f"Recomputed {result.start} … {result.end}: {result.values_stored} values for "
            f"{result.units} units and {result.periods} periods in {result.seconds:.1f} s."
        )
