from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from demo.services import DEMO_PASSWORD, DEMO_PERSONS, DEMO_USERS, demo_load


class Command(BaseCommand):
    help = (
        "Demo mode only: create whatever of the demo is missing - users, a synthetic "
        "municipality (on first start), targets, a plan and the indicators' figures. Safe "
        "to run again, also after an interrupted run, and twice at once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--persons", type=int, default=DEMO_PERSONS)

    def handle(self, *args: object, persons: int, **options: object) -> None:
        if not settings.DEMO_MODE:
            raise CommandError("Not in demo mode: set DEMO_MODE=true to load the demo data.")
        result = demo_load(persons=persons)
        imported = result.municipality
        if imported is None:
            self.stdout.write("Demo municipality: HR data already present, nothing imported.")
        elif not imported.succeeded:
            raise CommandError(
                "The demo municipality could not be imported:\n"
                + "\n".join(str(error) for error in imported.errors)
            )
        else:
            rows = sum(count["created"] for count in imported.counts.values())
            self.stdout.write(f"Demo municipality imported: {rows} rows.")
        figures = result.figures
        if result.queued:
            self.stdout.write("Indicators: what is owed is queued for the Celery worker.")
        elif figures.failures:
            # The app still starts: HR sees the failure on every page, and it is tried again.
            self.stderr.write(
                self.style.WARNING(
                    "Indicators: the recompute failed and is tried again automatically: "
                    + "; ".join(figures.failures)
                )
            )
        elif figures.runs:
            self.stdout.write(f"Indicators: computed ({figures.values_stored} values).")
        else:
            self.stdout.write("Indicators: up to date.")
        names = ", ".join(username for username, _, _ in DEMO_USERS)
        self.stdout.write(
            self.style.WARNING(f"Demo users: {names} - password: {DEMO_PASSWORD} (demo mode only)")
        )
