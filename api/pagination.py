"""Pagination with a stable order: page numbers for small lists, a cursor for values."""

from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000


class ValueCursorPagination(pagination.CursorPagination):
    """Indicator values by id: every page costs the same, however deep."""

    page_size = 1000
    page_size_query_param = "page_size"
    max_page_size = 10000
    ordering = "id"
