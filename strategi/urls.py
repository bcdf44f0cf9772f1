from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from goals import views as goal_views

urlpatterns = [
    path("", goal_views.home, name="home"),
    path("strategies/", include("goals.urls")),
    path("", include("workplaces.urls")),
    # Indicator pages: each area has its own URL module (dashboard, unit pages, reported).
    path("", include("measures.urls_dashboard")),
    path("", include("measures.urls_units")),
    path("", include("measures.urls_reported")),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/", include("api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
