"""URLs of the reported pages (included from strategi/urls.py)."""

urlpatterns: list = []
