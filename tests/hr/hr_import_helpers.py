"""Helpers for the HR import tests: batch files built in memory or in tmp_path."""

from pathlib import Path

from hr.models import AbsenceSpell, Employment, ImportJob
from hr.services import ImportResult, ImportSource, hr_import
from org.models import OrgUnit, OrgUnitClosure
from tests import factories

EXAMPLE = Path(__file__).resolve().parent.parent / "data" / "spec_example"
UNITS = "code,name,parent_code,level,shift_based"
EMPLOYMENTS = (
    "employment_id,person_id,birth_date,gender,unit_code,position_pct,start_date,end_date,"
    "end_reason,employment_type,job_title"
)
ABSENCES = "absence_id,employment_id,start_date,end_date,grade_pct,kind"

# A minimal valid batch on top of the spec example (root K, units HV, SH, SK).
EXAMPLE_UNITS = [
    "K,Eksempel kommune,,kommune,nei",
    "HV,Helse og velferd,K,tjenesteomrade,nei",
    "SH,Sykehjemmet,HV,virksomhet,ja",
    "SK,Skolen,K,virksomhet,nei",
]


def example_sources() -> list[ImportSource]:
    """The three files of spec/example, as the command would name them."""
    return [
        ImportSource(name=f"{kind}.csv", content=EXAMPLE / f"{kind}.csv")
        for kind in ("orgunits", "employments", "absences")
    ]


def csv_file(name: str, *lines: str, encoding: str = "utf-8") -> ImportSource:
    """A CSV file from its lines (header first), with a final newline."""
    return ImportSource(name=name, content=("\n".join(lines) + "\n").encode(encoding))


def units(*rows: str) -> ImportSource:
    return csv_file("orgunits.csv", UNITS, *rows)


def employments(*rows: str) -> ImportSource:
    return csv_file("employments.csv", EMPLOYMENTS, *rows)


def absences(*rows: str) -> ImportSource:
    return csv_file("absences.csv", ABSENCES, *rows)


def run(
    *sources: ImportSource, skip_invalid: bool = False, source: str = "command"
) -> ImportResult:
    return hr_import(sources=list(sources), user=None, source=source, skip_invalid=skip_invalid)


def messages(result: ImportResult) -> list[str]:
    return [str(error) for error in result.errors]


def import_example() -> ImportResult:
    result = hr_import(sources=example_sources(), user=None, source="command")
    assert result.succeeded, messages(result)
    return result


def snapshot() -> dict[str, list[tuple]]:
    """Every HR row in the database, to compare before and after a refused import."""
    return {
        "units": list(
            OrgUnit.objects.order_by("code").values_list(
                "code", "name", "parent__code", "level", "shift_based"
            )
        ),
        "employments": list(
            Employment.objects.order_by("employment_id").values_list(
                "employment_id",
                "person_id",
                "birth_date",
                "gender",
                "unit__code",
                "position_pct",
                "start_date",
                "end_date",
                "end_reason",
                "employment_type",
                "job_title",
            )
        ),
        "absences": list(
            AbsenceSpell.objects.order_by("absence_id").values_list(
                "absence_id",
                "employment__employment_id",
                "start_date",
                "end_date",
                "grade_pct",
                "kind",
            )
        ),
        "closure": list(
            OrgUnitClosure.objects.order_by("ancestor__code", "descendant__code").values_list(
                "ancestor__code", "descendant__code", "depth"
            )
        ),
        "history": [(OrgUnit.history.count(),)],
    }


def counts(
    *,
    rows: int | None = None,
    created: int = 0,
    updated: int = 0,
    unchanged: int = 0,
    rejected: int = 0,
) -> dict:
    """Counts of one file; ``rows`` defaults to the sum (it differs in a refused batch)."""
    return {
        "rows": created + updated + unchanged + rejected if rows is None else rows,
        "created": created,
        "updated": updated,
        "unchanged": unchanged,
        "rejected": rejected,
    }


def user_with_role(django_user_model, username: str, role: str):
    return factories.user_with_role(username, role)


def last_job() -> ImportJob:
    return ImportJob.objects.order_by("-pk").first()
