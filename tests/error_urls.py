"""The site's URLs with a view that fails, for the 500 page's tests."""

from django.db import DatabaseError
from django.urls import path

from strategi.urls import handler500
from strategi.urls import urlpatterns as site_urlpatterns


def broken(request):
    raise DatabaseError("the database went away")


urlpatterns = [path("broken/", broken), *site_urlpatterns]

__all__ = ["handler500", "urlpatterns"]
