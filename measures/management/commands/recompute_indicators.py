from django.core.management.base import BaseCommand, CommandError, CommandParser

from measures import periods as P
from measures import recomputes
from measures.engine import recompute_range
from measures.models import Recompute
from strategi.db import process_lock


class Command(BaseCommand):
    help = (
        "Recompute the computed indicators for a range of months (and their tertials and "
        "years). Default: from the first month with absence data to the last complete month. "
        "Without --to it closes the owed recomputes it covers; --owed runs every owed one "
        "(in-process without a worker, else queued for the worker)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="start", metavar="YYYY-MM")
        parser.add_argument("--to", dest="end", metavar="YYYY-MM")
        parser.add_argument(
            "--owed",
            action="store_true",
            help="run what is owed: recomputes that failed (whatever their wait), were "
            "interrupted or could not be queued",
        )

    def handle(
        self, *args: object, start: str | None, end: str | None, owed: bool, **options: object
    ) -> None:
        if owed:
            self._owed()
            return
        try:
            if end is not None:
                result = recompute_range(start=start, end=end).as_dict()
            else:
                result = self._recorded(start)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if result["values_stored"] == 0:
            self.stdout.write("Nothing to compute (no absence data, or the range is empty).")
            return
        self.stdout.write(
            f"Recomputed {result['start']} … {result['end']}: {result['values_stored']} values "
            f"for {result['units']} units and {result['periods']} periods in "
            f"{result['seconds']:.1f} s."
        )

    def _recorded(self, start: str | None) -> dict:
        """To the last complete month: recorded, so it closes the owed ones it covers."""
        first = P.parse(start).start if start else None
        if start and P.parse(start).granularity != P.MONTH:
            raise ValueError(f"{start!r} is not a month (use YYYY-MM)")
        owed = recomputes.recompute_request(reason=Recompute.Reason.REQUESTED, start=first)
        # Embedded runs that start meanwhile wait for this one (and vice versa).
        with process_lock(recomputes.LOCK, blocking=True):
            try:
                return recomputes.recompute_run(recompute_id=owed.pk)
            except Exception as exc:
                raise CommandError(
                    f"The recompute failed and is tried again automatically: {exc}"
                ) from exc

    def _owed(self) -> None:
        if not recomputes.embedded():
            from measures.tasks import recompute_owed_queue

            queued = recompute_owed_queue(force=True)
            self.stdout.write(f"Owed recomputes: {queued['due']} due, queued for the worker.")
            return
        outcome = recomputes.recompute_owed_run(force=True, blocking=True)
        if outcome.failures:
            raise CommandError("A recompute failed: " + "; ".join(outcome.failures))
        self.stdout.write(
            f"Owed recomputes: {outcome.runs} run(s), {outcome.values_stored} values stored."
        )
