from django.core.management.base import BaseCommand

from goals.services import strategies_load_seeded


class Command(BaseCommand):
    help = "Load the seeded strategies (Stavanger, Stange, KS). Safe to run again."

    def handle(self, *args: object, **options: object) -> None:
        result = strategies_load_seeded()
        self.stdout.write(
            f"Strategies loaded: {', '.join(result.strategies)} "
            f"({result.created} created, {result.updated} updated, {result.deleted} deleted)."
        )
