from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkplacesConfig(AppConfig):
    """The former app of org units, HR records and plans; only its migrations remain.

    Its models moved to ``org``, ``hr`` and ``plans`` with their tables
    (``workplaces_*``). It stays installed so that existing databases, whose migration
    history names it, and new ones go through the same migrations.
    """

    name = "workplaces"
    verbose_name = _("Workplaces (former app)")
