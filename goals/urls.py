from django.urls import path

from . import views

app_name = "goals"

urlpatterns = [
    path("", views.strategy_index, name="strategy-list"),
    path("active/", views.strategy_active, name="strategy-active"),
    path("<int:pk>/", views.strategy_detail, name="strategy-detail"),
]
