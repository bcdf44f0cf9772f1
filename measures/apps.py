from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeasuresConfig(AppConfig):
    name = "measures"
    verbose_name = _("Indicators and targets")

    def ready(self) -> None:
        from hr.signals import hr_data_changed

        from .tasks import recompute_after_hr_change

        # An import that changed HR data queues the recompute of the months it touched.
        hr_data_changed.connect(recompute_after_hr_change, dispatch_uid="measures.recompute")
