"""Indicator values through the API: the export's records and CSV, filters, paging."""

import io
import time

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from measures import periods as P
from measures.exports import export_record
from measures.models import Indicator, IndicatorValue
from measures.selectors import indicator_value_list
from measures.status import TargetResolver
from org.models import OrgUnit
from org.services import orgunit_tree_rebuild

VALUES = "/api/v1/indicator-values/"


def stored(indicator: Indicator, unit, period: P.Period, granularity: str, **fields) -> None:
    defaults = {"value": 4.5, "numerator": 18.0, "denominator": 400.0, "n_persons": 9}
    IndicatorValue.objects.create(
        indicator=indicator,
        unit=unit,
        granularity=granularity,
        period=period.label,
        period_start=period.start,
        period_end=period.end,
        computed_at=timezone.now(),
        **(defaults | fields),
    )


@pytest.fixture
def more_values(world) -> None:
    """Beside the world's monthly sick leave: tertials, a year, other indicators, a
    suppressed value, a value without a target, fractions that need full precision."""
    sick = Indicator.objects.get(slug="sick_leave_pct")
    fte = Indicator.objects.get(slug="fte")
    turnover = Indicator.objects.get(slug="turnover_pct")
    units = world.units
    for unit in units.values():
        stored(sick, unit, P.tertial(2025, 1), P.TERTIAL, value=1 / 3, numerator=4 / 3)
        stored(sick, unit, P.year(2024), P.YEAR, value=7.0, numerator=28.0)
        stored(fte, unit, P.month(2025, 2), P.MONTH, value=12.5, numerator=None, denominator=None)
    stored(
        turnover,
        units["A1"],
        P.year(2024),
        P.YEAR,
        value=None,
        numerator=None,
        denominator=None,
        suppressed=True,
        n_persons=3,
    )
    stored(sick, units["V2"], P.month(2024, 12), P.MONTH, value=6.2, numerator=24.8)


def command_csv(*args: str) -> bytes:
    out = io.StringIO()
    call_command("export_indicators", *args, stdout=out)
    return out.getvalue().encode()


def api_csv(client, query: str) -> bytes:
    response = client.get(f"{VALUES}?format=csv{query}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return b"".join(response.streaming_content)


FILTERS = {
    "none": ([], ""),
    "one indicator": (["--indicator", "fte"], "&indicator=fte"),
    "two indicators": (
        ["--indicator", "fte", "--indicator", "turnover_pct"],
        "&indicator=fte,turnover_pct",
    ),
    "unit": (["--unit", "V2"], "&unit=V2"),
    "granularity": (["--granularity", "year"], "&granularity=year"),
    "from": (["--from", "2025-01"], "&from=2025-01"),
    "to": (["--to", "2024"], "&to=2024"),
    "from and to": (["--from", "2024-T3", "--to", "2025-02"], "&from=2024-T3&to=2025-02"),
    "everything": (
        [
            "--indicator",
            "sick_leave_pct",
            "--unit",
            "A1",
            "--granularity",
            "month",
            "--from",
            "2025-02",
            "--to",
            "2025-T1",
        ],
        "&indicator=sick_leave_pct&unit=A1&granularity=month&from=2025-02&to=2025-T1",
    ),
}


@pytest.mark.usefixtures("more_values")
@pytest.mark.parametrize("args, query", FILTERS.values(), ids=FILTERS.keys())
def test_csv_is_byte_identical_to_the_export_command(world, args, query):
    expected = command_csv(*args)
    assert expected.count(b"\n") > 1 or query == "&to=2023"
    assert api_csv(world.client("token-read"), query) == expected


@pytest.mark.usefixtures("more_values")
def test_csv_is_filtered_to_the_callers_units_in_the_export_format(world):
    expected = b"".join(
        line
        for line in command_csv().splitlines(keepends=True)
        if line.startswith(b"indicator,") or line.split(b",")[1] in {b"V1", b"A1"}
    )
    assert api_csv(world.client("token-v1"), "") == expected
    assert api_csv(world.client("leader-own"), "") == expected


@pytest.mark.usefixtures("more_values")
def test_csv_quotes_cells_like_the_command(world):
    """A unit code with a comma and a quote is quoted as the command's csv.writer does."""
    odd = OrgUnit.objects.create(
        code='V3,"x"', name="Odd", parent=world.units["HV"], level="virksomhet"
    )
    orgunit_tree_rebuild()
    stored(Indicator.objects.get(slug="fte"), odd, P.month(2025, 1), P.MONTH)
    assert api_csv(world.client("token-read"), "&indicator=fte") == command_csv(
        "--indicator", "fte"
    )


def records(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


@pytest.mark.usefixtures("more_values")
def test_json_records_are_the_export_records_with_target_and_status(world):
    resolver = TargetResolver()
    expected = [export_record(value, resolver) for value in indicator_value_list()]
    received = records(world.client("hr").get(f"{VALUES}?page_size=10000"))
    key = ("indicator", "unit", "granularity", "period")
    assert sorted(received, key=lambda r: [r[k] for k in key]) == sorted(
        expected, key=lambda r: [r[k] for k in key]
    )
    by_key = {tuple(r[k] for k in key): r for r in received}
    assert by_key[("sick_leave_pct", "V1", "month", "2025-01")] | {"value": None} == {
        "indicator": "sick_leave_pct",
        "unit": "V1",
        "period": "2025-01",
        "granularity": "month",
        "value": None,
        "numerator": 13.0,
        "denominator": 400.0,
        "n_persons": 12,
        "suppressed": False,
        "target": 6.0,
        "status": "met",
    }
    assert by_key[("sick_leave_pct", "V2", "month", "2024-12")]["status"] == "near"
    assert by_key[("sick_leave_pct", "K", "year", "2024")]["status"] == "missed"
    suppressed = by_key[("turnover_pct", "A1", "year", "2024")]
    # Withheld: no figures, and no group size either.
    assert (suppressed["value"], suppressed["suppressed"], suppressed["n_persons"]) == (
        None,
        True,
        None,
    )
    assert (suppressed["target"], suppressed["status"]) == (None, "none")
    value = IndicatorValue.objects.get(unit__code="V2", period="2024-12")
    detail = world.client("token-read").get(f"{VALUES}{value.pk}/")
    assert detail.json() == by_key[("sick_leave_pct", "V2", "month", "2024-12")]


def keys(response) -> set[tuple[str, str, str]]:
    return {(r["indicator"], r["unit"], r["period"]) for r in records(response)}


def expected_keys(**filters) -> set[tuple[str, str, str]]:
    return {(v.indicator.slug, v.unit.code, v.period) for v in indicator_value_list(**filters)}


@pytest.mark.usefixtures("more_values")
def test_json_filters(world):
    client = world.client("token-read")

    def get(query: str) -> set[tuple[str, str, str]]:
        return keys(client.get(f"{VALUES}?page_size=10000&{query}"))

    both = expected_keys(indicators=["fte", "turnover_pct"])
    assert len(both) == 6
    assert get("indicator=fte,turnover_pct") == both
    assert get("indicator=fte&indicator=turnover_pct") == both
    assert get("indicator=fte") == expected_keys(indicators=["fte"])
    assert get("unit=HV") == expected_keys(unit_code="HV")
    assert {unit for _i, unit, _p in get("subtree=V1")} == {"V1", "A1"}
    assert {unit for _i, unit, _p in get("subtree=HV&indicator=fte")} == {"HV", "V1", "V2", "A1"}
    assert get("granularity=tertial") == expected_keys(granularity="tertial")
    assert get("from=2025-T1") == expected_keys(start="2025-T1")
    assert get("to=2024-12") == expected_keys(end="2024-12")
    assert get("from=2024&to=2024") == expected_keys(start="2024", end="2024")
    assert get("from=2025-02&to=2025-03") == expected_keys(start="2025-02", end="2025-03")
    assert get("indicator=no-such-indicator") == set()
    assert get("subtree=NOPE") == set()


@pytest.mark.parametrize(
    "query, field",
    [
        ("from=2025-13", "from"),
        ("to=mars", "to"),
        ("from=2025-T4", "from"),
        ("granularity=week", "granularity"),
    ],
)
def test_bad_filters_are_400_with_the_field(world, query, field):
    response = world.client("token-read").get(f"{VALUES}?{query}")
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["fields"]) == [field]
    assert body["fields"][field]
    csv = world.client("token-read").get(f"{VALUES}?format=csv&{query}")
    assert csv.status_code == 400
    assert list(csv.json()["fields"]) == [field]


def test_a_bad_cursor_is_404_not_a_crash(world):
    response = world.client("token-read").get(f"{VALUES}?cursor=not-a-cursor")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


HUNDRED_THOUSAND = 100_000


def test_a_client_pulls_100000_values_page_by_page_in_bounded_queries(
    world, django_assert_max_num_queries
):
    """20 indicators × 5 units × 1,000 months, 10,000 values a page, few queries a page."""
    inserting = time.monotonic()
    IndicatorValue.objects.all().delete()
    indicators = list(Indicator.objects.order_by("pk").values_list("pk", flat=True)[:20])
    units = [unit.pk for unit in world.units.values()]
    ops = connection.ops
    months = [
        cell
        for period in (P.month(1901 + i // 12, i % 12 + 1) for i in range(1000))
        for cell in (
            period.label,
            ops.adapt_datefield_value(period.start),
            ops.adapt_datefield_value(period.end),
        )
    ]
    # One INSERT … SELECT: indicators × units × 1,000 months (model instances, or a
    # statement per row, would take longer than the API's paging).
    day = "CAST({} AS date)" if connection.vendor == "postgresql" else "{}"
    sql = (
        f"INSERT INTO {IndicatorValue._meta.db_table} (indicator_id, unit_id, "  # noqa: S608
        "granularity, period, period_start, period_end, value, numerator, denominator, n_persons, "
        f"suppressed, computed_at) SELECT i.id, u.id, 'month', m.column1, "
        f"{day.format('m.column2')}, {day.format('m.column3')}, 1.5, 3.0, 2.0, 10, %s, %s "
        f"FROM {Indicator._meta.db_table} i CROSS JOIN {OrgUnit._meta.db_table} u "
        f"CROSS JOIN (VALUES {', '.join(['(%s, %s, %s)'] * 1000)}) AS m "
        f"WHERE i.id IN ({', '.join(['%s'] * 20)}) AND u.id IN ({', '.join(['%s'] * 5)})"
    )
    now = ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(sql, [False, now, *months, *indicators, *units])
    assert IndicatorValue.objects.count() == HUNDRED_THOUSAND

    client = world.client("token-read")
    url = f"{VALUES}?page_size=10000"
    seen: set[tuple[str, str, str]] = set()
    pages = 0
    started = time.monotonic()
    print(f"inserted in {started - inserting:.1f} s")
    while url:
        # The first also notes "last used"; each records the call in the access log.
        with django_assert_max_num_queries(8):
            response = client.get(url)
        assert response.status_code == 200
        body = response.json()
        assert len(body["results"]) <= 10_000
        seen.update((r["indicator"], r["unit"], r["period"]) for r in body["results"])
        url = body["next"]
        pages += 1
    assert pages == 10
    assert len(seen) == HUNDRED_THOUSAND
    print(f"paged in {time.monotonic() - started:.1f} s")
    assert time.monotonic() - started < 60


@pytest.mark.usefixtures("more_values")
def test_one_value_as_csv_is_its_export_row(world):
    value = IndicatorValue.objects.filter(unit__code="V1").order_by("pk").first()
    response = world.client("hr").get(f"{VALUES}{value.pk}/?format=csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    lines = response.content.decode().splitlines()
    everything = command_csv("--unit", "V1").decode().splitlines()
    assert lines[0] == everything[0]
    assert len(lines) == 2 and lines[1] in everything[1:]
    assert lines[1].startswith(f"{value.indicator.slug},V1,{value.period},")
