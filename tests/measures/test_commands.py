import csv
import datetime as dt
import io
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from openpyxl import load_workbook

from measures import periods as P
from measures.engine import recompute_range
from measures.models import Indicator, IndicatorValue
from measures.tasks import recompute, recompute_recent

from .builders import load_csv_folder
from .test_spec_example import EXAMPLE

pytestmark = pytest.mark.django_db

HEADER = (
    "indicator,unit,period,granularity,value,numerator,denominator,n_persons,suppressed,"
    "target,status"
)


@pytest.fixture
def example(settings):
    settings.SUPPRESSION_MIN_PERSONS = 1
    load_csv_folder(EXAMPLE)
    recompute_range(start="2024-01", end="2024-12", today=dt.date(2025, 6, 1))


def export(*args: str) -> str:
    out = StringIO()
    call_command("export_indicators", *args, stdout=out)
    return out.getvalue()


def test_csv_export_has_the_spec_columns_and_full_precision(example):
    text = export("--indicator", "sick_leave_pct", "--unit", "K", "--granularity", "month")
    lines = text.splitlines()

    assert lines[0] == HEADER
    assert lines[2] == ("sick_leave_pct,K,2024-02,month,4.295051353874883,4.6,107.1,6,false,,none")
    assert len(lines) == 1 + 12


def test_export_filters_by_period_range(example):
    rows = list(csv.DictReader(io.StringIO(export("--from", "2024-01", "--to", "2024-T1"))))

    # Periods that lie wholly inside 1 January – 30 April: the year 2024 does not.
    assert {row["period"] for row in rows} == {
        "2024-01",
        "2024-02",
        "2024-03",
        "2024-04",
        "2024-T1",
    }


def test_suppressed_values_export_empty_cells(example, settings):
    settings.SUPPRESSION_MIN_PERSONS = 5
    recompute_range(start="2024-03", end="2024-03", today=dt.date(2025, 6, 1))

    text = export(
        "--indicator", "sick_leave_pct", "--unit", "SH", "--from", "2024-03", "--to", "2024-03"
    )

    # Withheld: no figures and no group size.
    assert text.splitlines()[1] == "sick_leave_pct,SH,2024-03,month,,,,,true,,none"


def test_json_and_xlsx_exports_hold_the_same_rows(example, tmp_path):
    as_json = json.loads(export("--format", "json", "--granularity", "year"))
    target = tmp_path / "export.xlsx"
    call_command(
        "export_indicators",
        "--format",
        "xlsx",
        "--granularity",
        "year",
        "--output",
        str(target),
        stderr=StringIO(),
    )
    sheet = load_workbook(target).active
    rows = list(sheet.iter_rows(values_only=True))

    assert rows[0] == tuple(HEADER.split(","))
    assert (
        len(rows) - 1 == len(as_json) == IndicatorValue.objects.filter(granularity="year").count()
    )
    assert as_json[0]["period"] == "2024"


def test_bad_period_is_a_clear_error(example):
    with pytest.raises(CommandError, match="is not a period"):
        export("--from", "2024-13")


def test_recompute_command_reports_what_it_did(settings):
    settings.SUPPRESSION_MIN_PERSONS = 1
    load_csv_folder(EXAMPLE)
    out = StringIO()

    call_command("recompute_indicators", "--from", "2024-01", "--to", "2024-04", stdout=out)

    # A recompute covers whole years (the complementary rule protects a year at once).
    assert "Recomputed 2024-01 … 2024-12" in out.getvalue()
    assert IndicatorValue.objects.filter(period="2024-T1").exists()


def test_recompute_task_stays_within_the_months_that_have_absence_data():
    load_csv_folder(EXAMPLE)

    result = recompute.apply(kwargs={"start": "1990-01"}).get()

    assert result["start"] == "2024-01"
    assert not IndicatorValue.objects.filter(period_start__lt=dt.date(2024, 1, 1)).exists()


def test_load_indicators_links_them_to_the_strategy(seeded_strategies):
    out = StringIO()
    call_command("load_indicators", stdout=out)
    call_command("load_indicators", stdout=out)

    assert Indicator.objects.filter(kind="computed").count() == 14
    shift = Indicator.objects.get(slug="full_time_share_shift")
    assert list(shift.sub_measures.values_list("title", flat=True)) == [
        "øke andelen heltidsansatte"
    ]
    assert list(
        Indicator.objects.get(slug="turnover_pct").goals.values_list("number", flat=True)
    ) == [1]
    assert list(Indicator.objects.get(slug="new_hires").goals.values_list("number", flat=True)) == [
        2
    ]
    assert (
        out.getvalue().splitlines()[-1]
        == "Indicators: 0 created, 0 updated, 0 new links to goals and sub-measures."
    )


def test_the_nightly_task_recomputes_the_last_two_complete_months(settings):
    settings.SUPPRESSION_MIN_PERSONS = 1
    load_csv_folder(EXAMPLE)

    result = recompute_recent.apply(kwargs={"months": 2}).get()

    last = P.last_complete_month(timezone.localdate())
    assert result["end"] == last.label
    assert IndicatorValue.objects.filter(period=last.label).exists()
    assert settings.CELERY_BEAT_SCHEDULE["recompute-recent-months"]["task"] == (
        "measures.tasks.recompute_recent"
    )
