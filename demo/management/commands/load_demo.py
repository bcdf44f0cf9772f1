from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from demo.services import DEMO_PASSWORD, DEMO_PERSONS, DEMO_USERS, demo_load


class Command(BaseCommand):
    help = (
        "Demo mode only: create the demo users and, on first start, import a synthetic "
        "municipality (which computes its indicators). Safe to run again."
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
            then = (
                "indicators computed"
                if settings.CELERY_TASK_ALWAYS_EAGER
                else "indicator recompute queued for the Celery worker"
            )
            self.stdout.write(f"Demo municipality imported: {rows} rows; {then}.")
        names = ", ".join(username for username, _, _ in DEMO_USERS)
        self.stdout.write(
            self.style.WARNING(f"Demo users: {names} - password: {DEMO_PASSWORD} (demo mode only)")
        )
