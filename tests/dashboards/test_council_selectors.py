"""The council report's data: figures, trends, charts and the representatives' share."""

import datetime as dt
import io

import pytest
from django.template.loader import render_to_string
from django.utils import timezone, translation
from docx import Document

from dashboards.council.charts import bar_chart_svg
from dashboards.council.selectors import (
    Chart,
    ChartBar,
    Figure,
    _figure,
    _trend,
    council_report,
)
from dashboards.council.word import council_report_docx
from measures import periods as P
from measures.models import Indicator, IndicatorValue
from org import roles
from org.models import OrgUnit
from plans import services as plans
from plans.models import Action, ActionPlan
from tests import factories

from .council_data import ACTION, build_council_round


def indicator(direction: str = "lower", unit: str = "%") -> Indicator:
    return Indicator(slug="x", name="X", unit_of_measure=unit, direction=direction)


@pytest.fixture(autouse=True)
def norwegian():
    with translation.override("nb"):
        yield


def test_a_suppressed_value_has_no_number_whatever_it_holds():
    # Even a suppressed value that (against the constraint) carried figures gives none.
    value = IndicatorValue(value=33.3, numerator=1, denominator=3, n_persons=3, suppressed=True)

    figure = _figure(value, indicator())

    assert figure == Figure(text="Skjult (under 5 personer)", number=None, suppressed=True)


def test_a_published_value_has_its_text_and_number():
    assert _figure(IndicatorValue(value=7.84), indicator()) == Figure("7,8\xa0%", 7.84)
    assert _figure(None, indicator()) == Figure("Ingen verdi", None)


@pytest.mark.parametrize(
    ("direction", "now", "before", "expected"),
    [
        ("lower", 6.0, 7.0, ("↓", "Bedre enn i fjor")),
        ("lower", 7.0, 6.0, ("↑", "Dårligere enn i fjor")),
        ("higher", 7.0, 6.0, ("↑", "Bedre enn i fjor")),
        ("neutral", 7.0, 6.0, ("↑", "Høyere enn i fjor")),
        ("lower", 6.04, 5.96, ("→", "Som i fjor")),  # the same at the precision shown
        ("lower", None, 6.0, ("", "")),
    ],
)
def test_the_trend_says_better_or_worse_by_the_indicators_direction(
    direction, now, before, expected
):
    figures = [Figure("", n) for n in (now, before)]

    assert _trend(*figures, indicator(direction)) == expected


def test_a_chart_draws_published_figures_only():
    chart = Chart(
        anchor="c",
        title="Sykefravær per enhet",
        indicator="Sykefravær",
        unit_of_measure="%",
        bars=[
            ChartBar("Skolen", Figure("12,5\xa0%", 12.5), 6.0, "✗", "Ikke nådd"),
            ChartBar("Barnehagen", Figure("Skjult", None, True), 6.0, "–", "Ingen status"),
        ],
    )

    svg = bar_chart_svg(chart, element_id="c")

    assert svg.count("<rect ") == 1  # one bar; the hidden value is a gap
    assert ">Skjult</text>" in svg and "12,5\xa0% ✗" in svg
    assert '<title id="c-title">Stolpediagram: Sykefravær per enhet.' in svg
    assert 'role="img"' in svg and 'aria-labelledby="c-title"' in svg
    assert "style=" not in svg  # the Content Security Policy allows no style attribute


@pytest.mark.django_db
def test_the_representatives_share_counts_their_confirmations_in_every_output():
    units = build_council_round()
    sentence = "Enheter der tillitsvalgte har bekreftet planen"

    def report_now():
        return council_report(
            units=OrgUnit.objects.all(), year=2024, tertial=2, today=dt.date(2024, 9, 15)
        )

    # Two units have a plan for 2024 (SH in Helse og velferd, SK in Oppvekst), and no
    # representative has confirmed anything yet.
    before = report_now()
    assert before.plan.representatives_confirmed_share == 0

    # SH's representative confirms the action of SH's plan.
    representative = factories.user_with_role("tv-sh", roles.REPRESENTATIVE, units["SH"])
    action = Action.objects.get(plan__unit=units["SH"], title=ACTION)
    plans.participation_confirm(action=action, by=representative)
    report = report_now()

    assert report.plan.representatives_confirmed_share == 50
    by_area = {area.name: area.plan.representatives_confirmed_share for area in report.areas}
    assert by_area == {"Helse og velferd": 100, "Oppvekst": 0}
    html = render_to_string("dashboards/council/_body.html", {"report": report})
    assert f"{sentence}: 50\xa0%." in html and f"{sentence}: 100\xa0%." in html
    text = "\n".join(p.text for p in Document(io.BytesIO(council_report_docx(report))).paragraphs)
    assert f"{sentence}: 50\xa0%." in text and f"{sentence}: 100\xa0%." in text


@pytest.mark.django_db
def test_the_representatives_share_is_left_out_when_no_unit_has_a_plan():
    build_council_round()
    Action.objects.all().delete()
    ActionPlan.objects.all().delete()
    report = council_report(
        units=OrgUnit.objects.all(), year=2024, tertial=2, today=dt.date(2024, 9, 15)
    )
    assert report.plan.representatives_confirmed_share is None
    html = render_to_string("dashboards/council/_body.html", {"report": report})
    assert "Enheter der tillitsvalgte har bekreftet planen" not in html


def _survey(unit: OrgUnit, year: int, score: float, respondents: int) -> None:
    period = P.year(year)
    IndicatorValue.objects.create(
        indicator=Indicator.objects.get(slug="tifaktor_mestringstro"),
        unit=unit,
        granularity=period.granularity,
        period=period.label,
        period_start=period.start,
        period_end=period.end,
        value=score if respondents >= 5 else None,
        n_persons=respondents,
        suppressed=respondents < 5,
        computed_at=timezone.now(),
    )


@pytest.mark.django_db
def test_a_survey_reaches_the_tertials_after_it_with_its_year_and_a_small_one_stays_hidden():
    units = build_council_round()
    _survey(units["K"], 2023, 4.1, 40)
    _survey(units["K"], 2024, 4.3, 38)
    _survey(units["HV"], 2023, 3.9, 3)  # fewer than 5 respondents

    report = council_report(
        units=OrgUnit.objects.all(), year=2024, tertial=2, today=dt.date(2024, 9, 15)
    )

    def line(lines):
        return next(item for item in lines if item.slug == "tifaktor_mestringstro")

    front = line(line_ for goal in report.goals for line_ in goal.lines)
    # The survey of 2024 in 2024's second tertial; last year's tertial shows 2023's.
    assert (front.value.text, front.value.number) == ("4,3\xa0skår 1–5 (tall for 2024)", 4.3)
    assert front.last_year.text == "4,1\xa0skår 1–5 (tall for 2023)"
    assert front.trend_text == "Bedre enn i fjor"
    area = next(a for a in report.areas if a.name == "Helse og velferd")
    hidden = line(area.lines).last_year
    assert hidden.number is None and hidden.suppressed and "3,9" not in hidden.text
