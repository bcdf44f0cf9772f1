from django.core.management.base import BaseCommand

from measures.services import indicators_load_seeded


class Command(BaseCommand):
    help = (
        "Create the shipped indicators (the spec's computed ones, 10-faktor and other reported "
        "ones) and link them to the strategy. Safe to re-run."
    )

    def handle(self, *args: object, **options: object) -> None:
        result = indicators_load_seeded()
        self.stdout.write(
            f"Indicators: {result.created} created, {result.updated} updated, "
            f"{result.links} new links to goals and sub-measures."
        )
