from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from api.services import token_create, units_from_codes


class Command(BaseCommand):
    help = (
        "Create an API token for a named client and print it (once: only its hash is "
        "stored). Read-only unless --write; --units limits it to those units' subtrees."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="The client, e.g. 'datasjo' or 'power-bi'.")
        parser.add_argument("--units", nargs="+", default=[], metavar="CODE")
        parser.add_argument("--write", action="store_true", help="May write (imports, plans).")
        parser.add_argument(
            "--user",
            metavar="USERNAME",
            help="Act as this user (their roles apply). Default: a service user "
            "'api-NAME' with HR rights.",
        )

    def handle(self, *args: object, **options: object) -> None:
        user = None
        if options["user"]:
            try:
                user = get_user_model().objects.get(username=options["user"])
            except get_user_model().DoesNotExist:
                raise CommandError(f"No user {options['user']!r}.") from None
        try:
            units = units_from_codes(options["units"])
            token, raw = token_create(
                name=options["name"], by=None, user=user, units=units, can_write=options["write"]
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        limits = ", ".join(u.code for u in units) or "all units"
        mode = "read and write" if token.can_write else "read only"
        self.stderr.write(
            f"Token {token.pk} for {token.name!r} acting as {token.user.get_username()} "
            f"({mode}; {limits}). It is shown only now:"
        )
        self.stdout.write(raw)
