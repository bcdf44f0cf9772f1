from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from measures import periods as P
from measures.exports import write_csv, write_json, write_xlsx
from measures.models import HealthDataAccess
from measures.selectors import indicator_value_list
from measures.services import health_data_access_record


class Command(BaseCommand):
    help = "Export stored indicator values in the spec's export format (CSV to stdout by default)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--indicator", action="append", default=[], metavar="SLUG")
        parser.add_argument("--unit", metavar="CODE")
        parser.add_argument("--granularity", choices=P.GRANULARITIES)
        parser.add_argument("--from", dest="start", metavar="PERIOD")
        parser.add_argument("--to", dest="end", metavar="PERIOD")
        parser.add_argument("--format", choices=["csv", "xlsx", "json"], default="csv")
        parser.add_argument("--output", metavar="FILE")

    def handle(self, *args: object, **options: object) -> None:
        try:
            values = indicator_value_list(
                indicators=options["indicator"],
                unit_code=options["unit"],
                granularity=options["granularity"],
                start=options["start"],
                end=options["end"],
            ).iterator(chunk_size=5000)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        output, fmt = options["output"], options["format"]
        # Who ran it on the server is not known here; the log says what was exported.
        health_data_access_record(
            user=None,
            route=HealthDataAccess.Route.COMMAND,
            path=_command_line(options)[:500],
            scope=str(options["unit"] or ""),
        )
        if fmt == "xlsx":
            if not output:
                raise CommandError("--format xlsx needs --output FILE.")
            with Path(output).open("wb") as handle:
                count = write_xlsx(values, handle)
        else:
            writer = write_csv if fmt == "csv" else write_json
            if output:
                with Path(output).open("w", encoding="utf-8", newline="") as handle:
                    count = writer(values, handle)
            else:
                self.stdout.ending = ""  # the writers end their own lines
                count = writer(values, self.stdout)
        if output:
            self.stderr.write(f"Wrote {count} rows to {output}.")


def _command_line(options: dict) -> str:
    """The export as a command line (what was asked for, for the access log)."""
    words = ["export_indicators"]
    for slug in options["indicator"] or ():
        words += ["--indicator", slug]
    flags = {"unit": "--unit", "granularity": "--granularity", "start": "--from", "end": "--to"}
    for name, flag in flags.items():
        if options.get(name):
            words += [flag, str(options[name])]
    return " ".join(words)
