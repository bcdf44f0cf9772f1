"""The council report as a Word document (python-docx), for the council's case papers.

Real headings (Heading 1–3, so Word's navigation pane and contents field see them) and
real tables with a repeated header row, so the secretary can copy a section into a
saksframlegg. Charts are not drawn here: each chart's data table is.
"""

import io

from django.utils.translation import gettext as _
from docx import Document
from docx.document import Document as DocumentType
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import Table
from docx.text.paragraph import Paragraph

from .selectors import Chart, CouncilReport, IndicatorLine, PlanStatus


def _field(paragraph: Paragraph, instruction: str, placeholder: str = "") -> None:
    """A Word field (PAGE, NUMPAGES, TOC) that Word fills in when it lays out the text."""
    run = paragraph.add_run()
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run._r.append(begin)
    code = OxmlElement("w:instrText")
    code.set(qn("xml:space"), "preserve")
    code.text = f" {instruction} "
    run._r.append(code)
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    run._r.append(separate)
    shown = paragraph.add_run(placeholder)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    shown._r.append(end)


def _repeat_header(table: Table) -> None:
    properties = table.rows[0]._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def _table(
    document: DocumentType,
    caption: str,
    header: list[str],
    rows: list[list[str]],
    widths: list[int],
) -> Table:
    """A captioned table with a bold, repeated header row; ``widths`` in millimetres."""
    document.add_paragraph(caption, style="Caption")
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.autofit = False
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(text).bold = True
    for values in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, values, strict=True):
            cell.text = text
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Mm(width)
    _repeat_header(table)
    return table


def _indicator_rows(lines: list[IndicatorLine]) -> list[list[str]]:
    return [
        [
            line.name,
            line.value.text,
            line.target or "–",
            f"{line.status_icon} {line.status_text}",
            line.last_year.text,
            f"{line.trend_icon} {line.trend_text}" if line.trend_text else "–",
        ]
        for line in lines
    ]


def _indicator_table(
    document: DocumentType, report: CouncilReport, lines: list[IndicatorLine], what: str
) -> None:
    _table(
        document,
        _("%(what)s: indicators against target, %(period)s")
        % {"what": what, "period": report.period},
        [_("Indicator"), _("Value"), _("Target"), _("Status"), report.last_year, _("Trend")],
        _indicator_rows(lines),
        [48, 26, 19, 24, 26, 27],
    )


def _chart_table(document: DocumentType, chart: Chart) -> None:
    _table(
        document,
        chart.title,
        [_("Unit"), chart.indicator, _("Status")],
        [[bar.label, bar.value.text, f"{bar.status_icon} {bar.status_text}"] for bar in chart.bars],
        [85, 45, 40],
    )


def _plan_table(document: DocumentType, plan: PlanStatus, what: str) -> None:
    _table(
        document,
        _("%(what)s: actions in the plans for %(year)s per goal")
        % {"what": what, "year": plan.year},
        [
            _("Goal"),
            _("Planned"),
            _("In progress"),
            _("Done"),
            _("Postponed"),
            _("Units with actions"),
        ],
        [
            [
                f"{goal.number}. {goal.title}",
                str(goal.actions.planned),
                str(goal.actions.in_progress),
                str(goal.actions.done),
                str(goal.actions.postponed),
                str(goal.units_with_actions),
            ]
            for goal in plan.goals
        ],
        [66, 20, 20, 20, 20, 24],
    )
    document.add_paragraph(plan.text)


def _labelled(document: DocumentType, label: str, text: str) -> None:
    paragraph = document.add_paragraph()
    paragraph.add_run(label).bold = True
    paragraph.add_run(" " + text)


def council_report_docx(report: CouncilReport) -> bytes:
    """The report as the bytes of a .docx file (A4 portrait)."""
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(20))
    document.styles["Normal"].font.size = Pt(10)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    footer.add_run(_("Page") + " ")
    _field(footer, "PAGE", "1")
    footer.add_run(" " + _("of") + " ")
    _field(footer, "NUMPAGES", "1")
    document.core_properties.title = report.title
    document.core_properties.language = "nb-NO"

    document.add_heading(report.title, level=0)
    document.add_paragraph(_("Report to the council: %(unit)s") % {"unit": report.municipality})
    if report.strategy:
        document.add_paragraph(_("Strategy: %(strategy)s.") % {"strategy": report.strategy})
    document.add_paragraph(
        _("Made on %(date)s from the figures and reports stored then.") % {"date": report.created}
    )
    document.add_heading(_("Contents"), level=1)
    _field(
        document.add_paragraph(),
        'TOC \\o "1-2" \\h \\z \\u',
        _("Update the field to see the contents (right-click, Update field)."),
    )

    front = _("%(unit)s: status per goal") % {"unit": report.municipality}
    document.add_heading(front, level=1)
    document.add_paragraph(report.intro_text)
    if not report.has_values:
        document.add_paragraph(_("No indicator values are stored for this period."))
    if report.goals:
        _table(
            document,
            _("Status per goal, %(period)s: how many of the goal's indicators have each status")
            % {"period": report.period},
            [
                _("Goal"),
                "✓ " + _("Met"),
                "● " + _("Near"),
                "✗ " + _("Not met"),
                "– " + _("No status"),
                _("Actions %(year)s") % {"year": report.year},
            ],
            [
                [
                    f"{goal.number}. {goal.title}",
                    *(str(goal.counts[s]) for s in ("met", "near", "missed", "none")),
                    str(goal.plan.actions.total if goal.plan else 0),
                ]
                for goal in report.goals
            ],
            [66, 20, 20, 20, 20, 24],
        )
    for goal in report.goals:
        document.add_heading(
            _("Goal %(number)s: %(title)s") % {"number": goal.number, "title": goal.title},
            level=2,
        )
        if goal.lines:
            document.add_paragraph(goal.status_summary)
            _indicator_table(document, report, goal.lines, goal.title)
        else:
            document.add_paragraph(_("No indicator follows this goal."))
        if goal.plan:
            document.add_paragraph(goal.plan.text)
    document.add_paragraph(report.plan.text)
    if report.overview_chart:
        _chart_table(document, report.overview_chart)

    for area in report.areas:
        document.add_page_break()
        document.add_heading(area.name, level=1)
        document.add_heading(_("Indicators against target"), level=2)
        if area.lines:
            _indicator_table(document, report, area.lines, area.name)
        else:
            document.add_paragraph(_("No indicator of the strategy has a value or a target here."))
        if area.without:
            document.add_paragraph(
                _("Without a value or a target in the period:") + " " + ", ".join(area.without)
            )
        if area.chart:
            _chart_table(document, area.chart)

        document.add_heading(_("The area's summary"), level=2)
        for summary in area.summaries:
            if report.kind == "year":
                document.add_heading(summary.round, level=3)
            if summary.text:
                document.add_paragraph(summary.text)
            elif summary.compiled:
                document.add_paragraph(
                    _("No summary by the area's leader; the summaries of the units' reports:")
                )
                for unit, unit_text in summary.compiled:
                    _labelled(document, f"{unit}:", unit_text)
            else:
                document.add_paragraph(_("No summary has been written."))

        document.add_heading(_("Comments from the units"), level=2)
        if not area.reports:
            document.add_paragraph(_("No unit in the area has delivered a report."))
        for unit_report in area.reports:
            title = unit_report.unit
            if report.kind == "year":
                title += f", {unit_report.round}"
            document.add_heading(f"{title} ({unit_report.state})", level=3)
            if not unit_report.comments:
                document.add_paragraph(_("No comments on indicators."))
            for comment in unit_report.comments:
                head = comment.value.text
                if comment.target:
                    head += f", {_('target')} {comment.target}"
                _labelled(document, f"{comment.indicator}:", f"{head} – {comment.status_text}")
                if comment.text:
                    document.add_paragraph(comment.text)
                if comment.actions:
                    _labelled(document, _("Actions:"), "; ".join(comment.actions))
                elif comment.no_action_reason:
                    _labelled(document, _("No action, because:"), comment.no_action_reason)
            if unit_report.prioritised:
                _labelled(document, _("Prioritised actions:"), "; ".join(unit_report.prioritised))

        document.add_heading(_("Action plans %(year)s") % {"year": report.year}, level=2)
        _plan_table(document, area.plan, area.name)

    document.add_page_break()
    document.add_heading(_("Method"), level=1)
    document.add_paragraph(report.method_text)
    document.add_heading(_("Protection of small groups"), level=2)
    document.add_paragraph(report.suppression_text)
    document.add_heading(_("The indicators"), level=2)
    for method in report.methods:
        _labelled(
            document,
            f"{method.name} ({method.unit_of_measure}; {method.kind}):",
            method.description or "–",
        )

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
