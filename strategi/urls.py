"""The site's URLs: each app's own ``urls`` module, the login, the API and the admin."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponseRedirect
from django.templatetags.static import static
from django.urls import include, path

from dashboards.views import home as home_views
from strategi import errors


def favicon(request: HttpRequest) -> HttpResponseRedirect:
    """Browsers ask for /favicon.ico where a page names no icon (the administration)."""
    return HttpResponseRedirect(static("favicon.svg"))


# A 500 page that renders whatever failed (the database, a context processor).
handler500 = errors.server_error

urlpatterns = [
    path("favicon.ico", favicon),
    path("", home_views.home, name="home"),
    path("strategies/", include("goals.urls")),
    # Each app's pages, under the paths they have always had.
    path("", include("org.urls")),
    path("", include("hr.urls")),
    path("", include("measures.urls")),
    path("", include("plans.urls")),
    path("", include("dashboards.urls")),
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
