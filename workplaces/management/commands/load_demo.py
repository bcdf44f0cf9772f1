from django.core.management.base import BaseCommand, CommandError

from workplaces.demo import DEMO_PASSWORD, DEMO_USERS, demo_load


class Command(BaseCommand):
    help = "Load the demo municipality and the demo users (demo mode only). Safe to run again."

    def handle(self, *args: object, **options: object) -> None:
        from django.conf import settings

        if not settings.DEMO_MODE:
            raise CommandError("Not in demo mode: set DEMO_MODE=true to load the demo data.")
        result = demo_load()
        self.stdout.write(f"Demo municipality: {result.units_changed} org units created/updated.")
        names = ", ".join(username for username, _, _ in DEMO_USERS)
        self.stdout.write(
            self.style.WARNING(f"Demo users: {names} - password: {DEMO_PASSWORD} (demo mode only)")
        )
