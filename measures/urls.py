"""URLs of the indicator list and HR's pages for reported indicators and their values."""

from django.urls import path

from . import views

app_name = "measures"

urlpatterns = [
    path("indicators/", views.indicator_list, name="indicator-list"),
    path("indicators/new/", views.indicator_create, name="indicator-create"),
    path("indicators/<int:pk>/edit/", views.indicator_edit, name="indicator-edit"),
    path("indicators/values/", views.reported_value_entry, name="reported-value-entry"),
    path(
        "indicators/values/import/",
        views.reported_values_upload,
        name="reported-values-import",
    ),
    path("tilgangslogg/", views.health_data_access_list, name="health-data-access"),
]
