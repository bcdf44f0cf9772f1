from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from demo.services import DEMO_PERSONS
from strategi.db import process_lock

# Held while the database is prepared: a second `make run` waits, then finds it done.
SETUP_LOCK = "setup"


class Command(BaseCommand):
    help = (
        "What `make run` does before it serves: migrate, load the strategies, the "
        "indicators and the demo (load_demo). One at a time: a second run at once waits "
        "for the first, then finds everything there."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--persons", type=int, default=DEMO_PERSONS)

    def handle(self, *args: object, persons: int, **options: object) -> None:
        # Two migrations of one SQLite file at once fail ("table … already exists").
        with process_lock(SETUP_LOCK, blocking=True):
            call_command("migrate", interactive=False, stdout=self.stdout, stderr=self.stderr)
            for name in ("load_strategies", "load_indicators"):
                call_command(name, stdout=self.stdout, stderr=self.stderr)
            call_command("load_demo", persons=persons, stdout=self.stdout, stderr=self.stderr)
