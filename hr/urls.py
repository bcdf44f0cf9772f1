from django.urls import path

from . import views

app_name = "hr"

urlpatterns = [
    path("import/", views.hr_import_upload, name="import"),
    path("import/<int:pk>/", views.hr_import_detail, name="import-detail"),
]
