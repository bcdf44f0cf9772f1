from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = _("Action plans and tertial reports")

    def ready(self) -> None:
        from measures.signals import figures_stored

        from .services import round_open_when_figures_exist

        # The recompute that first stores the last ended tertial's figures opens its round.
        figures_stored.connect(
            lambda sender, **kwargs: round_open_when_figures_exist(),
            weak=False,
            dispatch_uid="plans.round_open",
        )
