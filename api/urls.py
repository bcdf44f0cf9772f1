from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from .views import resources, tokens

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("strategies", resources.StrategyViewSet, basename="strategy")
router.register("goals", resources.GoalViewSet, basename="goal")
router.register("sub-measures", resources.SubMeasureViewSet, basename="sub-measure")
router.register("units", resources.UnitViewSet, basename="unit")
router.register("indicators", resources.IndicatorViewSet, basename="indicator")
router.register("targets", resources.TargetViewSet, basename="target")
router.register("indicator-values", resources.IndicatorValueViewSet, basename="indicator-value")
router.register("plans", resources.PlanViewSet, basename="plan")
router.register("actions", resources.ActionViewSet, basename="action")
router.register("tertial-reports", resources.TertialReportViewSet, basename="tertial-report")
router.register("tertial-rounds", resources.TertialRoundViewSet, basename="tertial-round")
router.register("imports", resources.ImportViewSet, basename="import")

app_name = "api"
urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The page and its script apart, for the Content-Security-Policy (no inline script).
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema", template_name="api/swagger_ui.html"
        ),
        name="docs",
    ),
    path("tokens/", tokens.token_list, name="tokens"),
    path("tokens/<int:pk>/revoke/", tokens.token_revoke_view, name="token-revoke"),
    # Anything else under /api/ is a JSON 404, not an HTML page.
    re_path(r"^", resources.not_found),
]
