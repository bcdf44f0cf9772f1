from django.urls import path

from . import views

app_name = "org"

urlpatterns = [
    path("plans/assignments/", views.assignments, name="assignments"),
    path("plans/assignments/<int:pk>/delete/", views.assignment_delete, name="assignment-delete"),
]
