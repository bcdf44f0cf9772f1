"""The council report as a PDF (WeasyPrint): A4, a contents page, page numbers.

The PDF is the report's HTML body (``dashboards/council/_body.html``, the same as the
page's) under a print stylesheet in which every table is as wide as the page. It
fetches nothing: charts are inline SVG, the stylesheet is inline, and any URL in the
document is refused.
"""

from typing import Any

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from .selectors import CouncilReport


class _NoFetching(URLFetcher):
    """Refuses every URL: the report is self-contained, and its texts are the users'."""

    def fetch(self, url: str, headers: Any = None) -> Any:
        raise ValueError(f"The council report fetches no resources: {url[:80]}")


def css_string(text: str) -> str:
    """``text`` as the inside of a CSS string: anything but letters, digits and spaces
    escaped (``\\00003c ``), so no text can end the string or the stylesheet."""
    return "".join(
        char if char.isalnum() or char == " " else f"\\{ord(char):06x} " for char in text
    )


def council_report_html(report: CouncilReport) -> str:
    """The document WeasyPrint lays out (also useful to look at in a browser)."""
    css = _stylesheet()
    return render_to_string(
        "dashboards/council/pdf.html",
        {"report": report, "css": mark_safe(css), "LANGUAGE_CODE": get_language()},  # noqa: S308
    )


def _stylesheet() -> str:
    return render_to_string(
        "dashboards/council/pdf.css",
        {
            "page_label": mark_safe(css_string(_("Page"))),  # noqa: S308 - escaped for CSS
            "of_label": mark_safe(css_string(_("of"))),  # noqa: S308 - escaped for CSS
        },
    )


def council_report_pdf(report: CouncilReport) -> bytes:
    """The report as PDF bytes."""
    document = HTML(string=council_report_html(report), url_fetcher=_NoFetching())
    return document.write_pdf(pdf_identifier=False)
