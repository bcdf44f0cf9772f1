"""URLs of the indicator list and the reported indicators (included from strategi/urls.py)."""

from django.urls import path

from .views import reported

urlpatterns = [
    path("indicators/", reported.indicator_list, name="indicator-list"),
    path("indicators/new/", reported.indicator_create, name="indicator-create"),
    path("indicators/<int:pk>/edit/", reported.indicator_edit, name="indicator-edit"),
    path("indicators/values/", reported.reported_value_entry, name="reported-value-entry"),
    path(
        "indicators/values/import/",
        reported.reported_values_upload,
        name="reported-values-import",
    ),
]
