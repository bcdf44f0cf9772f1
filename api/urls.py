from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from . import views, web

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("strategies", views.StrategyViewSet, basename="strategy")
router.register("goals", views.GoalViewSet, basename="goal")
router.register("sub-measures", views.SubMeasureViewSet, basename="sub-measure")
router.register("units", views.UnitViewSet, basename="unit")
router.register("indicators", views.IndicatorViewSet, basename="indicator")
router.register("targets", views.TargetViewSet, basename="target")
router.register("indicator-values", views.IndicatorValueViewSet, basename="indicator-value")
router.register("plans", views.PlanViewSet, basename="plan")
router.register("actions", views.ActionViewSet, basename="action")
router.register("tertial-reports", views.TertialReportViewSet, basename="tertial-report")
router.register("imports", views.ImportViewSet, basename="import")

app_name = "api"
urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("tokens/", web.token_list, name="tokens"),
    path("tokens/<int:pk>/revoke/", web.token_revoke_view, name="token-revoke"),
    # Anything else under /api/ is a JSON 404, not an HTML page.
    re_path(r"^", views.not_found),
]
