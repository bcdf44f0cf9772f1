from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    name = "dashboards"
    verbose_name = _("Dashboards")

    def ready(self) -> None:
        from measures.signals import figures_changed

        from .cache import bump_version

        # Changes the pages' data version cannot see make every cached page stale.
        figures_changed.connect(
            lambda sender, **kwargs: bump_version(), weak=False, dispatch_uid="dashboards.cache"
        )
