"""What the HR app tells the apps above it (which connect in their ``AppConfig.ready``).

``hr`` imports nothing above it: the recompute that an import's changes need is
queued by ``measures``, which listens to ``hr_data_changed``.
"""

from django.dispatch import Signal

# Sent inside the import's transaction when it changed the figures of the months from
# ``job.first_month_touched`` on; the receiver records the recompute they are owed in
# that transaction. Keyword argument: ``job`` (an ``hr.models.ImportJob``).
hr_data_changed = Signal()
