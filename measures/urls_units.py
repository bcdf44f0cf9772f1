"""URLs of the units pages (included from strategi/urls.py)."""

urlpatterns: list = []
