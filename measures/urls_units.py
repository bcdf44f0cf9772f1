"""URLs of the units pages (included from strategi/urls.py)."""

from django.urls import path

from .views import units

urlpatterns = [
    path("units/<str:code>/", units.unit_detail, name="unit-detail"),
    path("dashboard/sammenheng/", units.sammenheng, name="sammenheng"),
]
