"""URLs of the dashboard pages (included from strategi/urls.py)."""

urlpatterns: list = []
