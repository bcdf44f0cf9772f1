"""The council report as files: the PDF and the DOCX downloaded and read back.

The round of ``council_data``: reports with a marker text, two service areas, a unit
whose figures are suppressed (its sick leave, 33,3 %, must never be printed).
"""

import io
import re

import pdfplumber
import pytest
from django.utils import translation
from docx import Document

from dashboards.selectors import strategy_indicators
from goals.selectors import strategy_get_active
from measures import periods as P
from measures.formatting import status_label
from measures.models import HealthDataAccess, IndicatorValue
from measures.status import TargetResolver, evaluate_stored
from org import roles
from org.models import OrgUnit
from tests.factories import user_with_role

from .council_data import (
    ACTION,
    AREA_SUMMARY,
    DRAFT_MARKER,
    MARKER,
    SUPPRESSED_FIGURE,
    UNIT_SUMMARY,
    build_council_round,
)

pytestmark = pytest.mark.django_db

PDF_URL = "/reports/2024/T2.pdf"
DOCX_URL = "/reports/2024/T2.docx"
A4 = (595.28, 841.89)  # points


@pytest.fixture
def council_units():
    return build_council_round()


@pytest.fixture
def hr(client, council_units):
    client.force_login(user_with_role("hr-council", roles.HR))
    return client


def flat(text: str) -> str:
    """Text with hyphenation undone and every run of white space one space."""
    text = text.replace("\N{HYPHEN}\n", "").replace("\N{NO-BREAK SPACE}", " ")
    return " ".join(text.split())


def expected_statuses(unit: OrgUnit) -> dict[str, str]:
    """Per indicator of the strategy: its status text for ``unit`` in 2024-T2, as
    ``measures.status`` evaluates it from the stored value (not from the report)."""
    _goals, _links, indicators = strategy_indicators(strategy=strategy_get_active())
    period = P.tertial(2024, 2)
    resolver = TargetResolver(unit_ids=[unit.pk])
    values = {
        v.indicator_id: v
        for v in IndicatorValue.objects.filter(unit=unit, granularity="tertial", period="2024-T2")
    }
    with translation.override("nb"):
        result = {}
        for indicator in indicators:
            target = resolver.resolve(indicator_id=indicator.pk, unit_id=unit.pk, on=period.end)
            status = evaluate_stored(values.get(indicator.pk), target)
            result[indicator.name] = status_label(status, target)[1]
    return result


def pdf_read(content: bytes) -> tuple[list, str, list[list[str]]]:
    """The pages, the whole text (flattened) and every table row (cells flattened)."""
    pdf = pdfplumber.open(io.BytesIO(content))
    pages = list(pdf.pages)
    text = flat("\n".join(page.extract_text() or "" for page in pages))
    rows = [
        [flat(cell or "") for cell in row]
        for page in pages
        for table in page.extract_tables()
        for row in table
    ]
    return pages, text, rows


def docx_read(content: bytes):
    document = Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    rows = []
    for table in document.tables:
        for row in table.rows:
            cells = [cell.text for cell in row.cells]
            rows.append([flat(c) for c in cells])
            parts.extend(cells)
    return document, flat("\n".join(parts)), rows


def status_cells(rows: list[list[str]]) -> dict[str, set[str]]:
    """Per first cell of an indicator table's row (six cells): the status cells seen."""
    found: dict[str, set[str]] = {}
    for row in rows:
        if len(row) == 6:
            found.setdefault(row[0], set()).add(row[3])
    return found


def test_the_pdf_has_the_marker_every_area_every_status_and_no_suppressed_figure(hr, council_units):
    response = hr.get(PDF_URL)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="rapport-kommunestyret-2024-T2.pdf"'
    )
    assert "no-store" in response["Cache-Control"]
    pages, text, rows = pdf_read(response.content)
    assert MARKER in text
    assert ACTION in text
    assert AREA_SUMMARY in text
    assert UNIT_SUMMARY in text  # Oppvekst has no area summary: its units' stand in
    assert DRAFT_MARKER not in text  # a draft is not delivered
    for area in ("Helse og velferd", "Oppvekst"):
        assert area in text
    statuses = status_cells(rows)
    for unit in ("K", "HV", "OU"):
        for name, status in expected_statuses(council_units[unit]).items():
            if unit != "K" and status == "Ingen mål" and name not in statuses:
                continue  # an area lists indicators without value and target by name only
            assert any(cell.endswith(status) for cell in statuses[name]), (unit, name, status)
    assert any(cell == "✗ Ikke nådd" for cell in statuses["Sykefravær"])  # the municipality
    assert any(cell == "● Nær" for cell in statuses["Sykefravær"])  # Helse og velferd
    # The suppressed unit is there, but not its figure (nor its complementary neighbour's).
    assert ["Barnehagen", "Skjult (under 5 personer)", "– Ingen status"] in rows
    assert ["Skolen", "Skjult (verner en liten gruppe)", "– Ingen status"] in rows
    assert SUPPRESSED_FIGURE not in text
    assert "Skjult" in text


def test_the_pdf_is_a4_with_contents_page_numbers_and_nothing_outside_the_page(hr):
    pages, text, _rows = pdf_read(hr.get(PDF_URL).content)

    assert len(pages) >= 4
    for number, page in enumerate(pages, start=1):
        assert (round(page.width, 2), round(page.height, 2)) == A4
        for kind in ("chars", "rects", "lines", "curves", "images"):
            for item in getattr(page, kind):
                assert item["x0"] >= 0 and item["x1"] <= page.width, (number, kind, item)
                assert item["top"] >= 0 and item["bottom"] <= page.height, (number, kind)
        for table in page.find_tables():
            x0, top, x1, bottom = table.bbox
            assert x0 >= 0 and x1 <= page.width and top >= 0 and bottom <= page.height
        assert re.search(rf"Side {number} av {len(pages)}\s*$", page.extract_text())
    contents = flat(pages[0].extract_text())
    assert re.search(r"1\. Kommunen: status per mål ?\.+ ?2 ", contents), contents
    assert re.search(r"2\. Helse og velferd ?\.+ ?\d+ ", contents)
    assert re.search(r"4\. Metode ?\.+ ?\d+ ", contents)
    # A chart is drawn: its bars are rectangles in the blue of the bars.
    assert any(r["non_stroking_color"] for page in pages for r in page.rects)


def test_the_docx_has_headings_tables_the_marker_and_no_suppressed_figure(hr, council_units):
    response = hr.get(DOCX_URL)

    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert response["Content-Disposition"] == (
        'attachment; filename="rapport-kommunestyret-2024-T2.docx"'
    )
    document, text, rows = docx_read(response.content)
    headings = {p.text for p in document.paragraphs if p.style.name in ("Heading 1", "Title")}
    assert {
        "Tertialrapport: 2. tertial 2024",
        "Kommunen: status per mål",
        "Helse og velferd",
        "Oppvekst",
        "Metode",
    } <= headings
    assert len(document.tables) >= 8
    assert rows[0] == ["Mål", "✓ Nådd", "● Nær", "✗ Ikke nådd", "– Ingen status", "Tiltak 2024"]
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert MARKER in text and ACTION in text and AREA_SUMMARY in text
    assert DRAFT_MARKER not in text
    statuses = status_cells(rows)
    for name, status in expected_statuses(council_units["K"]).items():
        assert any(cell.endswith(status) for cell in statuses[name]), (name, status)
    assert ["Barnehagen", "Skjult (under 5 personer)", "– Ingen status"] in rows
    assert SUPPRESSED_FIGURE not in text


@pytest.mark.parametrize("url", [PDF_URL, DOCX_URL])
def test_the_check_for_the_suppressed_figure_finds_it_when_it_is_published(client, settings, url):
    # The control of the privacy tests above: with the threshold at one person, the
    # engine publishes the small unit's figure, and the same reading finds it.
    settings.SUPPRESSION_MIN_PERSONS = 1
    build_council_round()
    client.force_login(user_with_role("hr-control", roles.HR))

    content = client.get(url).content

    text = pdf_read(content)[1] if url.endswith(".pdf") else docx_read(content)[1]
    assert f"{SUPPRESSED_FIGURE} %" in text


def test_the_year_report_holds_the_years_values_and_every_rounds_comments(hr):
    response = hr.get("/reports/2024.docx")

    assert response["Content-Disposition"] == (
        'attachment; filename="rapport-kommunestyret-2024.docx"'
    )
    document, text, rows = docx_read(response.content)
    assert document.paragraphs[0].text == "Årsrapport 2024"
    assert "Sykehjemmet, 2. tertial 2024 (sendt inn)" in {p.text for p in document.paragraphs}
    assert MARKER in text
    # Last year's column is the year before.
    assert ["Indikator", "Verdi", "Mål", "Status", "2023", "Utvikling"] in rows
    assert SUPPRESSED_FIGURE not in text
    pdf = hr.get("/reports/2024.pdf")
    assert pdf["Content-Disposition"] == 'attachment; filename="rapport-kommunestyret-2024.pdf"'
    assert MARKER in pdf_read(pdf.content)[1]


@pytest.mark.parametrize("url", [PDF_URL, DOCX_URL, "/reports/2024.pdf", "/reports/2024.docx"])
def test_each_download_is_logged_as_an_access_to_health_data(hr, url):
    before = HealthDataAccess.objects.count()

    hr.get(url)

    record = HealthDataAccess.objects.order_by("-pk").first()
    assert HealthDataAccess.objects.count() == before + 1
    assert (record.route, record.path, record.user.username) == ("export", url, "hr-council")
