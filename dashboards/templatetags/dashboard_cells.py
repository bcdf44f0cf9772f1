"""``{% dashboard_cell cell %}``: a dashboard cell (value, status, trend); ``dashboards.cells``."""

from django import template
from django.utils.safestring import SafeString

from dashboards.cells import cell_html
from dashboards.selectors import DashboardCell

register = template.Library()


@register.simple_tag
def dashboard_cell(cell: DashboardCell) -> SafeString:
    return cell_html(cell)
