"""The synthetic municipality: reproducible, valid per spec/hr-import.md, and realistic."""

import csv
import datetime
import itertools
import re
from collections import Counter, defaultdict
from pathlib import Path

import holidays
import pytest
from dateutil.easter import easter
from django.core.management import call_command

from demo.generator import (
    ABSENCES_FILE,
    EMPLOYMENTS_FILE,
    ORGUNITS_FILE,
    GenerationSummary,
    default_end_date,
    generate_municipality,
    municipality_sizes,
)

END = datetime.date(2025, 6, 30)
Rows = list[dict[str, str]]


def read(path: Path) -> tuple[list[str], Rows]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def day(text: str) -> datetime.date:
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", text), text
    return datetime.date.fromisoformat(text)


def end_or_none(row: dict[str, str]) -> datetime.date | None:
    return day(row["end_date"]) if row["end_date"] else None


def is_active(row: dict[str, str], on: datetime.date) -> bool:
    stop = end_or_none(row)
    return day(row["start_date"]) <= on and (stop is None or stop >= on)


def completed_years(birth: datetime.date, on: datetime.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def pct(text: str) -> float:
    assert re.fullmatch(r"\d+(\.\d+)?", text), text  # "." decimals, no thousands separator
    return float(text)


class Municipality:
    def __init__(self, summary: GenerationSummary, folder: Path) -> None:
        self.summary = summary
        self.folder = folder
        self.unit_columns, self.units = read(folder / ORGUNITS_FILE)
        self.employment_columns, self.employments = read(folder / EMPLOYMENTS_FILE)
        self.absence_columns, self.absences = read(folder / ABSENCES_FILE)
        self.unit = {row["code"]: row for row in self.units}
        self.employment = {row["employment_id"]: row for row in self.employments}

    def service_area(self, code: str) -> str:
        while self.unit[code]["level"] != "tjenesteomrade":
            code = self.unit[code]["parent_code"]
        return code

    def active_by_person(self, on: datetime.date) -> dict[str, Rows]:
        persons: dict[str, Rows] = defaultdict(list)
        for row in self.employments:
            if is_active(row, on):
                persons[row["person_id"]].append(row)
        return persons


def main_employment(rows: Rows) -> dict[str, str]:
    """spec/indicators.md: the largest position; ties by the smallest employment_id."""
    return min(rows, key=lambda row: (-pct(row["position_pct"]), row["employment_id"]))


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory) -> Municipality:
    folder = tmp_path_factory.mktemp("town")
    summary = generate_municipality(persons=3000, seed=2025, out_dir=folder, end_date=END)
    return Municipality(summary, folder)


# --- reproducibility ------------------------------------------------------------------


def test_the_same_seed_writes_identical_files_and_another_seed_different_ones(tmp_path):
    first, second, other = tmp_path / "first", tmp_path / "second", tmp_path / "other"

    generate_municipality(persons=400, seed=7, out_dir=first, end_date=END)
    generate_municipality(persons=400, seed=7, out_dir=second, end_date=END)
    generate_municipality(persons=400, seed=8, out_dir=other, end_date=END)

    for name in (ORGUNITS_FILE, EMPLOYMENTS_FILE, ABSENCES_FILE):
        assert (first / name).read_bytes() == (second / name).read_bytes()
    assert (first / EMPLOYMENTS_FILE).read_bytes() != (other / EMPLOYMENTS_FILE).read_bytes()
    assert (first / ABSENCES_FILE).read_bytes() != (other / ABSENCES_FILE).read_bytes()


def test_default_end_date_is_the_last_day_of_the_previous_month():
    assert default_end_date(datetime.date(2025, 3, 15)) == datetime.date(2025, 2, 28)
    assert default_end_date(datetime.date(2024, 3, 1)) == datetime.date(2024, 2, 29)
    assert default_end_date(datetime.date(2025, 1, 31)) == datetime.date(2024, 12, 31)


def test_summary_counts_what_the_files_hold(town):
    summary = town.summary

    assert summary.persons == 3000
    assert summary.units == len(town.units)
    assert summary.employments == len(town.employments)
    assert summary.absences == len(town.absences)
    assert len({row["person_id"] for row in town.employments}) == 3000
    assert summary.start_date == datetime.date(2020, 7, 1)
    assert summary.end_date == END
    assert summary.headcount_at_end == len(town.active_by_person(END))


# --- the import format (spec/hr-import.md) --------------------------------------------


def test_files_are_utf8_csv_with_the_spec_header_rows(town):
    assert town.unit_columns == ["code", "name", "parent_code", "level", "shift_based"]
    assert town.employment_columns == [
        "employment_id",
        "person_id",
        "birth_date",
        "gender",
        "unit_code",
        "position_pct",
        "start_date",
        "end_date",
        "end_reason",
        "employment_type",
        "job_title",
    ]
    assert town.absence_columns == [
        "absence_id",
        "employment_id",
        "start_date",
        "end_date",
        "grade_pct",
        "kind",
    ]
    for name in (ORGUNITS_FILE, EMPLOYMENTS_FILE, ABSENCES_FILE):
        raw = (town.folder / name).read_bytes()
        raw.decode("utf-8")
        assert not raw.startswith(b"\xef\xbb\xbf")
    assert "Bymiljø og utbygging" in (town.folder / ORGUNITS_FILE).read_text(encoding="utf-8")


def test_orgunits_form_one_tree_under_the_municipality(town):
    codes = [row["code"] for row in town.units]
    levels = {"kommune": 0, "tjenesteomrade": 1, "virksomhet": 2, "avdeling": 3}

    assert len(codes) == len(set(codes))
    roots = [row for row in town.units if not row["parent_code"]]
    assert [(row["code"], row["level"]) for row in roots] == [("DK", "kommune")]
    seen: set[str] = set()
    for row in town.units:
        assert row["code"] and row["name"]
        assert re.fullmatch(r"[A-Z]+(-[A-Z]+\d+(-[A-Z0-9]+)?)?", row["code"]), row["code"]
        assert row["shift_based"] in {"ja", "nei"}
        if row["parent_code"]:
            assert row["parent_code"] in seen  # parents are written before their children
            parent = town.unit[row["parent_code"]]
            assert levels[row["level"]] == levels[parent["level"]] + 1
        seen.add(row["code"])


def test_employments_follow_the_spec(town):
    reasons = {"alderspensjon", "afp", "uforetrygd", "oppsigelse", "dodsfall", "annet"}
    birth_dates: dict[str, str] = {}

    assert len(town.employment) == len(town.employments)
    for row in town.employments:
        assert re.fullmatch(r"E\d{6}", row["employment_id"])
        assert re.fullmatch(r"P\d{6}", row["person_id"])
        assert row["gender"] in {"K", "M", ""}
        assert row["unit_code"] in town.unit
        assert 0 < pct(row["position_pct"]) <= 100
        start, stop, birth = day(row["start_date"]), end_or_none(row), day(row["birth_date"])
        assert stop is None or stop >= start
        assert bool(row["end_reason"]) == (stop is not None)
        assert row["end_reason"] in reasons | {""}
        assert row["employment_type"] in {"fast", "midlertidig"}
        assert row["job_title"]
        assert birth_dates.setdefault(row["person_id"], row["birth_date"]) == row["birth_date"]
        assert completed_years(birth, start) >= 18
        assert completed_years(birth, stop or END) <= 70
        assert start <= END


def test_absences_follow_the_spec(town):
    spells: dict[str, list[tuple[datetime.date, datetime.date]]] = defaultdict(list)

    assert len({row["absence_id"] for row in town.absences}) == len(town.absences)
    for row in town.absences:
        assert re.fullmatch(r"A\d{7}", row["absence_id"])
        employment = town.employment[row["employment_id"]]
        start, stop = day(row["start_date"]), day(row["end_date"])
        assert stop >= start
        assert 0 < pct(row["grade_pct"]) <= 100
        assert row["kind"] in {"egenmeldt", "legemeldt"}
        assert row["kind"] == "legemeldt" or row["grade_pct"] == "100"
        assert is_active(employment, start)  # the spell starts inside its employment
        assert town.summary.start_date - datetime.timedelta(days=365) <= start
        assert stop <= END
        spells[row["employment_id"]].append((start, stop))
    for periods in spells.values():
        periods.sort()
        for (_, earlier_end), (later_start, _) in zip(periods, periods[1:], strict=False):
            assert later_start > earlier_end


# --- realism --------------------------------------------------------------------------


def test_about_half_of_the_staff_work_in_health_and_care(town):
    persons = town.active_by_person(END)
    areas = Counter(
        town.service_area(main_employment(rows)["unit_code"]) for rows in persons.values()
    )

    assert 0.45 <= areas["HV"] / len(persons) <= 0.55
    assert set(areas) == {"HV", "OU", "BM", "IS", "OS"}


def test_about_a_third_in_shift_based_units_work_full_time(town):
    persons = town.active_by_person(END)
    shift = [
        sum(pct(row["position_pct"]) for row in rows) >= 100
        for rows in persons.values()
        if town.unit[main_employment(rows)["unit_code"]]["shift_based"] == "ja"
    ]
    day_staff = [
        sum(pct(row["position_pct"]) for row in rows) >= 100
        for rows in persons.values()
        if town.unit[main_employment(rows)["unit_code"]]["shift_based"] == "nei"
    ]

    assert 0.25 <= sum(shift) / len(shift) <= 0.45
    assert sum(day_staff) / len(day_staff) > 0.7
    assert {"33.33", "80.5"} <= {row["position_pct"] for row in town.employments}


def test_some_persons_hold_two_employments_at_once(town):
    persons = town.active_by_person(END)

    share = sum(len(rows) >= 2 for rows in persons.values()) / len(persons)

    assert 0.03 <= share <= 0.10


def test_some_persons_are_born_on_29_february(town):
    leap_day_persons = {
        row["person_id"] for row in town.employments if row["birth_date"].endswith("-02-29")
    }

    assert len(leap_day_persons) >= 3


def test_flows_cover_hires_moves_resignations_temporary_ends_and_retirements(town):
    by_person: dict[str, Rows] = defaultdict(list)
    for row in town.employments:
        by_person[row["person_id"]].append(row)
    reasons = Counter(row["end_reason"] for row in town.employments)
    starts = [day(row["start_date"]) for row in town.employments]
    moves = 0
    for rows in by_person.values():
        begins = {day(row["start_date"]) for row in rows}
        moves += sum(
            1
            for row in rows
            if row["end_date"] and day(row["end_date"]) + datetime.timedelta(days=1) in begins
        )

    assert all(reasons[reason] > 0 for reason in ("oppsigelse", "annet", "afp", "alderspensjon"))
    assert reasons["uforetrygd"] > reasons["dodsfall"] > 0
    assert sum(town.summary.start_date <= start for start in starts) > 0.2 * len(starts)
    assert sum(start.day == 1 for start in starts) > 0.3 * len(starts)
    assert sum(start.day not in {1, 15} for start in starts) > 0.2 * len(starts)  # mid-month
    assert moves > 100
    assert Counter(row["employment_type"] for row in town.employments)["midlertidig"] > 100


def test_retirement_exits_happen_mostly_between_62_and_70(town):
    ages = [
        (day(row["end_date"]) - day(row["birth_date"])).days / 365.25
        for row in town.employments
        if row["end_reason"] in {"alderspensjon", "afp"}
    ]

    assert len(ages) > 50
    assert sum(62 <= age < 71 for age in ages) / len(ages) >= 0.9


def test_spells_cross_month_ends_easter_and_the_end_of_an_employment(town):
    def covers(start: datetime.date, stop: datetime.date, *days: datetime.date) -> bool:
        return all(start <= one <= stop for one in days)

    spells = [(day(row["start_date"]), day(row["end_date"]), row) for row in town.absences]
    easter_spells = [
        row
        for start, stop, row in spells
        if covers(
            start,
            stop,
            easter(start.year) - datetime.timedelta(days=2),
            easter(start.year) + datetime.timedelta(days=1),
        )
    ]
    past_end = [
        row
        for _, stop, row in spells
        if (employment_end := end_or_none(town.employment[row["employment_id"]])) is not None
        and stop > employment_end
    ]
    kinds = Counter(row["kind"] for row in town.absences)

    assert any(start.month != stop.month for start, stop, _ in spells)
    assert easter_spells
    assert any(covers(start, stop, datetime.date(start.year, 12, 25)) for start, stop, _ in spells)
    assert 0 < len(past_end) < 0.02 * len(spells)
    assert kinds["egenmeldt"] > 0.3 * len(spells)
    assert any(row["grade_pct"] not in {"100"} for row in town.absences)
    assert any((stop - start).days >= 60 for start, stop, _ in spells)


def test_sick_leave_is_about_eight_percent_of_agreed_working_days(town):
    # spec/indicators.md "Sick leave", for the last full year, by counting days.
    year = END.year - 1
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    public_holidays = holidays.Norway(years=year)
    calendar = [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]
    working = [one.weekday() < 5 and one not in public_holidays for one in calendar]
    counted = [0, *itertools.accumulate(working)]  # working days before each day

    def working_days(start: datetime.date, stop: datetime.date | None) -> int:
        start, stop = max(start, first), min(stop or last, last)
        if start > stop:
            return 0
        return counted[(stop - first).days + 1] - counted[(start - first).days]

    possible = sum(
        pct(row["position_pct"]) / 100 * working_days(day(row["start_date"]), end_or_none(row))
        for row in town.employments
    )
    lost = 0.0
    spells = 0
    for row in town.absences:
        employment = town.employment[row["employment_id"]]
        start = max(day(row["start_date"]), day(employment["start_date"]))
        stop = min(day(row["end_date"]), end_or_none(employment) or last)
        position = pct(employment["position_pct"]) / 100
        lost += pct(row["grade_pct"]) / 100 * position * working_days(start, stop)
        spells += day(row["start_date"]).year == year

    assert 6 <= 100 * lost / possible <= 10
    assert 1.5 <= spells / (possible / sum(working)) <= 3.5  # spells per full-time year


# --- a national sample (many kommuner) ------------------------------------------------


def test_municipality_sizes_share_the_persons_largest_first():
    sizes = municipality_sizes(500_000, 40)

    assert sum(sizes) == 500_000
    assert sizes == sorted(sizes, reverse=True)
    assert sizes[0] > 10 * sizes[-1] > 0
    assert municipality_sizes(3, 3) == [1, 1, 1]
    with pytest.raises(ValueError):
        municipality_sizes(2, 3)


def test_one_municipality_is_the_default(tmp_path):
    generate_municipality(persons=150, seed=4, out_dir=tmp_path / "a", end_date=END, years=1)
    generate_municipality(
        persons=150, seed=4, out_dir=tmp_path / "b", end_date=END, years=1, municipalities=1
    )

    for name in (ORGUNITS_FILE, EMPLOYMENTS_FILE, ABSENCES_FILE):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_a_nation_is_many_kommuner_under_one_root_with_unique_ids(tmp_path):
    summary = generate_municipality(
        persons=900, seed=6, out_dir=tmp_path, end_date=END, years=2, municipalities=3
    )
    nation = Municipality(summary, tmp_path)

    roots = [row for row in nation.units if not row["parent_code"]]
    assert [(row["code"], row["level"]) for row in roots] == [("NO", "kommune")]
    kommuner = [row["code"] for row in nation.units if row["parent_code"] == "NO"]
    assert kommuner == ["K01", "K02", "K03"]
    assert all(nation.unit[code]["level"] == "kommune" for code in kommuner)
    assert len(nation.unit) == len(nation.units) == summary.units

    def kommune(code: str) -> str:
        while nation.unit[code]["parent_code"] != "NO":
            code = nation.unit[code]["parent_code"]
        return code

    seen: set[str] = set()
    for row in nation.units:
        if row["parent_code"]:
            assert row["parent_code"] in seen  # parents first
        if row["code"] not in ("NO", *kommuner):
            assert row["code"].startswith(kommune(row["code"]) + "-")
        seen.add(row["code"])
    assert len(nation.employment) == len(nation.employments) == summary.employments
    assert len({row["absence_id"] for row in nation.absences}) == summary.absences
    assert all(row["employment_id"] in nation.employment for row in nation.absences)
    persons_by_kommune: dict[str, set[str]] = defaultdict(set)
    for row in nation.employments:
        persons_by_kommune[kommune(row["unit_code"])].add(row["person_id"])
    sizes = [len(persons_by_kommune[code]) for code in kommuner]
    assert sizes == municipality_sizes(900, 3)
    assert len(set().union(*persons_by_kommune.values())) == 900  # nobody in two kommuner


# --- the command ----------------------------------------------------------------------


def test_command_writes_the_files_and_prints_the_summary(tmp_path, capsys):
    call_command(
        "generate_demo_data",
        "--persons=200",
        "--seed=3",
        f"--out={tmp_path}",
        "--end-date=2024-12-31",
        "--years=2",
    )

    output = capsys.readouterr().out
    assert "200 persons" in output
    assert "2023-01-01 – 2024-12-31" in output
    _, employments = read(tmp_path / EMPLOYMENTS_FILE)
    assert len({row["person_id"] for row in employments}) == 200
    assert (tmp_path / ORGUNITS_FILE).exists()
    assert (tmp_path / ABSENCES_FILE).exists()


def test_command_writes_a_nation(tmp_path, capsys):
    call_command(
        "generate_demo_data",
        "--persons=300",
        "--seed=3",
        f"--out={tmp_path}",
        "--end-date=2024-12-31",
        "--years=1",
        "--municipalities=2",
    )

    assert "300 persons" in capsys.readouterr().out
    _, units = read(tmp_path / ORGUNITS_FILE)
    assert [row["code"] for row in units if row["parent_code"] in ("", "NO")] == [
        "NO",
        "K01",
        "K02",
    ]
