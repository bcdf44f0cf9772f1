"""Small HR data sets for engine tests, written straight to the models.

The import (hr.services) validates and writes real batches; these builders
keep engine tests fast and focused, and let hypothesis create many small
municipalities.
"""

import csv
import datetime as dt
from pathlib import Path

from hr.models import AbsenceSpell, Employment
from org.models import OrgUnit
from org.services import orgunit_tree_rebuild


def _date(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def build_units(rows: list[dict]) -> dict[str, OrgUnit]:
    """Units from dicts with code, name, parent_code, level, shift_based (bool)."""
    units: dict[str, OrgUnit] = {}
    for row in rows:
        units[row["code"]] = OrgUnit.objects.create(
            code=row["code"],
            name=row.get("name", row["code"]),
            parent=units.get(row.get("parent_code") or ""),
            level=row.get("level", "virksomhet"),
            shift_based=bool(row.get("shift_based", False)),
        )
    orgunit_tree_rebuild()
    return units


def build_employments(rows: list[dict], units: dict[str, OrgUnit]) -> dict[str, Employment]:
    objects = [
        Employment(
            employment_id=row["employment_id"],
            person_id=row["person_id"],
            birth_date=row["birth_date"],
            gender=row.get("gender", ""),
            unit=units[row["unit_code"]],
            position_pct=float(row["position_pct"]),
            start_date=row["start_date"],
            end_date=row.get("end_date"),
            end_reason=row.get("end_reason", ""),
            employment_type=row.get("employment_type", "fast"),
            job_title=row.get("job_title", ""),
        )
        for row in rows
    ]
    Employment.objects.bulk_create(objects)
    return {e.employment_id: e for e in Employment.objects.all()}


def build_absences(rows: list[dict], employments: dict[str, Employment]) -> None:
    AbsenceSpell.objects.bulk_create(
        AbsenceSpell(
            absence_id=row["absence_id"],
            employment=employments[row["employment_id"]],
            start_date=row["start_date"],
            end_date=row["end_date"],
            grade_pct=float(row["grade_pct"]),
            kind=row["kind"],
        )
        for row in rows
    )


def load_csv_folder(folder: Path) -> None:
    """Load a batch in the import format (trusted, already valid) without the importer."""

    def read(name: str) -> list[dict]:
        with (folder / name).open(encoding="utf-8-sig", newline="") as handle:
            return list(csv.DictReader(handle))

    units = build_units(
        [{**row, "shift_based": row["shift_based"] == "ja"} for row in read("orgunits.csv")]
    )
    employments = build_employments(
        [
            {
                **row,
                "birth_date": _date(row["birth_date"]),
                "start_date": _date(row["start_date"]),
                "end_date": _date(row["end_date"]),
            }
            for row in read("employments.csv")
        ],
        units,
    )
    build_absences(
        [
            {**row, "start_date": _date(row["start_date"]), "end_date": _date(row["end_date"])}
            for row in read("absences.csv")
        ],
        employments,
    )
